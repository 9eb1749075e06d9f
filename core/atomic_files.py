"""Files that are never half-written: a temporary file in the target's folder, fsync, ``os.replace``.

A reader (or a crash at any moment, ``kill -9`` included) sees either the old file or the new one,
whole. The temporary is named ``.<name>.<random>.tmp`` and holds an exclusive ``flock`` while it is
written, so the next save of the same file can tell a temporary left by a killed writer (lock free:
removed) from one being written right now by another process (locked: left alone). Without ``fcntl``
(Windows) temporaries older than :data:`STALE_SECONDS` count as stale.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Callable

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

STALE_SECONDS = 3600.0


def _lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def temp_files_of(path: Path) -> list[Path]:
    """Temporaries a save of ``path`` may have left: ``.<name>.*.tmp`` beside it."""
    path = Path(path)
    try:
        return sorted(path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"))
    except OSError:
        return []


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def clean_stale_temps(path: Path) -> int:
    """Remove the temporaries of earlier saves of ``path`` that no live process is writing; returns how many."""
    removed = 0
    for tmp in temp_files_of(path):
        try:
            if fcntl is None:
                if time.time() - tmp.stat().st_mtime > STALE_SECONDS:
                    tmp.unlink()
                    removed += 1
                continue
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            try:
                if _lock(fd):
                    tmp.unlink()
                    removed += 1
            finally:
                os.close(fd)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def _mode_for(path: Path) -> int:
    # mkstemp makes the file 0600: keep an existing file's mode, else the usual one (umask applied)
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``data`` (bytes, or a function writing to a binary file object) to ``path`` atomically.

    On any failure (a full disk, Ctrl-C, an exception in ``data``) the temporary is removed, the old
    file is untouched, and the exception propagates."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _lock(fd)
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as f:
            fd = -1
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if os.name == "posix":  # rename while the lock is held: no cleaner can take it for stale
                os.replace(tmp, path)
        if os.name != "posix":  # Windows cannot rename an open file
            os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort."""
    if os.name != "posix":
        return
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
