"""Run on a trained model: Continue (more epochs on these weights, the schedule carries on) or
Restart (fresh weights, empty curves).

The first time, Run asks; "Remember my choice" keeps the answer (Train ▸ When Run Finds a Trained
Model changes it). The question is a module function, :func:`ask_continue_or_restart`, so tests
answer it with monkeypatch.
"""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QCheckBox, QMenu, QMessageBox, QWidget

from .. import settings

__all__ = ["RunMode", "ask_continue_or_restart", "CHOICES", "SETTING"]

SETTING = "training/run_choice"
CHOICES = {"ask": "Ask Each Time", "continue": "Always Continue", "restart": "Always Restart"}


def ask_continue_or_restart(parent: QWidget | None, epochs_done: int, epochs_more: int) -> tuple[str | None, bool]:
    """("continue" | "restart" | None for cancel, whether to remember the choice)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Run again",   # a short title: window managers elide long ones
                      f"This model has trained {epochs_done} epoch{'s' if epochs_done != 1 else ''}.",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText(f"Continue: {epochs_more} more epochs on these weights; the learning-rate "
                           "schedule carries on where it stopped.\nRestart: fresh weights and empty curves.")
    cont = box.addButton("Continue", QMessageBox.ButtonRole.AcceptRole)
    restart = box.addButton("Restart", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(cont)
    remember = QCheckBox("Remember my choice")
    box.setCheckBox(remember)
    box.exec()
    clicked = box.clickedButton()
    choice = "continue" if clicked is cont else "restart" if clicked is restart else None
    return choice, remember.isChecked() and choice is not None


def remembered() -> str:
    """The remembered choice: "ask", "continue" or "restart"."""
    v = settings.value(SETTING, "ask")
    return v if v in CHOICES else "ask"


class RunMode(QObject):
    """What the Run action does: start, resume a pause, or on a trained model Continue/Restart."""

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.controller = controller
        self.last_choice: str | None = None    # what the last Run did: "fresh", "continue", "restart"

    def run(self) -> bool:
        c = self.controller
        if c.is_running():
            return c.run()                       # resume a paused run
        if not c.has_trained_model():
            self.last_choice = "fresh"
            return c.run()
        choice = "continue" if c.loaded_run else remembered()   # Runs ▸ Continue already chose
        if choice == "ask":
            done = c.history.n_epochs
            choice, remember = ask_continue_or_restart(QApplication.activeWindow(), done,
                                                       c.document.project.training.epochs)
            if choice is None:
                return False
            if remember:
                settings.set_value(SETTING, choice)
        if choice == "restart":
            c.reset()
        self.last_choice = choice
        return c.run()

    def menu(self, parent: QWidget | None = None) -> QMenu:
        """Train ▸ When Run Finds a Trained Model: Ask Each Time / Always Continue / Always Restart."""
        menu = QMenu("When Run Finds a &Trained Model", parent)
        group = QActionGroup(menu)
        current = remembered()
        for key, text in CHOICES.items():
            action = QAction(text, menu, checkable=True, checked=key == current)
            action.setData(key)
            group.addAction(action)
            menu.addAction(action)
        group.triggered.connect(lambda a: settings.set_value(SETTING, a.data()))
        menu.aboutToShow.connect(lambda: [a.setChecked(a.data() == remembered()) for a in group.actions()])
        return menu
