"""The training actions (Run, Pause, Step, Step Epoch, Stop, Reset) and their enabled state."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle

__all__ = ["TrainingActions"]

SP = QStyle.StandardPixmap
#: name -> (text, theme icon, fallback icon, default shortcut, tooltip)
SPECS = {
    "run": ("Run", "run", SP.SP_MediaPlay, "F5", ""),
    "pause": ("Pause", "pause", SP.SP_MediaPause, "F6", "Pause the training (Run or Pause again resumes)"),
    "step": ("Step", "step", SP.SP_MediaSkipForward, "F10", "Train one batch, then pause"),
    "step_epoch": ("Step Epoch", "step", SP.SP_MediaSeekForward, "Shift+F10",
                   "Train to the end of the epoch, then pause"),
    "stop": ("Stop", "stop", SP.SP_MediaStop, "Shift+F5", "Stop the training (the weights are kept: Run continues them)"),
    "reset": ("Reset", "reset", SP.SP_BrowserReload, "",
              "Forget the trained weights and the curves: the next Run starts afresh"),
}


def _icon(name: str, fallback) -> QIcon:
    try:
        from ..theme import icon
        found = icon(name)
        if not found.isNull():
            return found
    except Exception:  # noqa: BLE001 - the theme is optional here
        pass
    app = QApplication.instance()
    return app.style().standardIcon(fallback) if app is not None else QIcon()


class TrainingActions(QObject):
    """Owns the QActions; ``update`` sets what is enabled and the Run tooltip (the reason when the
    project cannot train)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.by_name: dict[str, QAction] = {}
        for name, (text, icon, fallback, shortcut, tip) in SPECS.items():
            action = QAction(_icon(icon, fallback), text, self)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            if tip:
                action.setToolTip(tip)
                action.setStatusTip(tip)
            self.by_name[name] = action
        self.by_name["pause"].setCheckable(True)

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def update(self, *, can_train: bool, reason: str, running: bool, paused: bool, stopping: bool,
               continues: bool, has_history: bool) -> None:
        a = self.by_name
        a["run"].setEnabled(can_train and (not running or paused) and not stopping)
        if not can_train:
            tip = f"Cannot train: {reason}"
        elif paused:
            tip = "Resume the training"
        elif continues:
            tip = "Continue the trained weights or restart from fresh ones (asks, unless you chose to remember)"
        else:
            tip = "Train the model from fresh weights"
        a["run"].setToolTip(tip)
        a["run"].setStatusTip(tip)
        pause = a["pause"]
        pause.setEnabled(running and not stopping)
        pause.blockSignals(True)
        pause.setChecked(running and paused)
        pause.setText("Resume" if paused else "Pause")
        pause.blockSignals(False)
        a["stop"].setEnabled(running and not stopping)
        for name in ("step", "step_epoch"):
            a[name].setEnabled((can_train or running) and not stopping)
        a["reset"].setEnabled(not stopping and (running or has_history or continues))
