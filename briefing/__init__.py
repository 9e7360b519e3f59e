"""briefing: a daily intelligence-style newsletter built from the day's sources.

Plugins import what they need from here: the hook marker, the models and the errors.
"""

from .errors import BriefingError, BuildError, PluginError, SourceError, UsageError
from .hookspecs import hookimpl
from .models import (Document, Issue, IssueSection, Item, Loader, Passage, Section, SectionContent, Sentence, Source,
                     Story, stable_id)

__version__ = "0.1.0"

__all__ = [
    "BriefingError", "BuildError", "Document", "Issue", "IssueSection", "Item", "Loader", "Passage", "PluginError",
    "Section", "SectionContent", "Sentence", "Source", "SourceError", "Story", "UsageError", "hookimpl", "stable_id",
]
