"""The command line: ``briefing build``, ``send``, ``serve``, ``init`` and the rest."""
