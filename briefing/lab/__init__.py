"""The lab: the editorial model tuned on labelled dev days and measured on test days (``make tune``, ``make eval``)."""
