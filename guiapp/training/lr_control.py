"""A learning-rate control: a log-scale slider beside a spin box, for a running training.

Its range is the catalog's range for ``lr`` (1e-8 .. 100), so it shows any rate a project can hold."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from .lr_finder.spin import LogSpinBox

__all__ = ["LearningRateControl"]

LOG_MIN, LOG_MAX = -8.0, 2.0       # 1e-8 .. 100: the catalog's Param range for lr
TICKS_PER_DECADE = 100


class LearningRateControl(QWidget):
    """Emits ``lrEdited(value)`` when the person changes the rate (slider drag or spin box);
    ``set_value`` shows a rate without emitting (e.g. what a schedule set)."""

    lrEdited = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Learning rate (this run)")
        label.setToolTip("Changes the rate of this run only; the project keeps its own (Training settings)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(int(LOG_MIN * TICKS_PER_DECADE), int(LOG_MAX * TICKS_PER_DECADE))
        self.slider.setPageStep(TICKS_PER_DECADE // 2)
        self.slider.setMinimumWidth(60)
        self.slider.setToolTip("Learning rate on a log scale (1e-8 .. 100); applies to this run only, from the next batch")
        self.spin = LogSpinBox(0.01, minimum=10 ** LOG_MIN, maximum=10 ** LOG_MAX)
        self.spin.setToolTip("Learning rate: the project's while idle, the running training's while it trains")
        label.setBuddy(self.spin)
        layout.addWidget(label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self._value = 0.0             # (nothing shown yet: set_value below shows 0.01)
        self._syncing = False
        self.slider.valueChanged.connect(self._on_slider_valueChanged)
        self.spin.valueChanged.connect(self._on_spin_valueChanged)
        self.set_value(0.01)

    def value(self) -> float:
        return self._value

    def is_editing(self) -> bool:
        """True while the person drags the slider or types in the spin box."""
        return self.slider.isSliderDown() or self.spin.hasFocus()

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``lrEdited``."""
        if not (value > 0) or not math.isfinite(value):
            return
        if self._value == float(value):
            return        # shown already: every drain of a Run calls this, and a spin box's setValue costs
        self._value = float(value)
        self._syncing = True
        try:
            self.slider.setValue(round(math.log10(value) * TICKS_PER_DECADE))
            self.spin.setValue(value)
        finally:
            self._syncing = False

    def _on_slider_valueChanged(self, ticks: int) -> None:
        if self._syncing:
            return
        value = float(f"{10 ** (ticks / TICKS_PER_DECADE):.3g}")
        self._syncing = True
        try:
            self.spin.setValue(value)
        finally:
            self._syncing = False
        self._emit(value)

    def _on_spin_valueChanged(self, value: float) -> None:
        if self._syncing or not value > 0:
            return
        self._syncing = True
        try:
            self.slider.setValue(round(math.log10(value) * TICKS_PER_DECADE))
        finally:
            self._syncing = False
        self._emit(value)

    def _emit(self, value: float) -> None:
        if value != self._value:
            self._value = value
            self.lrEdited.emit(value)
