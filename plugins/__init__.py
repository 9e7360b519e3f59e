"""The built-in plugins: the newsletter's sections and the source loaders.

Each module is registered through the ``briefing`` entry-point group, exactly as an outside plugin is.
"""
