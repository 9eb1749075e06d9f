"""A one-line label that fits its text to the room it has: elided at the end, the whole text in its
tooltip (a status-bar field past its width was cut mid-word, with no way to read the rest)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

__all__ = ["ElidedLabel"]


class ElidedLabel(QLabel):
    """``setText`` takes the whole text; the label shows as much as its width holds and never asks
    for more than ``max_width`` (so beside other fields it gives way instead of pushing them out)."""

    def __init__(self, text: str = "", parent=None, *, max_width: int = 16_777_215, tip: str = "") -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = tip
        self._max = max_width
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text or ""
        self.setToolTip(self._tip or self._full)
        self._fit()
        self.updateGeometry()

    def text(self) -> str:  # noqa: D102 - the whole text, whatever part of it is shown
        return self._full

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt's name
        super().setToolTip(tip or self._full)

    def set_tip(self, tip: str) -> None:
        """A tooltip of its own instead of the whole text."""
        self._tip = tip
        self.setToolTip(tip)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        width = self.fontMetrics().horizontalAdvance(self._full) + self.contentsMargins().left() + \
            self.contentsMargins().right() + 4
        return QSize(min(width, self._max), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        shown = self._full if room <= 0 else self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        super().setText(shown)
