"""The training panel: progress, transport buttons, learning rate, smoothing, the live plots, and the
banner that names an overfitting or a divergence in one line.

The data arrives ~30 times a second (``historyUpdated``); plots are redrawn within a time budget by
a :class:`RedrawScheduler` (see there why), and all at once when a run ends.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QSlider, QSplitter,
                               QToolButton, QVBoxLayout, QWidget)

from .banner import FindingBanner
from .heads import planned_heads
from .loss_plots import (HIGHLIGHT, EpochLossPlot, MetricPlot, OptimizerPlot, StepLossPlot, finding_color,
                         finding_epochs)
from .lr_control import LearningRateControl
from .progress import TrainingProgress
from .redraw import RedrawScheduler
from .staleness import STALE_TEXT

__all__ = ["TrainingPanel", "PLOT_MIN_HEIGHT"]

PLOT_MIN_HEIGHT = 120
STALE_OPACITY = 0.35   # the curves of a run whose model was edited since


class TrainingPanel(QWidget):
    """Live view of a :class:`TrainingController`: ``plots`` maps ``"step"``, ``"epoch"``,
    ``"metric"`` and ``"optimizer"`` to their :class:`LivePlot`."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.history = controller.history
        self._seen = (0, 0)
        self._selected = None

        self.progress = TrainingProgress()
        self.lr_control = LearningRateControl()
        self.lr_control.setEnabled(False)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 999)
        self.smoothing.setValue(600)
        self.smoothing.setMaximumWidth(140)
        self.smoothing.setMinimumWidth(50)
        self.smoothing.setToolTip("Smoothing of the per-step loss (exponential moving average, as in TensorBoard)")
        self.smoothing_label = QLabel("0.600")
        self.log_y = QCheckBox("Log scale")
        self.log_y.setToolTip("Logarithmic y axis for the losses and the gradient norm")
        self.banner = FindingBanner()
        self.auto_log = False           # the log scale was switched on by a divergence, not by the person

        self.step_plot = StepLossPlot()
        self.epoch_plot = EpochLossPlot()
        self.metric_plot = MetricPlot()
        self.optimizer_plot = OptimizerPlot()
        self.plots = {"epoch": self.epoch_plot, "step": self.step_plot, "metric": self.metric_plot,
                      "optimizer": self.optimizer_plot}
        self.redraws = RedrawScheduler(self, self.plots, self.history)
        self._build_layout()

        c = controller
        c.runStarted.connect(self._on_controller_runStarted)
        c.historyUpdated.connect(self._on_controller_historyUpdated)
        c.historyCleared.connect(self._on_controller_historyCleared)
        c.findingsChanged.connect(self._on_controller_findingsChanged)
        c.findingSelected.connect(self._on_controller_findingSelected)
        c.runFinished.connect(self._on_controller_runFinished)
        c.runFailed.connect(self._on_controller_runFailed)
        c.stateChanged.connect(self._on_controller_stateChanged)
        c.staleness.staleChanged.connect(self._on_staleness_staleChanged)
        document = c.document
        document.projectReplaced.connect(self._on_document_projectReplaced)
        document.projectChanged.connect(self._on_document_projectChanged)
        document.datasetChanged.connect(self._on_document_datasetChanged)
        self.lr_control.lrEdited.connect(self._on_lr_lrEdited)
        self.smoothing.valueChanged.connect(self._on_smoothing_valueChanged)
        self.log_y.toggled.connect(self._on_logy_toggled)
        self._show_project_lr()
        self._set_up_for_project()

    def _build_layout(self) -> None:
        c = self.controller
        transport = QHBoxLayout()
        for action in (c.run_action, c.pause_action, c.step_action, c.step_epoch_action, c.stop_action,
                       c.reset_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            transport.addWidget(button)
        transport.addWidget(self.progress, 1)
        tools = QHBoxLayout()
        tools.addWidget(self.lr_control, 2)
        tools.addSpacing(12)
        tools.addWidget(QLabel("Smoothing"))
        tools.addWidget(self.smoothing, 1)
        tools.addWidget(self.smoothing_label)
        tools.addWidget(self.log_y)
        reset = QToolButton()
        reset.setText("Reset view")
        reset.setToolTip("Zoom back to show all of every curve")
        reset.clicked.connect(self.reset_view)
        transport.addWidget(reset)       # beside the progress: the tools row stays narrow
        export = QToolButton()
        export.setText("Export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        for name, title in (("epoch", "Loss per epoch"), ("step", "Loss per step"), ("metric", "Metric"),
                            ("optimizer", "Gradient norm and learning rate")):
            menu.addAction(f"{title} as PNG or SVG…", lambda n=name: self._on_export_plot_triggered(n))
        menu.addSeparator()
        menu.addAction("History as CSV (one row per epoch)…", self._on_export_csv_triggered)
        export.setMenu(menu)
        transport.addWidget(export)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.epoch_plot)
        top.addWidget(self.step_plot)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.metric_plot)
        bottom.addWidget(self.optimizer_plot)
        grid = QSplitter(Qt.Orientation.Vertical)
        grid.addWidget(top)
        grid.addWidget(bottom)
        grid.setStretchFactor(0, 3)
        grid.setStretchFactor(1, 2)
        grid.setChildrenCollapsible(False)
        for plot in self.plots.values():
            plot.setMinimumHeight(PLOT_MIN_HEIGHT)     # the window gives the dock room, not the plots

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(transport)
        layout.addLayout(tools)
        layout.addWidget(self.banner)
        layout.addWidget(grid, 1)

    # -- public -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw every plot from the history now."""
        self.redraws.draw_all()
        self._show_findings(self.history.findings)

    @property
    def redraw_count(self) -> int:
        """Plot redraws so far (for the benchmarks)."""
        return self.redraws.redraw_count

    def reset_view(self) -> None:
        """Auto-range every plot again (after zooming or panning)."""
        for plot in self.plots.values():
            plot.reset_view()

    def set_log_y(self, on: bool) -> None:
        self.log_y.setChecked(on)

    def export_plot(self, name: str, path: str | Path) -> Path:
        """Save plot ``name`` ("epoch", "step", "metric", "optimizer") as PNG or SVG by suffix."""
        return self.plots[name].export(path)

    def export_csv(self, path: str | Path) -> Path:
        """Save the history, one row per epoch."""
        return self.history.to_csv(path)

    def banner_visible(self) -> bool:
        """Whether the overfitting banner is shown (independent of the panel's own visibility)."""
        return self.banner.isVisibleTo(self)

    # -- the project ------------------------------------------------------------------------------
    def _show_project_lr(self) -> None:
        """Idle, the control shows the project's rate (while training, the running one)."""
        if not self.controller.is_running():
            self.lr_control.set_value(_project_lr(self.controller.document))

    def _set_up_for_project(self) -> None:
        """Curves and titles for the document's heads, while no training is shown: a classification
        project's plot says Accuracy, a regression's R² and MAE, two heads show both."""
        if self.history.n_epochs == 0 and not self.controller.is_running():
            document = self.controller.document
            heads = planned_heads(document.project, document.dataset)
            self.metric_plot.configure((h.name, h.task) for h in heads)

    # -- findings on the plots --------------------------------------------------------------------
    def _show_findings(self, findings: list) -> None:
        last = self.history.n_epochs
        over = next((f for f in findings if getattr(f, "kind", "") == "overfitting"), None)
        diverged = next((f for f in findings if getattr(f, "kind", "") == "divergence"), None)
        self._shade("overfitting", over, last)
        self._shade("divergence", diverged, last)
        self._shade("selected", self._selected, last, HIGHLIGHT, alpha=60)
        if diverged is not None:
            self._switch_to_log_scale()
            self.banner.show_finding(diverged)
        elif over is not None:
            best = self.history.best_epoch()
            self.banner.show_finding(over, best[0] if best is not None else None)
        else:
            self.banner.hide()

    def _switch_to_log_scale(self) -> None:
        """After a divergence a linear axis runs to 1e+25 and flattens everything before it: switch
        the loss plots to a log scale by themselves, and say so on the check box."""
        if self.log_y.isChecked():
            return
        self.log_y.setChecked(True)
        self.auto_log = True
        self.log_y.setText("Log scale (auto: diverged)")
        self.log_y.setToolTip("Switched on because the loss exploded: on a linear axis the curve before the "
                              "divergence would be flat. Untick for a linear axis.")

    def _shade(self, key: str, finding, last_epoch: int, color: str | None = None, alpha: int = 40) -> None:
        span = finding_epochs(finding, last_epoch) if finding is not None else None
        if span is None or last_epoch == 0:
            self.epoch_plot.remove_region(key)
            self.step_plot.remove_region(key)
            return
        color = color or finding_color(finding)
        self.epoch_plot.set_region(key, span[0], span[1], color, alpha)
        start_step, end_step = getattr(finding, "start_step", None), getattr(finding, "end_step", None)
        if start_step is None:
            start_step, end_step = self.history.step_range_of_epochs(int(span[0]), int(span[1]))
        self.step_plot.set_region(key, float(start_step), float(end_step or self.history.n_steps), color, alpha)

    # -- slots ------------------------------------------------------------------------------------
    def _on_controller_runStarted(self, info) -> None:
        self.progress.start(info, self.history.segments[-1][0] if self.history.segments else 0)
        self.lr_control.set_value(info.lr)
        self.lr_control.setEnabled(True)

    def _on_controller_historyUpdated(self) -> None:
        h = self.history
        if h.n_steps != self._seen[0]:
            self.redraws.mark("step", "optimizer")
        if h.n_epochs != self._seen[1]:
            self.redraws.mark("epoch", "metric")
        self._seen = (h.n_steps, h.n_epochs)
        if self.controller.is_running():
            self.progress.update_from(h, self.controller.is_paused())
            lr = h.step_column("lr")
            if lr.size and not self.lr_control.is_editing():
                self.lr_control.set_value(float(lr[-1]))

    def _on_controller_historyCleared(self) -> None:
        for plot in self.plots.values():
            plot.reset_curves()
            plot.clear_view()             # a finding's zoom or the last project's range must not stick
        self._selected = None
        self.redraws.clear()
        self._seen = (0, 0)
        self.banner.hide()
        if self.auto_log:                  # a fresh start: the person's own choice again
            self.log_y.setChecked(False)
        self.progress.clear()
        self._set_up_for_project()

    def _on_controller_findingsChanged(self, findings: list) -> None:
        if self._selected is not None and self._selected not in findings:
            self._selected = None
        self._show_findings(findings)

    def _on_controller_findingSelected(self, finding) -> None:
        self._selected = finding
        self._show_findings(self.history.findings)
        span = finding_epochs(finding, self.history.n_epochs)
        if span is not None:
            self.epoch_plot.getPlotItem().vb.setXRange(max(0.0, span[0] - 2), span[1] + 2)

    def _on_controller_runFinished(self, result) -> None:
        self.progress.finish(result, self.history)
        self.lr_control.setEnabled(False)
        self._show_project_lr()
        self.refresh()

    def _on_controller_runFailed(self, message: str) -> None:
        if not self.controller.is_running():
            self.progress.setFormat(f"Failed: {message}")
            self.progress.setToolTip(message)
            self.lr_control.setEnabled(False)

    def _on_controller_stateChanged(self, state: str) -> None:
        if state in ("paused", "stopping") and self.controller.is_running():
            self.progress.update_from(self.history, paused=state == "paused", force=True)

    def is_stale(self) -> bool:
        """Whether the curves shown are greyed as "from the previous model"."""
        return self.controller.staleness.stale

    def _on_staleness_staleChanged(self, stale: bool) -> None:
        for plot in self.plots.values():
            plot.getPlotItem().setOpacity(STALE_OPACITY if stale else 1.0)
        text = self.progress.format()
        prefix = f"{STALE_TEXT} — "
        if stale:                              # (again when only the reason changed)
            if not text.startswith(prefix):
                self.progress.setFormat(prefix + text)
            self.progress.setToolTip(f"{STALE_TEXT}: {self.controller.staleness.reason}.")
        elif not stale and text.startswith(prefix):
            self.progress.setFormat(text[len(prefix):])
        self.progress.setEnabled(not stale)

    def _on_document_projectReplaced(self) -> None:
        self._show_project_lr()

    def _on_document_projectChanged(self, kind: str) -> None:
        if kind in ("training", "all"):
            self._show_project_lr()
        if kind in ("outputs", "all"):
            self._set_up_for_project()           # a head added or removed before any training

    def _on_document_datasetChanged(self, _dataset) -> None:
        self._set_up_for_project()

    def _on_lr_lrEdited(self, value: float) -> None:
        self.controller.set_lr(value)

    def _on_smoothing_valueChanged(self, ticks: int) -> None:
        weight = ticks / 1000.0
        self.smoothing_label.setText(f"{weight:.3f}")
        self.step_plot.set_smoothing(weight, self.history)

    def _on_logy_toggled(self, on: bool) -> None:
        if self.auto_log and not on:
            self.auto_log = False
            self.log_y.setText("Log scale")
            self.log_y.setToolTip("Logarithmic y axis for the losses and the gradient norm")
        for plot in (self.step_plot, self.epoch_plot, self.optimizer_plot):
            plot.set_log_y(on)

    def _on_export_plot_triggered(self, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot", f"{name}-loss.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.export_plot(name, path)

    def _on_export_csv_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export history", "history.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.redraws.schedule()


def _project_lr(document) -> float:
    """The project's optimizer lr, or its optimizer's default when the file leaves it out."""
    optimizer = document.project.training.optimizer
    try:
        return float(optimizer.params["lr"])
    except (KeyError, TypeError, ValueError):
        pass
    try:
        from core.catalog import OPTIMIZERS
        return float(OPTIMIZERS.get(optimizer.type).param("lr").default)
    except Exception:  # noqa: BLE001 - an unknown optimizer: the view still needs a number
        return 0.01
