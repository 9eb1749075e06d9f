"""Sortable tables of numbers: the per-class results and the residuals by target range."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


class NumberItem(QTableWidgetItem):
    """A cell that shows ``text`` and sorts by ``value`` (so 10 sorts after 9, 0.95 after 0.9)."""

    def __init__(self, text: str, value=None) -> None:
        super().__init__(text)
        self.value = text if value is None else value
        self.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        if not isinstance(self.value, str):
            self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other) -> bool:
        mine, theirs = self.value, getattr(other, "value", other.text())
        if isinstance(mine, str) or isinstance(theirs, str):
            return str(mine) < str(theirs)
        return mine < theirs


class NumberTable(QTableWidget):
    """Read-only rows, sortable by clicking a header; ``fill(headers, rows)`` with rows of
    ``(text, value)`` pairs (or plain strings)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setAlternatingRowColors(True)

    def fill(self, headers: list[str], rows: list[list]) -> None:
        self.setSortingEnabled(False)     # filling a sorted table moves rows under the loop
        self.clear()
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                text, value = cell if isinstance(cell, tuple) else (str(cell), None)
                self.setItem(r, c, NumberItem(text, value))
        self.setSortingEnabled(True)


def per_class_rows(results) -> list[list]:
    """Rows of :class:`core.evaluation.ClassResult` for a :class:`NumberTable`."""
    return [[(c.name, c.name), (f"{c.precision:.3f}", c.precision), (f"{c.recall:.3f}", c.recall),
             (f"{c.f1:.3f}", c.f1), (str(c.support), c.support)] for c in results]


PER_CLASS_HEADERS = ["class", "precision", "recall", "F1", "support"]
RANGE_HEADERS = ["target from", "to", "samples", "mean residual", "mean |residual|", "RMSE"]


def range_rows(summary) -> list[list]:
    return [[(f"{x['low']:.4g}", x["low"]), (f"{x['high']:.4g}", x["high"]), (str(x["count"]), x["count"]),
             (f"{x['mean_residual']:+.4g}", x["mean_residual"]), (f"{x['mean_abs']:.4g}", x["mean_abs"]),
             (f"{x['rmse']:.4g}", x["rmse"])] for x in summary.ranges]
