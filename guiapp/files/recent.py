"""Recent files, the last project, the bundled examples and where files go by default."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from core.paths import resources_dir
from core.project import SUFFIX

from .. import settings

EXAMPLES_DIR = resources_dir() / "examples"
SPIRAL_EXAMPLE = EXAMPLES_DIR / "spiral.losslab.json"
MAX_RECENT = 10


def examples() -> list[Path]:
    """The bundled example projects, sorted by name."""
    return sorted(EXAMPLES_DIR.glob(f"*{SUFFIX}"))


def example_title(path: Path) -> str:
    """"spiral.losslab.json" -> "spiral"."""
    return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem


def is_bundled_example(path: str | os.PathLike | None) -> bool:
    """Whether ``path`` lies in LossLab's bundled examples folder (however it was opened): such a
    file is never written over, Save asks for a new place."""
    if path is None:
        return False
    try:
        return Path(path).resolve().is_relative_to(EXAMPLES_DIR.resolve())
    except (OSError, ValueError):
        return False


def documents_dir() -> Path:
    """The person's documents folder (``QStandardPaths.DocumentsLocation``) when it exists, else the home
    folder: a fresh Linux home may have no ~/Documents, and a default there fails to write."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def project_start_folder(project_path: str | os.PathLike | None) -> Path:
    """Where a dialog about a project starts, always an existing folder: the project's own folder unless
    it is a bundled example (never written into), else the folder last used in a dialog, else
    :func:`documents_dir`."""
    if project_path is not None and not is_bundled_example(project_path) and Path(project_path).parent.is_dir():
        return Path(project_path).parent
    last = settings.last_folder()
    return Path(last) if last else documents_dir()


def recent_files() -> list[Path]:
    """Recently opened or saved projects, newest first; files that no longer exist are dropped."""
    raw = settings.value("files/recent", [])
    if isinstance(raw, str):
        raw = [raw]
    paths = [Path(p) for p in (raw or []) if isinstance(p, str) and p]
    kept = [p for p in paths if p.is_file()][:MAX_RECENT]
    if len(kept) != len(paths):
        _store_recent(kept)
    return kept


def add_recent(path: str | os.PathLike) -> None:
    """Put ``path`` first in the recent list (at most ``MAX_RECENT``) and remember it as the last project."""
    p = Path(path).resolve()
    paths = [p] + [q for q in recent_files() if q.resolve() != p]
    _store_recent(paths[:MAX_RECENT])
    settings.set_value("files/last", str(p))


def clear_recent() -> None:
    _store_recent([])


def _store_recent(paths: list[Path]) -> None:
    settings.set_value("files/recent", [str(p) for p in paths])


def last_project() -> Path | None:
    """The project open when LossLab last saved or opened one, if it still exists."""
    p = settings.value("files/last", "")
    return Path(p) if isinstance(p, str) and p and Path(p).is_file() else None


def relative_data_path(data_file: str | os.PathLike, project_path: str | os.PathLike | None) -> str:
    """``data_file`` relative to the project's folder when the project is saved and it is possible,
    else absolute (e.g. on another drive)."""
    data_file = Path(data_file).resolve()
    if project_path is None:
        return str(data_file)
    try:
        return Path(os.path.relpath(data_file, Path(project_path).resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return str(data_file)


