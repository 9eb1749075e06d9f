"""The training plots' tools row: smoothing of the step loss, the log scale (switched on by itself
after a divergence, and saying so) and the Export menu (a plot as PNG/SVG, the history as CSV)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QSlider, QToolButton, QWidget

__all__ = ["PlotTools", "PLOT_TITLES"]

#: the plots the Export menu offers, by key
PLOT_TITLES = (("epoch", "Loss per epoch"), ("step", "Loss per step"), ("metric", "Metric"),
               ("optimizer", "Gradient norm and learning rate"))
LOG_TEXT, LOG_TIP = "Log scale", "Logarithmic y axis for the losses and the gradient norm"


class PlotTools(QWidget):
    """Smoothing and log scale for ``plots`` (``"step"``, ``"epoch"``, ``"optimizer"`` …) over ``history``;
    ``export_plot(name, path)`` and ``export_csv(path)`` do what the Export menu's items ask."""

    def __init__(self, plots: dict, history, export_plot: Callable, export_csv: Callable,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots, self.history = plots, history
        self._export_plot, self._export_csv = export_plot, export_csv
        self.auto_log = False           # the log scale was switched on by a divergence, not by the person
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 999)
        self.smoothing.setValue(600)
        self.smoothing.setMaximumWidth(140)
        self.smoothing.setMinimumWidth(50)
        self.smoothing.setToolTip("Smoothing of the per-step loss (exponential moving average, as in TensorBoard)")
        self.smoothing_label = QLabel("0.600")
        self.log_y = QCheckBox(LOG_TEXT)
        self.log_y.setToolTip(LOG_TIP)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Smoothing"))
        layout.addWidget(self.smoothing, 1)
        layout.addWidget(self.smoothing_label)
        layout.addWidget(self.log_y)
        self.smoothing.valueChanged.connect(self._on_smoothing_valueChanged)
        self.log_y.toggled.connect(self._on_logy_toggled)

    def export_button(self) -> QToolButton:
        """A button whose menu exports a plot or the history (it lives in the transport row)."""
        export = QToolButton()
        export.setText("Export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        for name, title in PLOT_TITLES:
            menu.addAction(f"{title} as PNG or SVG…", lambda n=name: self._ask_export_plot(n))
        menu.addSeparator()
        menu.addAction("History as CSV (one row per epoch)…", self._ask_export_csv)
        export.setMenu(menu)
        # Fusion draws an instant menu's arrow in the bottom-right corner, inside the text's width: room for it
        export.setMinimumWidth(export.sizeHint().width() + export.fontMetrics().horizontalAdvance("  "))
        return export

    def switch_to_log_scale(self) -> None:
        """After a divergence a linear axis runs to 1e+25 and flattens everything before it: switch
        the loss plots to a log scale by themselves, and say so on the check box."""
        if self.log_y.isChecked():
            return
        self.log_y.setChecked(True)
        self.auto_log = True
        self.log_y.setText("Log scale (auto: diverged)")
        self.log_y.setToolTip("Switched on because the loss exploded: on a linear axis the curve before the "
                              "divergence would be flat. Untick for a linear axis.")

    def forget_auto_log(self) -> None:
        """A fresh start: a log scale the divergence chose goes; the person's own choice stays."""
        if self.auto_log:
            self.log_y.setChecked(False)

    def _on_smoothing_valueChanged(self, ticks: int) -> None:  # noqa: N802 - the signal's name
        weight = ticks / 1000.0
        self.smoothing_label.setText(f"{weight:.3f}")
        self.plots["step"].set_smoothing(weight, self.history)

    def _on_logy_toggled(self, on: bool) -> None:
        if self.auto_log and not on:
            self.auto_log = False
            self.log_y.setText(LOG_TEXT)
            self.log_y.setToolTip(LOG_TIP)
        for name in ("step", "epoch", "optimizer"):
            self.plots[name].set_log_y(on)

    def _ask_export_plot(self, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot", f"{name}-loss.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self._export_plot(name, path)

    def _ask_export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export history", "history.csv", "CSV (*.csv)")
        if path:
            self._export_csv(path)
