"""The documentation, shipped inside the installed package as ``briefing_docs``: ``briefing docs`` lists it and
``briefing docs NAME`` prints one document (the Markdown files of this folder; ``images/`` holds their pictures)."""
