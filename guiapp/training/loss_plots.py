"""The live training plots, each fed from a :class:`RunHistory` by ``refresh`` (curves made once)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from ..plots.buffers import EmaState, GrowingArray, ema
from ..plots.live_plot import LivePlot

__all__ = ["EpochLossPlot", "MetricPlot", "OptimizerPlot", "StepLossPlot", "COLORS", "SEVERITY_COLORS",
           "best_epoch_label", "history_heads"]

COLORS = {"train": "#1f77b4", "val": "#ff7f0e", "penalty": "#7f7f7f", "lr": "#2ca02c", "grad": "#9467bd",
          "best": "#2e9d3a", "heads": ("#d62728", "#17becf", "#8c564b", "#e377c2", "#bcbd22")}
SEVERITY_COLORS = {"error": "#d62728", "warning": "#ff9800", "info": "#2f6fdb"}
HIGHLIGHT = "#2f6fdb"


def _head_color(i: int) -> str:
    heads = COLORS["heads"]
    return heads[i % len(heads)]


class StepLossPlot(LivePlot):
    """Loss per step: raw (faint) and smoothed like TensorBoard; each head's and the penalty's
    smoothed loss when present."""

    def __init__(self, parent=None) -> None:
        super().__init__("Loss per step", "step", "loss", parent)
        self.crosshair.x_name = "step"
        self.smoothing = 0.6
        self._smoothed: dict[str, tuple[GrowingArray, EmaState]] = {}
        self.add_curve("raw", "loss (raw)", COLORS["train"], width=1.0, alpha=90)
        self.add_curve("smooth", "loss (smoothed)", COLORS["train"], width=1.0)

    def set_smoothing(self, weight: float, history=None) -> None:
        """TensorBoard's smoothing weight 0..0.999; recomputes the smoothed curves."""
        self.smoothing = float(min(max(weight, 0.0), 0.999))
        self._smoothed.clear()
        if history is not None:
            self.refresh(history)

    def reset_curves(self) -> None:
        self._smoothed.clear()
        for key in [k for k in self.curves if k.startswith(("head:", "penalty"))]:
            self.remove_curve(key)
        self.clear_data()

    def _smooth(self, key: str, values: np.ndarray) -> np.ndarray:
        buf, state = self._smoothed.get(key) or (GrowingArray(4096), EmaState())
        m = len(buf)
        if m < values.size:
            new, state = ema(values[m:], self.smoothing, state)
            buf.extend(new)
        self._smoothed[key] = (buf, state)
        return buf.view()

    def refresh(self, history) -> None:
        x = history.step_column("steps")
        if not x.size:
            return
        loss = history.step_column("loss")
        self.set_data("raw", x, loss)
        self.set_data("smooth", x, self._smooth("loss", loss))
        if len(history.heads) > 1:
            for i, head in enumerate(history.heads):
                key = f"head:{head}"
                values = history.step_column(key)
                if values.size:
                    self.add_curve(key, f"{head} loss", _head_color(i), width=1.4, style=Qt.PenStyle.DashLine)
                    self.set_data(key, x, self._smooth(key, values))
        if history.has_penalty:
            self.add_curve("penalty", "L1/L2 penalty", COLORS["penalty"], width=1.4, style=Qt.PenStyle.DotLine)
            self.set_data("penalty", x, self._smooth("penalty", history.step_column("penalty")))


class EpochLossPlot(LivePlot):
    """Train and validation loss per epoch, each head's validation loss and the penalty; the best
    validation epoch is marked and findings' epoch ranges are shaded."""

    def __init__(self, parent=None) -> None:
        super().__init__("Loss per epoch", "epoch", "loss", parent)
        self.crosshair.x_name = "epoch"
        self.add_curve("train_loss", "train", COLORS["train"], width=2.0)
        self.add_curve("val_loss", "validation", COLORS["val"], width=2.0)

    def reset_curves(self) -> None:
        for key in [k for k in self.curves if k not in ("train_loss", "val_loss")]:
            self.remove_curve(key)
        for key in self.marks.region_keys():
            self.marks.remove_region(key)
        self.marks.remove_marker("best")
        self.clear_data()

    def refresh(self, history) -> None:
        x = history.epoch_column("epoch")
        if not x.size:
            return
        self.set_data("train_loss", x, history.epoch_column("train_loss"))
        self.set_data("val_loss", x, history.epoch_column("val_loss"))
        if len(history.heads) > 1:
            for i, head in enumerate(history.heads):
                key = f"{head}/val_loss"
                if history.has_epoch_key(key):
                    self.add_curve(key, f"{head} val", _head_color(i), width=1.4, style=Qt.PenStyle.DashLine)
                    self.set_data(key, x, history.epoch_column(key))
        if history.has_epoch_key("penalty"):
            self.add_curve("penalty", "L1/L2 penalty", COLORS["penalty"], width=1.4, style=Qt.PenStyle.DotLine)
            self.set_data("penalty", x, history.epoch_column("penalty"))
        best = history.best_epoch()
        if best is not None:
            self.marks.set_marker("best", best[0], best_epoch_label(history, best[0]), COLORS["best"])
        else:
            self.marks.remove_marker("best")


class MetricPlot(LivePlot):
    """The validation metric of every head, per epoch.

    One head: accuracy (train and validation) for classification; validation R² (left) and MAE
    (right axis) for regression. Several heads: each head's validation accuracy or R² on the left
    axis and each regression head's MAE on the right, in the head's colour and named after it.
    ``configure(heads)`` sets the curves up for ``((head, task), ...)`` before any data arrives
    (a new project or data set); ``refresh`` follows the heads of the history it draws.
    """

    def __init__(self, parent=None) -> None:
        super().__init__("Metric", "epoch", "", parent)
        self.crosshair.x_name = "epoch"
        self.heads: tuple[tuple[str, str], ...] = ()

    @property
    def task(self) -> str:
        """The first head's task ("" before the plot knows its heads)."""
        return self.heads[0][1] if self.heads else ""

    def reset_curves(self) -> None:
        self.clear_data()
        self.marks.remove_marker("best")

    def configure(self, heads) -> None:
        """Curves, title and axis labels for ``heads``: ``(name, task)`` pairs, first head first."""
        heads = tuple((str(name), str(task)) for name, task in heads)
        if heads == self.heads:
            return
        for key in list(self.curves):
            self.remove_curve(key)
        self.marks.remove_marker("best")
        self.heads = heads
        item = self.getPlotItem()
        if not heads:
            self.set_title("Metric")
            item.setLabel("left", "")
        elif len(heads) == 1 and heads[0][1] == "classification":
            self.set_title("Accuracy")
            item.setLabel("left", "accuracy")
            self.add_curve("train_accuracy", "train", COLORS["train"], width=1.6)
            self.add_curve("val_accuracy", "validation", COLORS["val"], width=2.0)
        elif len(heads) == 1:
            self.set_title("R² and mean absolute error")
            item.setLabel("left", "validation R²")
            self.add_curve("val_r2", "val R²", COLORS["val"], width=2.0)
            self.add_curve("val_mae", "val MAE (right)", COLORS["grad"], width=1.6, right=True)
        else:
            self._configure_heads(heads)

    def _configure_heads(self, heads: tuple[tuple[str, str], ...]) -> None:
        tasks = {task for _name, task in heads}
        self.set_title("Validation metrics")
        self.getPlotItem().setLabel("left", {frozenset({"classification"}): "accuracy",
                                             frozenset({"regression"}): "R²"}.get(frozenset(tasks), "accuracy / R²"))
        for i, (name, task) in enumerate(heads):
            if task == "classification":
                self.add_curve(f"{name}/val_accuracy", f"{name} accuracy", _head_color(i), width=2.0)
            else:
                self.add_curve(f"{name}/val_r2", f"{name} R²", _head_color(i), width=2.0)
        for i, (name, task) in enumerate(heads):
            if task != "classification":
                self.add_curve(f"{name}/val_mae", f"{name} MAE (right)", _head_color(i), width=1.4,
                               style=Qt.PenStyle.DotLine, right=True)

    def refresh(self, history) -> None:
        x = history.epoch_column("epoch")
        if not x.size or not history.task:
            return
        self.configure(history_heads(history))
        for key in list(self.curves):
            self.set_data(key, x, history.epoch_column(key))
        best = history.best_epoch()
        if best is not None:
            self.marks.set_marker("best", best[0], "", COLORS["best"])


def history_heads(history) -> tuple[tuple[str, str], ...]:
    """``((head, task), ...)`` of the Run(s) in ``history``: a head with an accuracy column is a
    classification head (RunInfo gives only the first head's task)."""
    if len(history.heads) <= 1:
        return ((history.heads[0] if history.heads else "", history.task),) if history.task else ()
    keys = set(history.epoch_keys())
    return tuple((h, "classification" if {f"{h}/val_accuracy", f"{h}/train_accuracy"} & keys else "regression")
                 for h in history.heads)


class OptimizerPlot(LivePlot):
    """Gradient norm per step (left axis) and learning rate (right axis)."""

    def __init__(self, parent=None) -> None:
        super().__init__("Gradient norm and learning rate", "step", "gradient norm", parent, right_from_zero=True)
        self.crosshair.x_name = "step"
        self.add_curve("grad_norm", "gradient norm", COLORS["grad"], width=1.0)
        self.add_curve("lr", "learning rate (right)", COLORS["lr"], width=1.0, right=True)

    def reset_curves(self) -> None:
        self.clear_data()

    def refresh(self, history) -> None:
        x = history.step_column("steps")
        if not x.size:
            return
        self.set_data("grad_norm", x, history.step_column("grad_norm"))
        self.set_data("lr", x, history.step_column("lr"))


def best_epoch_label(history, epoch: int) -> str:
    """``best val epoch 15``: the epoch whose weights early stopping would keep (the lowest
    validation loss; the training loss when there is no validation set)."""
    return f"best val epoch {epoch}" if history.has_epoch_key("val_loss") else f"best epoch {epoch} (train loss)"


def finding_color(finding) -> str:
    return SEVERITY_COLORS.get(getattr(finding, "severity", "info"), SEVERITY_COLORS["info"])


def finding_epochs(finding, last_epoch: int) -> tuple[float, float] | None:
    """The epoch span a finding covers, or None; an open range runs to the latest epoch."""
    start = getattr(finding, "start_epoch", None)
    if start is None:
        return None
    end = getattr(finding, "end_epoch", None)
    end = last_epoch if end is None or (finding.kind == "overfitting" and end < last_epoch) else end
    return float(start), float(max(start, end)) + (0.0 if end > start else 0.5)

