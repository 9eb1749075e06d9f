"""Reading the files a project points at without hanging, exhausting memory or crashing.

``data.path`` may point anywhere: only regular files are read (a FIFO would block forever,
``/dev/zero`` or ``/dev/urandom`` never end, a folder is not a table), the size is checked before a
byte is read, and every refusal says what was refused and what to do. The file is opened with
``O_NONBLOCK`` and checked with ``fstat`` on that descriptor, so a FIFO is refused rather than waited
on and nothing can swap the file between the check and the read.

The CSV reader calls :func:`read_regular_bytes`; the NPZ reader calls :func:`check_npz_arrays` to
refuse an archive whose headers declare arrays larger than memory before any array is allocated.
"""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import numpy as np

from core.data.errors import DataError

#: largest data file read (bytes); larger ones are refused before reading
DATA_MAX_BYTES = 2 << 30
#: largest project file read (bytes); a project is a few KB, a 100,000-node one a few MB
PROJECT_MAX_BYTES = 64 << 20


class SafeFileError(DataError):
    """A file was refused before reading (not a regular file, too large, a path that cannot exist)."""


def _refuse(where: str, message: str) -> SafeFileError:
    return SafeFileError(where, message)


def resolve_path(path: object, base_dir: str | os.PathLike | None, where: str = "data.path") -> Path:
    """``path`` as written in the project -> the file to open: ``~`` expanded (an unknown ``~user`` is a
    clear error), relative paths from ``base_dir``; a NUL byte or a non-text path is refused."""
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise _refuse(where, "expected the file's path as text; set it to the data file")
    text = os.fspath(path)
    if "\x00" in text:
        raise _refuse(where, "the path holds a NUL character, which no file name can contain; retype the path")
    p = Path(text)
    if text.startswith("~"):
        try:
            p = p.expanduser()
        except RuntimeError:
            user = text[1:].split("/", 1)[0].split(os.sep, 1)[0]
            raise _refuse(where, f"'~{user}' names no user on this machine; write the folder out in full") from None
        if str(p).startswith("~"):
            raise _refuse(where, f"'{text.split('/', 1)[0]}' names no user on this machine; write the folder out "
                                 "in full")
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path, shown: str, max_bytes: int, what: str = "a data file") -> tuple[int, int]:
    """Open ``path`` for reading if it is a regular file of at most ``max_bytes``; returns (fd, size).

    Raises :class:`SafeFileError` (``FileNotFoundError`` for a missing file, so callers keep their own
    "not found" message). The caller closes the descriptor."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise _refuse(shown, f"is a folder, not {what}; point the path at the file") from None
    except PermissionError:
        raise _refuse(shown, "cannot be read: permission denied; check the file's permissions") from None
    except OSError as e:
        raise _refuse(shown, f"cannot be opened ({e.strerror or e}); check the path") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(shown, f"is {_describe(st.st_mode)}, not {what}; LossLab reads only regular files: "
                                 "point the path at the file")
        if st.st_size > max_bytes:
            raise _refuse(shown, f"is {st.st_size / 2**20:,.0f} MB, more than the {max_bytes / 2**20:,.0f} MB LossLab "
                                 f"reads as {what}; use a smaller file or a sample of it")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_regular_bytes(path: Path, shown: str, max_bytes: int = DATA_MAX_BYTES, what: str = "a data file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (see :func:`open_regular`)."""
    fd, size = open_regular(path, shown, max_bytes, what)
    chunks, total = [], 0
    try:
        while True:  # read to the end, but never past the limit (a file that grows while read)
            chunk = os.read(fd, min(1 << 24, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise _refuse(shown, f"grew past {max_bytes / 2**20:,.0f} MB while being read; use a file that is "
                                     "not being written")
    except OSError as e:
        raise _refuse(shown, f"could not be read ({e.strerror or e})") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), else total RAM, else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_npz_arrays(file, shown: str, max_bytes: int | None = None) -> None:
    """Read only the ``.npy`` headers inside an ``.npz`` (an open binary file) and refuse arrays whose
    declared size is larger than ``max_bytes`` (default: half the available memory) before any of them
    is allocated. The file position is left at the start."""
    if max_bytes is None:
        avail = available_memory()
        max_bytes = avail // 2 if avail else 1 << 40
    total = 0
    try:
        with zipfile.ZipFile(file) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                    else:
                        continue  # np.load reports versions it does not know
                n = 1
                for d in shape:
                    n *= int(d)
                size = n * max(1, dtype.itemsize)
                total += size
                name = info.filename[:-4]
                if size > max_bytes or total > max_bytes:
                    raise _refuse(f"{shown} array {name!r}", f"declares shape {tuple(shape)} of {dtype} "
                                  f"({size / 2**30:,.1f} GB), more than the {max_bytes / 2**30:,.1f} GB of memory "
                                  "LossLab may use here; use a smaller array")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        if isinstance(e, DataError):
            raise
        # not a valid archive: np.load says what is wrong with it
    finally:
        file.seek(0)
