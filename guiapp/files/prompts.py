"""The questions and messages of the file flow, as module functions so tests answer them with
``monkeypatch.setattr(prompts, "ask_save_changes", ...)``."""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.project import SUFFIX

from .. import settings

if TYPE_CHECKING:
    from .autosave import AutosaveRecord

FILE_FILTER = f"LossLab projects (*{SUFFIX});;JSON files (*.json);;All files (*)"


def ask_save_changes(parent: QWidget | None, name: str, training: bool = False) -> str:
    """"save", "discard" or "cancel" for a project with unsaved changes; ``training``: a run is in
    progress (paused while this asks) and stops too, so this is the only question."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Save changes?", f"Save the changes to {name}?",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    info = "Your changes are lost if you don't save them."
    if training:
        info += ("\n\nThe training in progress is paused and stops if you go on; its trained weights are "
                 "not kept (the saved project keeps the settings, not the weights).")
    box.setInformativeText(info)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")


def ask_stop_training(parent: QWidget | None) -> bool:
    """Whether to stop the training run in progress (paused while this asks)."""
    answer = QMessageBox.question(parent, "Stop training?",
                                  "A training run is in progress (paused for now). Stop it?\n\n"
                                  "Its trained weights are not kept when the project closes.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def ask_recover(parent: QWidget | None, record: "AutosaveRecord") -> bool:
    """Whether to recover an autosaved project (False discards it)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.saved))
    where = str(record.original) if record.original else "a project that was never saved"
    box = QMessageBox(QMessageBox.Icon.Question, "Recover work?",
                      f"LossLab closed with unsaved changes to {record.name!r}. Recover them?",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(f"Autosaved {when} from {where}.")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(recover)
    box.exec()
    return box.clickedButton() is recover


def show_error(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """A warning box; ``detail`` goes in the informative text (e.g. the JSON path and the reason)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if detail:
        box.setInformativeText(detail)
    box.exec()


def start_folder(start_dir: str = "") -> str:
    """Where an Open dialog starts: the folder asked for (the project's), except the bundled examples
    folder or nothing, which give way to the folder last used in a dialog."""
    from .recent import is_bundled_example
    if start_dir and not is_bundled_example(start_dir):
        return start_dir
    return settings.last_folder() or start_dir


def save_suggestion(suggested: str) -> str:
    """A Save As suggestion in the default documents folder moves to the folder last used instead."""
    from .recent import documents_dir
    last = settings.last_folder()
    if suggested and last and Path(suggested).parent == documents_dir():
        return str(Path(last) / Path(suggested).name)
    return suggested


def choose_open_path(parent: QWidget | None, start_dir: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", start_folder(start_dir), FILE_FILTER)
    settings.remember_folder(path)
    return path or None


def choose_save_path(parent: QWidget | None, suggested: str = "") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save As", save_suggestion(suggested), FILE_FILTER)
    if not path:
        return None
    if not path.endswith(".json"):
        path += SUFFIX
    settings.remember_folder(path)
    return path


