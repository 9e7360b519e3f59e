"""The errors a build can meet, each mapped to what the user sees and the exit code."""


class BriefingError(Exception):
    """Base of the project's own errors; its message is shown to the user as is."""

    exit_code = 1


class UsageError(BriefingError):
    """The command line or configuration is wrong (exit code 2)."""

    exit_code = 2


class SourceError(BriefingError):
    """One source cannot be read; the build goes on without it.

    A loader that recovered part of a damaged source passes what it read as ``documents``: the source is
    still reported as bad, with the reason, and the recovered documents are used.
    """

    def __init__(self, reason: str, documents=None):
        super().__init__(reason)
        self.documents = list(documents or [])


class PluginError(BriefingError):
    """A plugin is malformed (wrong hook name or signature) or failed."""


class BuildError(BriefingError):
    """The build failed as a whole; nothing was replaced (exit code 1)."""


class Interrupted(BuildError):
    """The build was stopped by Ctrl-C (SIGINT) or SIGTERM; nothing was published (exit code 128 + the signal)."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum


class OutOfTime(BaseException):
    """Raised in a build that ran past ``[briefing] max_seconds`` (see :mod:`briefing.runtime.deadline`).

    Not an :class:`Exception`, so that no ``except Exception`` in a plugin or a library can swallow it; the
    build turns it into a :class:`BuildError` naming the stage and the plugin that was running."""
