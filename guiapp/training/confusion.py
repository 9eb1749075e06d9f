"""The validation confusion matrix as a small table: rows are true classes, columns predictions."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

__all__ = ["ConfusionTable"]


class ConfusionTable(QWidget):
    """``show_matrix(ConfusionMatrix)``; cells are shaded by their share of the true class's row
    (the diagonal dark = well recognised)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel("Confusion matrix (validation)")
        self.title.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Rows: the true class; columns: what the model predicted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        self.matrix = None

    def show_matrix(self, cm) -> None:
        self.matrix = cm
        n = len(cm.classes)
        if self.table.rowCount() != n:
            self.table.setRowCount(n)
            self.table.setColumnCount(n)
            self.table.setVerticalHeaderLabels([f"true {c}" for c in cm.classes])
            self.table.setHorizontalHeaderLabels([f"pred {c}" for c in cm.classes])
        base = self.palette().color(self.palette().ColorRole.Text)
        for i in range(n):
            row_total = max(1, int(cm.counts[i].sum()))
            for j in range(n):
                count = int(cm.counts[i, j])
                item = self.table.item(i, j)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(i, j, item)
                item.setText(str(count))
                share = count / row_total
                color = QColor("#2f6fdb" if i == j else "#d62728")
                color.setAlpha(int(30 + 170 * share) if count else 0)
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(QColor("white") if share > 0.55 else base))
        self.title.setText(f"Confusion matrix (validation, epoch {cm.epoch}): {100 * cm.accuracy:.1f}% correct")

    def clear(self) -> None:
        self.matrix = None
        self.table.clearContents()
        self.title.setText("Confusion matrix (validation)")
