""""Exclude from training in a copy…": the chosen suspect labels left out of training in a new project file.

The original project is never touched: the copy holds the same network and settings with the samples'
identifiers added to ``data.exclude`` (core.data.exclude), so training both and comparing their validation
losses says whether the suspects were hurting. The data paths are rewritten for the copy's folder.
"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

SUFFIX = ".losslab.json"


def clean_copy_path(project, project_path: str | Path | None) -> Path:
    """``<name>-clean.losslab.json`` beside the project file (or in the project's data folder when unsaved)."""
    if project_path:
        p = Path(project_path)
        stem = p.name[: -len(SUFFIX)] if p.name.endswith(SUFFIX) else p.stem
        return p.with_name(f"{stem}-clean{SUFFIX}")
    stem = re.sub(r"[^\w.-]+", "-", project.name or "project").strip("-") or "project"
    folder = Path(project.base_dir) if project.base_dir is not None else Path.home()
    return folder / f"{stem}-clean{SUFFIX}"


def write_clean_copy(project, ids: list, path: str | Path):
    """Save a copy of ``project`` at ``path`` whose ``data.exclude`` also names ``ids``; returns the copy."""
    copy = project.copy()
    had = set(copy.data.exclude)
    copy.data.exclude = list(copy.data.exclude) + [i for i in dict.fromkeys(ids) if i not in had]
    copy.name = f"{project.name} (clean)" if project.name else "clean"
    path = Path(path)
    if not path.name.endswith(SUFFIX):
        path = path.with_name(path.name + SUFFIX) if not path.name.endswith(".json") else path
    copy.save(path)
    return copy, path


def exclude_in_copy(parent: QWidget, project, project_path, ids: list) -> Path | None:
    """Ask where to write the copy, write it and ask whether to open it: the copy's path when the person
    wants it opened, else None (cancelled, not opened, or the file could not be written, said in a box)."""
    if not ids:
        return None
    default = clean_copy_path(project, project_path)
    chosen, _ = QFileDialog.getSaveFileName(parent, f"Exclude {len(ids)} sample(s) from training in a copy",
                                            str(default), "LossLab projects (*.losslab.json)")
    if not chosen:
        return None
    try:
        copy, path = write_clean_copy(project, ids, chosen)
    except (OSError, ValueError) as e:
        QMessageBox.warning(parent, "Exclude from training", f"The copy could not be written to {chosen}: {e}")
        return None
    answer = QMessageBox.question(
        parent, "Exclude from training",
        f"Wrote {path.name}: {len(copy.data.exclude)} training sample(s) left out (data.exclude); validation and "
        "test keep every sample, so the two projects' losses compare. Open the copy now?")
    return path if answer == QMessageBox.StandardButton.Yes else None
