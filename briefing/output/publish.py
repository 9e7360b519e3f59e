"""Publish: rendered outputs → ``OUT/<date>/``, the whole folder swapped in at once, then the publish hooks.

In: the rendered texts/bytes, the issue model and the report. Out: a dict from format to the path written.
The issue's files (the renderings, ``issue.json``, the issue model of :mod:`briefing.output.issuefile`, and
``report.json``, which lists the others with their SHA-256 under ``files``) are written into a hidden folder
beside the old one, ``OUT/.<date>.staging-…``, with every file that is not a build's own (``sent.json`` and
the like) copied over from the old folder; then that folder and ``OUT/<date>`` are exchanged in one atomic
rename (``renameat2(RENAME_EXCHANGE)``; where the system lacks it, two renames, which the next build can
undo). Readers of ``OUT/<date>/`` therefore always see the files of one build, never a mix, whatever moment
a build is killed at; a full disk fails the build with a clear message and changes nothing. What a killed
build leaves behind (staging folders, temporary files) is removed by the next build (:func:`remove_leftovers`).

``briefing archive remove DATE`` (:func:`remove_issue`) takes an issue out: its folder is moved to
``OUT/.removed/<date>/`` (kept, never deleted), then the plugins that list the back issues write their lists again.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import hashlib
import logging
import os
import shutil
import uuid
from pathlib import Path

from ..errors import BuildError, UsageError
from . import issuefile

log = logging.getLogger("briefing.publish")

SUFFIXES = {"md": ".md", "html": ".html", "pdf": ".pdf", "epub": ".epub"}
REPORT_NAME = "report.json"
STAGING = ".staging-"
REMOVED = ".removed"  # where `briefing archive remove` keeps the issues it takes out of the archive
OLD = ".old-"
# a build's own files: every rendering (of any issue name), the issue model and the report; anything else in
# an issue folder (what `briefing send` records, a desk's notes) belongs to someone else and is kept
OWN_SUFFIXES = tuple(SUFFIXES.values())
OWN_NAMES = {issuefile.NAME, REPORT_NAME}
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False when this system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _is_own(name: str) -> bool:
    return name in OWN_NAMES or name.endswith(OWN_SUFFIXES)


def _carry(old: Path, new: Path) -> None:
    """Copy into ``new`` what the old folder holds that is not a build's own (e.g. the send record)."""
    if not old.is_dir():
        return
    for entry in old.iterdir():
        if _is_own(entry.name) or (new / entry.name).exists() or entry.name.endswith(".tmp"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, new / entry.name, follow_symlinks=False)


def write_issue(folder: Path, issue, rendered: dict[str, str | bytes], report) -> dict[str, Path]:
    """Write every rendered format, the issue model and the report (a :class:`~briefing.runtime.report.Report`, or
    its JSON text) into ``folder`` as one swap; returns format → path. Raises :class:`BuildError` when the
    files cannot be written (a full disk): then nothing was changed."""
    folder = Path(folder)
    out = folder.parent
    names = {fmt: f"{issue.slug}{SUFFIXES[fmt]}" for fmt in rendered}
    names["issue"] = issuefile.NAME
    names["report"] = REPORT_NAME
    contents = {fmt: (c.encode("utf-8") if isinstance(c, str) else c) for fmt, c in rendered.items()}
    contents["issue"] = issuefile.to_json(issue).encode("utf-8")
    files = {names[fmt]: _digest(data) for fmt, data in contents.items()}
    if hasattr(report, "to_json"):
        report.files = files
        contents["report"] = report.to_json().encode("utf-8")
    else:
        contents["report"] = str(report).encode("utf-8")
    stage = out / f".{folder.name}{STAGING}{uuid.uuid4().hex[:12]}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage.mkdir()
        for fmt, data in contents.items():
            _write(stage / names[fmt], data)
        _carry(folder, stage)
        _fsync_folder(stage)
        _swap_in(stage, folder)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            reason += " (the disk is full)"
        raise BuildError(f"cannot write the issue into {out}: {reason}; nothing was replaced, "
                         f"the previous issue is as it was") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return {fmt: folder / name for fmt, name in names.items()}


def _swap_in(stage: Path, folder: Path) -> None:
    """Put ``stage`` at ``folder``'s place in one step, and remove what was there."""
    out = folder.parent
    if not folder.exists():
        os.rename(stage, folder)
        _fsync_folder(out)
        return
    if _exchange(stage, folder):  # now ``stage`` holds the old issue
        _fsync_folder(out)
        shutil.rmtree(stage, ignore_errors=True)
        return
    old = out / f".{folder.name}{OLD}{uuid.uuid4().hex[:12]}"
    os.rename(folder, old)  # killed between these two renames: the next build puts ``old`` back
    try:
        os.rename(stage, folder)
    except BaseException:
        os.rename(old, folder)
        raise
    _fsync_folder(out)
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(out: Path) -> list[str]:
    """Remove what killed builds and sends left in ``out`` (called with its lock held): staging folders,
    temporary files; an issue folder caught between two renames is put back. Returns what was done."""
    done: list[str] = []
    out = Path(out)
    if not out.is_dir():
        return done
    entries = sorted(out.iterdir(), key=lambda p: p.name)
    for entry in entries:
        name = entry.name
        if not name.startswith("."):
            if entry.is_dir() and not entry.is_symlink():
                for inner in entry.iterdir():
                    if inner.name.startswith(".") and inner.name.endswith(".tmp") and inner.is_file():
                        inner.unlink(missing_ok=True)
                        done.append(f"removed {entry.name}/{inner.name}")
            continue
        if STAGING in name and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {name}")
        elif OLD in name and entry.is_dir():
            original = out / name[1:name.index(OLD)]
            if not original.exists():
                os.rename(entry, original)
                done.append(f"put back {original.name}")
            else:
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"removed {name}")
        elif name.endswith(".tmp") and entry.is_file():
            entry.unlink(missing_ok=True)
            done.append(f"removed {name}")
    if done:
        log.info("left by an earlier build that was stopped: %s", "; ".join(done))
    return done


def remove_issue(config, date: str) -> tuple[Path, str]:
    """Take the issue of ``date`` out of ``config.out``: its folder is moved to ``OUT/.removed/`` and the plugins
    that list the back issues (``briefing_archive_changed``) write their lists again. Returns where the files are
    kept and the issue's name; UsageError when there is no such date or issue."""
    from ..host.context import HostContext
    from ..host.plugins import Plugins
    from ..runtime.lock import out_lock

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise UsageError(f"{date!r} is not a date (YYYY-MM-DD)") from None
    out = Path(config.out)
    with out_lock(config, "archive remove"):
        folder = out / day.isoformat()
        if not folder.is_dir():
            raise UsageError(f"no issue of {day.isoformat()} in {out}")
        try:
            name = issuefile.read_issue(folder).name
        except (OSError, ValueError):
            name = f"the issue of {day.isoformat()}"
        kept = out / REMOVED / day.isoformat()
        n = 1
        while kept.exists():  # an issue of the same day removed before: both are kept
            n += 1
            kept = out / REMOVED / f"{day.isoformat()}-{n}"
        kept.parent.mkdir(exist_ok=True)
        os.rename(folder, kept)
        _fsync_folder(out)
        ctx = HostContext(config, Plugins(config.workspace), day)
        ctx.call(ctx.hook.briefing_archive_changed)
    failed = [f"plugin {e['plugin']!r} failed in {e['hook']}: {e['error']}" for e in ctx.report.plugin_errors]
    if failed:  # the files are out of the archive, but a list a plugin writes may still name the issue
        raise BuildError(f"{name} ({day.isoformat()}) was moved to {kept}, but {'; '.join(failed)}: the lists it "
                         "writes may still name the issue")
    return kept, name
