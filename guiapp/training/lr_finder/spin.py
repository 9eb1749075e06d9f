"""A spin box for rates: shows ``%g`` numbers (1e-07, 0.003, 10) and steps ten to a decade."""
from __future__ import annotations

import math
import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QWidget

from ...widgets import GeneralSpinBox

__all__ = ["LogSpinBox"]

STEPS_PER_DECADE = 10      # 1, 1.3, 1.6, 2, 2.5, 3.2, 4, 5, 6.3, 7.9 (the E10 series, 2 digits)


class LogSpinBox(GeneralSpinBox):
    """A positive number between ``minimum`` and ``maximum`` (1e-8..100: the catalog's lr range),
    shown with 3 significant digits; the arrows move a tenth of a decade."""

    def __init__(self, value: float = 1e-3, parent: QWidget | None = None, *, minimum: float = 1e-8,
                 maximum: float = 100.0) -> None:
        super().__init__(parent, digits=3)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0.00000125") + 40)
        self.setValue(value)

    def validate(self, text: str, pos: int):
        t = text.strip()
        try:
            v = float(t)
        except ValueError:
            ok = re.fullmatch(r"\+?(\d*\.?\d*)?([eE][-+]?\d*)?", t) is not None
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        inside = self.minimum() <= v <= self.maximum()
        return (QValidator.State.Acceptable if inside else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        k = round(math.log10(max(self.value(), self.minimum())) * STEPS_PER_DECADE) + steps
        value = float(f"{10 ** (k / STEPS_PER_DECADE):.2g}")
        self.setValue(min(self.maximum(), max(self.minimum(), value)))
