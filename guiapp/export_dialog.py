"""File ▸ Export…: write the project's model as PyTorch code, pt2, ONNX or a state dict, or its loss
history as CSV/JSON, with the weights trained in this window when there are any.

The export runs as a task on the window's one task runner (``guiapp.tasks.TaskRunner``; pt2/ONNX
trace the model, seconds for a recurrent one) on a copy of the model, so the window stays responsive
and a later Run cannot change what is written.
"""
from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from core.export import FORMATS
from core.tasks import TaskOutcome

from . import settings
from .tasks import TaskRunner


def write_export(kwargs: dict, *, state=None):
    """``core.export.export(**kwargs)`` as a task: it reports no progress and runs to its end (seconds
    at most); an ``ExportError`` becomes the outcome's message."""
    from core.export import export
    return export(**kwargs)


def trained_run(controller):
    """The RunResult whose weights a Run would continue (None: no trained model)."""
    if controller is None or not controller.has_trained_model():
        return None
    return controller.history.result


#: the Export dialog's last format, in the GUI settings
FORMAT_KEY = "export/format"


class ExportDialog(QDialog):
    """Pick a format and a file; Export writes it and shows what was written."""
    exported = Signal(object)   # ExportResult

    def __init__(self, document, controller=None, parent: QWidget | None = None, folder: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setObjectName("export_dialog")
        self.document, self.controller = document, controller
        self.runner = TaskRunner(self, name="LossLabExport")
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
        self.format_box = QComboBox()
        for name, (suffix, what) in FORMATS.items():
            self.format_box.addItem(f"{name}  ({suffix}) — {what}", name)
        self.path_edit = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.weights_label = QLabel()
        self.weights_label.setWordWrap(True)
        self.input_label = QLabel()  # what the written file expects: raw columns, in this order
        self.input_label.setWordWrap(True)
        self.input_label.setObjectName("export_input")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setObjectName("export_status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("File", row)
        form.addRow("Weights", self.weights_label)
        form.addRow("Input", self.input_label)
        self._form = form
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        project = document.project
        from .files import project_start_folder   # an existing folder, never the bundled examples'
        base = folder or project_start_folder(document.path)
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in project.name) or "model"
        self.path_edit.setText(str(Path(base) / f"{stem}{FORMATS['py'][0]}"))
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        # the last format chosen, across projects and restarts (it was back to py every time)
        last = self.format_box.findData(settings.value(FORMAT_KEY, "py"))
        if last > 0:
            self.format_box.setCurrentIndex(last)   # the file name takes its suffix (_on_format_changed)
        self.path_edit.textChanged.connect(lambda _t: self._update_input())   # the JSON's name follows the file
        self._update_weights()
        self._update_input()
        self.resize(620, self.sizeHint().height())

    @property
    def format(self) -> str:
        return self.format_box.currentData()

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(fmt))

    def _update_weights(self) -> None:
        run = trained_run(self.controller)
        if self.format in ("csv", "json"):
            text = (f"the history of this session's run ({run.epochs_run} epochs)" if run is not None
                    else "no run yet: train the project first")
        elif self.format == "py":
            text = ("the script builds and trains the network itself (with the project's seed); to predict with "
                    "the weights trained here, export them as state_dict and run the script with --weights")
        elif run is not None:
            text = f"the weights trained in this window ({run.epochs_run} epochs, {run.status})"
        else:
            text = "not trained yet: the network's initial weights (seed " f"{self.document.project.training.seed})"
        self.weights_label.setText(text)

    def _update_input(self) -> None:
        """Say what the file will expect (the preprocessing built in or written beside it)."""
        from core.export import ExportError, expected_input
        try:
            text = expected_input(self.document.project, self.document.dataset, self.format,
                                  self.path_edit.text().strip() or "model")
        except (ExportError, ValueError, KeyError, AttributeError):  # outputs that do not fit the data yet
            text = "known once the project checks"
        if text.startswith("input: "):
            text = text[len("input: "):]
        self.input_label.setText(text)
        self._form.setRowVisible(self.input_label, bool(text))

    def _on_format_changed(self, _index: int) -> None:
        path = Path(self.path_edit.text() or "model")
        name = path.name
        for suffix, _ in FORMATS.values():
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        self.path_edit.setText(str(path.with_name(name + FORMATS[self.format][0])))
        self.status_label.clear()  # "wrote py to …" was about the previous format's file
        settings.set_value(FORMAT_KEY, self.format)
        self._update_weights()
        self._update_input()

    def _on_browse_clicked(self) -> None:
        suffix = FORMATS[self.format][0]
        chosen, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), f"{self.format} (*{suffix})")
        if chosen:
            self.path_edit.setText(chosen)
            self._update_input()

    def start_export(self) -> bool:
        """Start writing the file; False (with the reason shown) when it cannot start."""
        if self.runner.is_running():
            return False
        if self.controller is not None and self.controller.is_running():
            self._say("Stop the training first: the model is changing while it runs.")
            return False
        if self.document.dataset is None:
            self._say("The project's data is not loaded: fix the data settings first.")
            return False
        run = trained_run(self.controller)
        trained = self.controller.trained_model() if run is not None else None
        model = copy.deepcopy(trained).cpu() if trained is not None and self.format not in ("py", "csv", "json") else None
        kwargs = dict(project=self.document.project.copy(), fmt=self.format, path=self.path_edit.text().strip(),
                      model=model, dataset=self.document.dataset, history=list(run.history) if run else None)
        self.export_button.setEnabled(False)
        self.status_label.setText(f"Exporting {self.format}…")
        self.runner.start(write_export, kwargs)
        return True

    def is_exporting(self) -> bool:
        return self.runner.is_running()

    def _on_runner_taskFinished(self, outcome: TaskOutcome) -> None:  # noqa: N802 - the signal's name
        self.export_button.setEnabled(True)
        if outcome.error is not None:
            self._say(f"Not exported: {outcome.message}")
            return
        result = outcome.value
        summary = result.summary()
        if result.input and self.input_label.isVisibleTo(self):   # said once, on the Input row above
            summary = summary.replace(f"\n  {result.input}", "")
        self._say(summary.replace("\n  note: ", "\nNote: "))
        settings.remember_folder(str(result.path))   # the next export (and file dialog) starts there
        self.exported.emit(result)

    def _say(self, text: str) -> None:
        """Show ``text`` under the rows, growing the dialog to it: a message in a dialog of the old
        height once squeezed the Weights and Input rows until their texts overlapped."""
        self.status_label.setText(text)
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Grow (never shrink) to the height the wrapped texts need at this width, within the screen:
        a long "wrote … to" once squeezed the rows above it to a line each."""
        layout = self.layout()
        layout.activate()
        want = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                else layout.totalSizeHint().height())
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().height() - 40 if screen is not None else want
        if want > self.height():
            self.resize(self.width(), min(want, room))

    def done(self, code: int) -> None:  # noqa: D401 - Qt's name
        if self.runner.is_running():  # closing while it writes: let it finish first (seconds at most)
            self.runner.wait()
        super().done(code)


def show_export_dialog(window) -> ExportDialog:
    dialog = ExportDialog(window.document, window.controller, window)
    dialog.exported.connect(lambda r: window.statusBar().showMessage(f"Exported {r.format} to {r.path}", 10_000))
    dialog.open()
    return dialog
