"""Test plugin: fails while preparing the issue."""

from briefing import hookimpl


@hookimpl
def briefing_prepare_issue(issue):
    raise RuntimeError("the editor's desk is on fire")
