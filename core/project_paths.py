"""How a project file stores its data path: relative to the project file whenever the data sits in
the project's folder or below it, so a folder moved or copied whole keeps working.

``data.path`` is resolved against the project file's folder on load (``Project.load`` sets
``base_dir``); on save :func:`stored_data_path` rewrites it for the file's (possibly new) folder.
"""
from __future__ import annotations

import os
from pathlib import Path


def _absolute(path: str, base: Path | None) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = (base if base is not None else Path.cwd()) / p
    return Path(os.path.abspath(p))


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop: compare the paths as written
        return path.is_relative_to(folder)


def stored_data_path(path: str, old_base: str | os.PathLike | None, new_base: str | os.PathLike) -> str:
    """``path`` (as the project holds it, relative to ``old_base``) as a project file in ``new_base``
    should store it: relative (with ``/``) when the file sits in ``new_base`` or below; the path as
    written when it still means the same file from ``new_base``, or names no file from ``old_base``;
    else absolute (the same file, from the new folder)."""
    old = Path(old_base) if old_base is not None else None
    new = Path(new_base)
    target = _absolute(path, old)
    if _inside(target, new):
        try:
            return Path(os.path.relpath(target.resolve(), new.resolve())).as_posix()
        except ValueError:  # another drive (Windows)
            return str(target)
    written = Path(path).expanduser()
    if written.is_absolute() or (old is not None and _absolute(path, new) == target):
        return path
    if not target.exists():  # it names no file from the old folder: keep what the person wrote
        return path
    return str(target)


def comparable_dict(project) -> dict:
    """``project.to_dict()`` with its data path made absolute: equal for two projects that mean the
    same thing, however each writes the path ("wine.csv" beside the project file or its absolute
    path). What "changed since this run" and "unsaved changes" compare, so going back to the data a
    run used (or the file holds) is no change."""
    d = project.to_dict()
    data = d.get("data")
    if isinstance(data, dict) and isinstance(data.get("path"), str) and data["path"]:
        data["path"] = str(_absolute(data["path"], project.base_dir))
    return d
