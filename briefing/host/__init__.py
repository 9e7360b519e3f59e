"""The plugin host: the plugin manager, the build context handed to every hook, the checks on what plugins return, the sections they contribute."""
