"""Train > Find Learning Rate…: the range test in a non-modal window, and Apply.

The test trains a fresh copy of the model (the project's seed) for a hundred batches while the rate
grows from 1e-7 to 10 (:func:`core.lr_finder.find_lr`, on a :class:`LRFinderRunner` thread); the
project, and any weights a Run has trained, stay as they are. Apply sets the optimizer's ``lr`` as
one undo step. The action is disabled, with the reason, while the project cannot train or a
training runs.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from .plot import LRFinderPlot
from .runner import FinderOptions, LRFinderRunner
from .spin import LogSpinBox

__all__ = ["LRFinderView", "project_lr"]

INTRO = ("A range test trains a fresh copy of your model for a few batches while the learning rate grows, "
         "and plots the loss. A good rate lies where the loss still falls steeply, well before it shoots up. "
         "Your project changes only when you press Apply, and a model you have trained is never touched.")


def project_lr(project) -> float | None:
    """The optimizer's learning rate, or None when it has none."""
    value = (project.training.optimizer.params or {}).get("lr")
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _test_key(project) -> str:
    """What a range test depends on: the project without its name, view and learning rate."""
    d = project.to_dict()
    training = dict(d.get("training", {}))
    optimizer = dict(training.get("optimizer", {}))
    optimizer["params"] = {k: v for k, v in (optimizer.get("params") or {}).items() if k != "lr"}
    training["optimizer"] = optimizer
    return repr((d.get("data"), d.get("model"), d.get("outputs"), training))


class LRFinderView(QDialog):
    """The range-test window of a :class:`TrainingController`'s document; ``action`` opens it and
    starts a test."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.document = controller.document
        self.runner = LRFinderRunner(self)
        self.result = None
        self._tested_key: str | None = None
        self.setWindowTitle("Find Learning Rate")
        self.setModal(False)
        self.resize(760, 560)
        self.action = QAction("Find &Learning Rate…", self)
        self._build()
        self.action.triggered.connect(self._on_action_triggered)
        self.runner.finderStarted.connect(self._on_runner_finderStarted)
        self.runner.finderFinished.connect(self._on_runner_finderFinished)
        self.runner.finderFailed.connect(self._on_runner_finderFailed)
        self.runner.finderCancelled.connect(self._on_runner_finderCancelled)
        self.runner.progressChanged.connect(self._on_runner_progressChanged)
        self.runner.pointsArrived.connect(self._on_runner_pointsArrived)
        self._points: list[tuple[float, float, float]] = []     # the running test's curve so far
        self.plot.chosenMoved.connect(self._on_plot_chosenMoved)
        self.lr_spin.valueChanged.connect(self._on_lr_valueChanged)
        self.document.checkUpdated.connect(self._on_document_checkUpdated)
        # the test's curve belongs to the network, its heads, the data and the training settings
        self.document.graphChanged.connect(self._on_document_tested_part_changed)
        self.document.outputsChanged.connect(self._on_document_tested_part_changed)
        self.document.dataChanged.connect(self._on_document_tested_part_changed)
        self.document.trainingChanged.connect(self._on_document_tested_part_changed)
        self.document.projectReplaced.connect(self._on_document_projectReplaced)
        controller.stateChanged.connect(self._on_controller_stateChanged)
        self._show_current()
        self.lr_spin.setValue(project_lr(self.document.project) or 1e-3)
        self._update_actions()

    def _build(self) -> None:
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.start_spin, self.end_spin = LogSpinBox(1e-7), LogSpinBox(10.0)
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(10, 2000)
        self.steps_spin.setValue(100)
        self.steps_spin.setToolTip("How many batches the test trains (one rate each)")
        self.run_button = QPushButton("Run Test")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this test after its current batch")
        self.run_button.clicked.connect(lambda: self.start())
        self.cancel_button.clicked.connect(lambda: self.runner.cancel())
        sweep = QHBoxLayout()
        for w in (QLabel("Rates from"), self.start_spin, QLabel("to"), self.end_spin, QLabel("over"),
                  self.steps_spin, QLabel("batches")):
            sweep.addWidget(w)
        sweep.addStretch(1)
        sweep.addWidget(self.run_button)
        sweep.addWidget(self.cancel_button)
        self.busy = QProgressBar()
        self.busy.setRange(0, 100)           # find_lr reports its progress through its task state
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.plot = LRFinderPlot()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.lr_spin = LogSpinBox(1e-3)
        self.lr_spin.setToolTip("The learning rate Apply sets (also: drag the red line on the plot)")
        self.valley_button = QPushButton("Valley")
        self.steepest_button = QPushButton("Steepest")
        self.valley_button.setToolTip("Use the valley rule's rate (the suggestion)")
        self.steepest_button.setToolTip("Use the rate where the loss fell fastest")
        self.valley_button.clicked.connect(lambda: self._choose(self.result and self.result.valley))
        self.steepest_button.clicked.connect(lambda: self._choose(self.result and self.result.steepest))
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(lambda: self.apply())
        self.current_label = QLabel("")
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        choose = QHBoxLayout()
        for w in (QLabel("Learning rate"), self.lr_spin, self.valley_button, self.steepest_button, self.apply_button,
                  self.current_label):
            choose.addWidget(w)
        choose.addStretch(1)
        choose.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(sweep)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        layout.addLayout(choose)

    # -- commands ---------------------------------------------------------------------------------
    def can_test(self) -> tuple[bool, str]:
        """Whether a test can start now, and the reason when not."""
        ok, reason = self.document.can_train()
        if not ok:
            return False, reason
        if self.controller.is_running():
            return False, "a training is running (stop it first)"
        return True, ""

    def start(self) -> bool:
        """Start a range test on a snapshot of the project. False when it cannot start now."""
        ok, reason = self.can_test()
        if not ok:
            self.status.setText(f"Cannot run the test: {reason}.")
            return False
        if self.runner.is_running():
            return False
        project = self.document.project.copy()
        options = FinderOptions(self.start_spin.value(), self.end_spin.value(), self.steps_spin.value())
        if not options.start_lr < options.end_lr:
            self.status.setText("The first rate must be below the last one.")
            return False
        self._tested_key = _test_key(project)
        return self.runner.start(project, self.document.dataset, options)

    def cancel(self) -> None:
        self.runner.cancel()

    def apply(self) -> bool:
        """Set the optimizer's learning rate to the chosen value: one undo step."""
        value = float(f"{self.lr_spin.value():.3g}")

        def change(project) -> None:
            project.training.optimizer.params["lr"] = value

        return self.document.edit(f"Set learning rate to {value:g}", change, "training")

    # -- drawing ----------------------------------------------------------------------------------
    def _update_actions(self) -> None:
        ok, reason = self.can_test()
        running = self.runner.is_running()
        tip = ("Sweep the learning rate over a few batches and plot the loss, to pick a good rate" if ok
               else f"Cannot find a learning rate: {reason}")
        self.action.setEnabled(ok or running)   # while a test runs the action shows its window
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.run_button.setEnabled(ok and not running)
        self.run_button.setToolTip(tip)
        self.cancel_button.setEnabled(running)
        r = self.result
        for button, name, value in ((self.valley_button, "Valley", r.valley if r else None),
                                    (self.steepest_button, "Steepest", r.steepest if r else None)):
            button.setEnabled(value is not None)
            button.setText(f"{name} {value:.2g}" if value is not None else name)
        can_apply = r is not None and project_lr(self.document.project) is not None
        self.apply_button.setEnabled(can_apply)
        self.apply_button.setToolTip("Set the optimizer's learning rate to this value (one undo step)" if can_apply
                                     else "Run the test first")

    def _show_current(self) -> None:
        lr = project_lr(self.document.project)
        name = self.document.project.training.optimizer.type
        self.current_label.setText(f"now: {lr:.3g} ({name})" if lr else f"({name} has no learning rate)")
        self.plot.set_current(lr if self.result is not None else None)

    def _choose(self, value: float | None) -> None:
        if value:
            self.lr_spin.setValue(float(f"{value:.2g}"))

    def _show_result(self, result) -> None:
        self.result = result
        self.plot.show_result(result)
        self.plot.set_current(project_lr(self.document.project))
        if result.suggestion is not None:
            self.summary.setText(_capitalise(result.summary()) + ".")
            self._choose(result.suggestion)
        else:
            self.summary.setText(f"<b>No suggestion:</b> {result.message or 'the loss never fell'}.")
        self.plot.set_chosen(self.lr_spin.value())

    # -- slots ------------------------------------------------------------------------------------
    def _on_action_triggered(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        if not self.runner.is_running():
            self.start()

    def _on_runner_finderStarted(self) -> None:
        o = FinderOptions(self.start_spin.value(), self.end_spin.value(), self.steps_spin.value())
        self.status.setText(f"Testing {o.steps} rates from {o.start_lr:.0e} to {o.end_lr:g} on a fresh copy of the "
                            f"model… (the window stays usable)")
        self.busy.setValue(0)
        self._points = []
        self.busy.show()
        self.plot.show_sweep(o.start_lr, o.end_lr)
        self.result = None
        self.summary.setText("")
        self._update_actions()

    def _on_runner_progressChanged(self, fraction: float, _status: str) -> None:
        self.busy.setValue(round(100 * fraction))

    def _on_runner_pointsArrived(self, points: list) -> None:
        self._points.extend(points)
        lrs, losses, smoothed = zip(*self._points)
        self.plot.show_partial(list(lrs), list(losses), list(smoothed))

    def _on_runner_finderFinished(self, result) -> None:
        self.busy.hide()
        end = "; stopped when the loss shot up" if result.stopped_early else ""
        self.status.setText(f"Tested {len(result.lrs)} rates in {self.runner.seconds:.1f} s{end}. "
                            "The model's weights were restored.")
        self._show_result(result)
        self._update_actions()

    def _on_runner_finderFailed(self, message: str) -> None:
        self.busy.hide()
        self.status.setText(f"The test could not run: {message}")
        self._update_actions()

    def _on_runner_finderCancelled(self) -> None:
        self.busy.hide()
        self.status.setText("Cancelled: the test stopped and the model's weights were restored.")
        self._update_actions()

    def _on_plot_chosenMoved(self, value: float) -> None:
        self.lr_spin.setValue(value)

    def _on_lr_valueChanged(self, value: float) -> None:
        if self.result is not None and value > 0:
            self.plot.set_chosen(value)

    def _on_document_checkUpdated(self, _check) -> None:
        self._update_actions()

    def _on_document_tested_part_changed(self, _what: object = None) -> None:
        self._show_current()
        if (self.result is not None and not self.runner.is_running()
                and _test_key(self.document.project) != self._tested_key):
            self.status.setText("The project changed since this test: Run Test again for a current curve.")
        self._update_actions()

    def _on_document_projectReplaced(self) -> None:
        self.runner.cancel()
        self.result = None
        self._tested_key = None
        self.plot.clear_result()
        self.summary.setText("")
        self.status.setText("")
        self._update_actions()

    def _on_controller_stateChanged(self, _state: str) -> None:
        self._update_actions()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.runner.cancel()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape
        self.runner.cancel()
        super().reject()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text

