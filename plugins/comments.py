"""Comments, Updates, Developments and Reports: relevant stories that no other section claims."""

from briefing import Section, hookimpl


@hookimpl
def briefing_sections():
    return [Section(key="comments", title="Comments, Updates, Developments and Reports", order=30, fallback=True)]
