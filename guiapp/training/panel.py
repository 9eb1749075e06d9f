"""The training panel: progress, transport buttons, learning rate, smoothing, the live plots, and the
banner that names an overfitting or a divergence in one line.

The data arrives 10 times a second (``historyUpdated``); plots are redrawn within a time budget by
a :class:`RedrawScheduler` on the controller's ``ticked`` beat (see there why), and all at once when
a run ends.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QToolButton, QVBoxLayout, QWidget

from ..plots.held_range import hold_ranges
from .banner import FindingBanner
from .finding_shades import FindingShades
from .heads import planned_heads
from .loss_plots import EpochLossPlot, MetricPlot, OptimizerPlot, StepLossPlot
from .lr_control import LearningRateControl
from .plot_tools import PlotTools
from .progress import TrainingProgress
from .redraw import RedrawScheduler
from .staleness import STALE_TEXT

__all__ = ["TrainingPanel", "PLOT_MIN_HEIGHT"]

PLOT_MIN_HEIGHT = 120
STALE_OPACITY = 0.35   # the curves of a run whose model was edited since
LR_SHOWN_EVERY_S = 0.5  # the learning-rate control follows a schedule's rate this often while training


class TrainingPanel(QWidget):
    """Live view of a :class:`TrainingController`: ``plots`` maps ``"step"``, ``"epoch"``,
    ``"metric"`` and ``"optimizer"`` to their :class:`LivePlot`."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.history = controller.history
        self._seen = (0, 0)
        self._next_lr_shown = 0.0

        self.progress = TrainingProgress()
        self.lr_control = LearningRateControl()
        self.lr_control.setEnabled(False)
        self.banner = FindingBanner()

        self.step_plot = StepLossPlot()
        self.epoch_plot = EpochLossPlot()
        self.metric_plot = MetricPlot()
        self.optimizer_plot = OptimizerPlot()
        self.plots = {"epoch": self.epoch_plot, "step": self.step_plot, "metric": self.metric_plot,
                      "optimizer": self.optimizer_plot}
        self.redraws = RedrawScheduler(self, self.plots, self.history, first="epoch")   # train/val loss
        self._shades_due = False           # findings arrived while training: shaded with the next epoch-plot draw
        self.redraws.before_draw["epoch"] = self._apply_due_shades
        self.tools = PlotTools(self.plots, self.history, self.export_plot, self.export_csv)
        self.smoothing, self.log_y = self.tools.smoothing, self.tools.log_y
        self.shades = FindingShades(self.epoch_plot, self.step_plot, self.history, self.banner,
                                    self.tools.switch_to_log_scale)
        self._build_layout()

        c = controller
        c.runStarted.connect(self._on_controller_runStarted)
        c.historyUpdated.connect(self._on_controller_historyUpdated)
        c.historyCleared.connect(self._on_controller_historyCleared)
        c.findingsChanged.connect(self._on_controller_findingsChanged)
        c.findingSelected.connect(self.shades.select)
        c.runFinished.connect(self._on_controller_runFinished)
        c.runFailed.connect(self._on_controller_runFailed)
        c.stateChanged.connect(self._on_controller_stateChanged)
        c.ticked.connect(self.redraws.tick)
        c.staleness.staleChanged.connect(self._on_staleness_staleChanged)
        document = c.document
        document.projectReplaced.connect(self._on_document_projectReplaced)
        document.trainingChanged.connect(self._on_document_trainingChanged)
        document.outputsChanged.connect(lambda _ids: self._set_up_soon())   # a head added or removed
        document.datasetChanged.connect(lambda _dataset: self._set_up_soon())
        self.lr_control.lrEdited.connect(lambda value: self.controller.set_lr(value))
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
        tools.addWidget(self.tools, 1)
        reset = QToolButton()
        reset.setText("Reset view")
        reset.setToolTip("Zoom back to show all of every curve")
        reset.clicked.connect(self.reset_view)
        transport.addWidget(reset)       # beside the progress: the tools row stays narrow
        transport.addWidget(self.tools.export_button())

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
        """Redraw every plot from the history (one per turn of the event loop: ``redraws.settled()``)."""
        self.redraws.draw_all()
        self.shades.show(self.history.findings)

    @property
    def redraw_count(self) -> int:
        """Plot redraws so far (for the benchmarks)."""
        return self.redraws.redraw_count

    def reset_view(self) -> None:
        """Auto-range every plot again (after zooming or panning)."""
        for plot in self.plots.values():
            plot.reset_view()

    def set_log_y(self, on: bool) -> None:
        self.tools.log_y.setChecked(on)

    def export_plot(self, name: str, path: str | Path) -> Path:
        """Save plot ``name`` ("epoch", "step", "metric", "optimizer") as PNG or SVG by suffix."""
        self.redraws.finish()
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

    def _set_up_soon(self) -> None:
        """An Open asks three times (reset, data, heads): set up once, in a turn of its own."""
        self.controller.document.show_in_turn(self._set_up_for_project, self)

    def _set_up_for_project(self) -> None:
        """Curves and titles for the document's heads, while no training is shown: a classification
        project's plot says Accuracy, a regression's R² and MAE, two heads show both."""
        if self.history.n_epochs == 0 and not self.controller.is_running():
            document = self.controller.document
            heads = planned_heads(document.project, document.dataset)
            self.metric_plot.configure((h.name, h.task) for h in heads)

    # -- slots ------------------------------------------------------------------------------------
    def _on_controller_runStarted(self, info) -> None:
        self.progress.start(info, self.history.segments[-1][0] if self.history.segments else 0)
        self.lr_control.set_value(info.lr)
        self.lr_control.setEnabled(True)
        self._next_lr_shown = 0.0
        for plot in self.plots.values():
            hold_ranges(plot, True)            # the axes move in steps while the Run is drawn

    def _on_controller_historyUpdated(self) -> None:
        h = self.history
        if h.n_steps != self._seen[0]:
            self.redraws.mark("step", "optimizer")
        if h.n_epochs != self._seen[1]:
            self.redraws.mark("epoch", "metric")
        self._seen = (h.n_steps, h.n_epochs)
        if self.controller.is_running():
            self.progress.update_from(h, self.controller.is_paused())
            now = time.perf_counter()
            lr = h.step_column("lr")
            # a schedule moves the rate every step: shown twice a second (a slider and a spin box
            # repainted on every drain cost the training thread the GIL for little to read)
            if lr.size and not self.lr_control.is_editing() and now >= self._next_lr_shown:
                self._next_lr_shown = now + LR_SHOWN_EVERY_S
                self.lr_control.set_value(float(lr[-1]))

    def _on_controller_findingsChanged(self, findings: list) -> None:
        # While a Run goes on, the findings change after most epochs (a range grows by one) and moving a
        # shade repaints both loss plots: the shades wait for the epoch plot's next draw, which the
        # redraw budget paces (a repaint per epoch cost ~10% of the training speed)
        if self.controller.is_running() and self.isVisible():
            self._shades_due = True
            self.redraws.mark("epoch")
        else:
            self._shades_due = False
            self.shades.update(findings)

    def _apply_due_shades(self) -> None:
        if self._shades_due:
            self._shades_due = False
            self.shades.update(self.history.findings)

    def _on_controller_historyCleared(self) -> None:
        self.redraws.hold_paints()        # four plots cleared in one turn: painted in turns of their own
        for plot in self.plots.values():
            plot.reset_curves()
            plot.clear_view(keep_followed=True)   # a finding's zoom must not stick (a new project: below)
        self.shades.selected = None
        self._shades_due = False
        self.redraws.clear()
        self._seen = (0, 0)
        self.banner.hide()
        self.tools.forget_auto_log()
        self.progress.clear()
        self._set_up_soon()

    def _on_controller_runFinished(self, result) -> None:
        for plot in self.plots.values():
            hold_ranges(plot, False)           # the final drawing fits the data
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
        if state == "idle":                       # (a run that broke ends without runFinished)
            for plot in self.plots.values():
                hold_ranges(plot, False)
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
        for plot in self.plots.values():
            plot.clear_view()             # the last project's range must not stick (its history is cleared)
        self._show_project_lr()

    def _on_document_trainingChanged(self, fields: list) -> None:
        if "optimizer" in fields:                # the lr lives in the optimizer's params
            self._show_project_lr()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.controller.is_running():
            self.redraws.flush()


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
