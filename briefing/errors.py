"""The errors a build can meet, each mapped to what the user sees and the exit code."""


class BriefingError(Exception):
    """Base of the project's own errors; its message is shown to the user as is."""

    exit_code = 1


class UsageError(BriefingError):
    """The command line or configuration is wrong (exit code 2)."""

    exit_code = 2


class SourceError(BriefingError):
    """One source cannot be read; the build goes on without it."""


class PluginError(BriefingError):
    """A plugin is malformed (wrong hook name or signature) or failed."""


class BuildError(BriefingError):
    """The build failed as a whole; nothing was replaced (exit code 1)."""
