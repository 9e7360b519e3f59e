"""Output: the issue rendered to Markdown, HTML and PDF, written whole into ``out/``, and the issue file read back."""
