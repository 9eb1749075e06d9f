"""The validation confusion matrix as a compact table: rows are true classes, columns predictions.

Made for up to ~10 classes in a side panel: small cells sized to their numbers, headers with the
class names shortened (the full name in the tooltip; with many long names the columns are numbered
and the rows say which number is which), rows of one text line, and scroll bars only when even that
does not fit. ``set_classes`` lays out the headers before any training (a new
project's classes, not the previous project's).
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractScrollArea, QHeaderView, QLabel, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

__all__ = ["ConfusionTable", "short_label"]

LABEL_CHARS = 7          # a header longer than this is shortened ("at_risk" stays, "healthy_patient" -> "health…")
MIN_SECTION_PX = 26      # a cell is at least this wide: room for "999"
NAMED_COLUMNS = 4        # more classes than this, with long names: columns are numbered
MAX_ROWS_IN_VIEW = 11
MIN_WIDTH = 160          # narrower, the table scrolls sideways    # the table's minimum height shows this many rows; more classes scroll


def short_label(name: str, chars: int = LABEL_CHARS) -> str:
    """``name``, or its first ``chars - 1`` characters and an ellipsis."""
    return name if len(name) <= chars else name[: chars - 1] + "…"


class _CompactTable(QTableWidget):
    """A table as tall as its rows: QAbstractScrollArea's minimum of 70 px left an empty band under
    a two-class matrix."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        # never wider than MIN_WIDTH: with AdjustToContents a filled matrix asked for its full width, and
        # the dock beside the plots then took room the plots needed (the docks overlapped)
        return QSize(min(hint.width(), MIN_WIDTH), min(hint.height(), self.sizeHint().height()))


TITLE_TIP = "Confusion matrix of the validation split. Rows: the true class; columns: what the model predicted"


class ConfusionTable(QWidget):
    """``show_matrix(ConfusionMatrix)``; cells are shaded by their share of the true class's row
    (the diagonal dark = well recognised)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # the accuracy and the epoch first, short, and wrapped rather than cut: a caption cut at the
        # panel's edge (1280 px) hid the very words it was for; what the matrix is, in the tooltip
        self.title = QLabel("Confusion matrix (validation)")
        self.title.setToolTip(TITLE_TIP)
        font = self.title.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        self.title.setFont(font)
        # never a minimum width that squeezes the plots: a narrow panel wraps it onto a second line
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setWordWrap(True)        # after the policy: word wrap adds height-for-width to it
        self.table = _CompactTable()
        self.table.setFont(font)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        row_px = self.table.fontMetrics().height() + 4
        horizontal, vertical = self.table.horizontalHeader(), self.table.verticalHeader()
        horizontal.setFont(font)
        vertical.setFont(font)
        horizontal.setMinimumSectionSize(MIN_SECTION_PX)
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)   # fill the width; scroll below the minimum
        vertical.setMinimumSectionSize(row_px)
        vertical.setDefaultSectionSize(row_px)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setToolTip("Rows: the true class; columns: what the model predicted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        layout.addStretch(1)
        self.matrix = None
        self.classes: tuple[str, ...] = ()

    def set_classes(self, classes) -> None:
        """Empty rows and columns for ``classes`` (headers: the class names, shortened)."""
        classes = tuple(str(c) for c in classes)
        self.matrix = None
        self.table.clearContents()
        self.title.setText("Confusion matrix (validation)")
        if classes == self.classes:
            return
        self.classes = classes
        n = len(classes)
        self.table.setRowCount(n)
        self.table.setColumnCount(n)
        # many long names: numbered columns (a column is a number wide), rows say which name is which
        numbered = n > NAMED_COLUMNS and any(len(name) > 3 for name in classes)
        for i, name in enumerate(classes):
            row = QTableWidgetItem(f"{i} {short_label(name, 2 * LABEL_CHARS)}" if numbered else short_label(name))
            row.setToolTip(f"true: {name}")
            self.table.setVerticalHeaderItem(i, row)
            column = QTableWidgetItem(str(i) if numbered else short_label(name))
            column.setToolTip(f"predicted: {name}")
            self.table.setHorizontalHeaderItem(i, column)
        # every row in view up to ~11 classes (more scroll): the boundary picture above gives way
        row_px = self.table.verticalHeader().defaultSectionSize()
        header_px = self.table.horizontalHeader().sizeHint().height()
        frame = 2 * self.table.frameWidth()
        self.table.setMinimumHeight(header_px + min(n, MAX_ROWS_IN_VIEW) * row_px + frame)
        self.table.updateGeometry()                 # its size hint follows the rows (AdjustToContents)

    def show_matrix(self, cm) -> None:
        if tuple(str(c) for c in cm.classes) != self.classes:
            self.set_classes(cm.classes)
        # while training a new matrix comes twice a second: only the cells whose count or row changed are
        # set again (ten classes are 100 cells of six Qt calls each, on the GUI thread the training waits for)
        before = self.matrix.counts if self.matrix is not None else None
        if before is not None and before.shape != cm.counts.shape:
            before = None
        self.matrix = cm
        n = len(cm.classes)
        base = self.palette().color(self.palette().ColorRole.Text)
        for i in range(n):
            row_total = max(1, int(cm.counts[i].sum()))
            # a cell's colour and tooltip depend on its row's total too
            row_before = before[i] if before is not None and int(before[i].sum()) == int(cm.counts[i].sum()) else None
            for j in range(n):
                count = int(cm.counts[i, j])
                if row_before is not None and int(row_before[j]) == count:
                    continue
                item = self.table.item(i, j)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(i, j, item)
                item.setText(str(count))
                item.setToolTip(f"true {cm.classes[i]}, predicted {cm.classes[j]}: {count} "
                                f"({100 * count / row_total:.0f}% of {cm.classes[i]})")
                share = count / row_total
                color = QColor("#2f6fdb" if i == j else "#d62728")
                color.setAlpha(int(30 + 170 * share) if count else 0)
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(QColor("white") if share > 0.55 else base))
        # short, so it stays one line at 1280 px; rows/columns are explained in the tooltip
        self.title.setText(f"{100 * cm.accuracy:.1f}% correct at epoch {cm.epoch} (validation)")

    def clear(self) -> None:
        """Forget the counts; the class headers stay (they belong to the data, not the training)."""
        self.set_classes(self.classes)
