"""Output: the issue rendered to Markdown, HTML, PDF and EPUB, written whole into ``out/``, and the issue file
read back."""
