"""Files: reading a source's bytes under a size cap, writing a file atomically, showing a path to the user.

In: paths and bytes. Out: the bytes read (or :class:`SourceError` with the reason), a file that readers see
whole or not at all, a path relative to the workspace when it lies inside it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..errors import SourceError

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def read_bytes(path: str | Path, limit: int) -> bytes:
    """A file's bytes, refusing files over ``limit`` without reading them whole."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe or device would block or never end
            raise SourceError("not a regular file")
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise SourceError(f"too large: {size / 1048576:.1f} MB (limit {limit / 1048576:.0f} MB)")
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise SourceError("vanished before it could be read") from None
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SourceError(f"too large: over {limit / 1048576:.0f} MB")
    return data


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # readable like any file the user writes (mkstemp makes 0600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def display_path(path: str | Path, workspace: Path) -> str:
    """``path`` relative to the workspace when it lies inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path(workspace).resolve()))
    except (ValueError, OSError):
        return str(path)
