"""The confusion matrix as a heatmap of counts and row shares; a click on a cell picks it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


def short_label(name: str, chars: int = 7) -> str:
    """``name``, or its first ``chars - 1`` characters and an ellipsis (the full name is in the tooltip)."""
    return name if len(name) <= chars else name[: chars - 1] + "…"

def share_text(share: float) -> str:
    """A row share as a short percentage: ``40%``, ``3.3%``, ``<1%`` (a cell is narrow)."""
    pct = 100 * share
    if pct >= 9.95:
        return f"{pct:.0f}%"
    return f"{pct:.1f}%" if pct >= 1 else "<1%"


RIGHT = QColor(46, 160, 67)     # the diagonal: recognised
WRONG = QColor(218, 54, 51)     # off the diagonal: confused


def cell_colour(share: float, diagonal: bool) -> QColor:
    """Green (diagonal) or red (confusions), as strong as the cell's share of its row; empty cells clear."""
    base = RIGHT if diagonal else WRONG
    c = QColor(base)
    c.setAlpha(0 if share <= 0 else int(40 + 200 * min(1.0, share)))
    return c


class ConfusionHeatmap(QTableWidget):
    """Rows: the given class; columns: the predicted one. Each cell: its count and its share of the
    row. ``cellPicked(given, predicted)`` when a cell is clicked (or chosen with the keyboard)."""

    cellPicked = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(18)   # ten classes fit the low tab under the canvas
        self.setToolTip("Rows: the given class. Columns: what the model predicted. Click a cell to list its "
                        "samples, the worst (highest loss) first")
        # a click, or the arrow keys moving the current cell; each cell picked once until another is
        self.currentCellChanged.connect(lambda r, c, _r, _c: self._picked(r, c))
        self.cellClicked.connect(self._picked)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self._last: tuple[int, int] | None = None

    def _picked(self, row: int, column: int) -> None:
        if row < 0 or column < 0 or (row, column) == self._last:
            return
        self._last = (row, column)
        self.cellPicked.emit(row, column)

    def show_matrix(self, counts: np.ndarray, classes: list[str]) -> None:
        self.blockSignals(True)
        self._last = None
        self.clear()
        n = len(classes)
        self.counts = np.asarray(counts)
        self.setRowCount(n)
        self.setColumnCount(n)
        labels = [short_label(c) for c in classes]
        self.setHorizontalHeaderLabels(labels)
        self.setVerticalHeaderLabels(labels)
        totals = self.counts.sum(axis=1)
        for i in range(n):
            for j in range(n):
                v = int(self.counts[i, j])
                share = v / totals[i] if totals[i] else 0.0
                # the count over its share of the row (recall on the diagonal); the colour says the share too
                item = QTableWidgetItem(f"{v}\n{share_text(share)}" if v else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(cell_colour(share, i == j)))
                item.setToolTip(f"given {classes[i]}, predicted {classes[j]}: {v} sample(s), {share:.1%} of "
                                f"the {classes[i]} samples")
                self.setItem(i, j, item)
        self.blockSignals(False)

    def pick(self, given: int, predicted: int) -> None:
        """Select a cell as a click would (tests and the keyboard)."""
        self.setCurrentCell(given, predicted)
        self._picked(given, predicted)
