"""A label | field form on ``QGridLayout``, for forms whose rows wrap text.

``QFormLayout`` keeps one table of row heights for two widths (its size hint's and the laid-out
one): once the size hint is asked for, a relayout at the same width reuses the other width's rows,
so a word-wrapped text gets fewer lines than it needs and overlaps the next row (the Data panel
after switching to the digits). ``QGridLayout`` measures the rows for the width it lays out.

Usage mirrors ``QFormLayout``::

    form = FormGrid(parent)
    form.addRow("Loss", combo)       # label and field
    form.addRow(explanation_label)   # one widget across both columns
    form.setRowVisible(combo, False)
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QLayout, QWidget


class FormGrid(QGridLayout):
    """Two columns, labels on the left aligned with the first line of their field, fields stretch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setColumnStretch(1, 1)
        self._rows = 0
        self._labels: dict[int, QLabel] = {}    # id(field) -> its label

    def addRow(self, first, field: QWidget | QLayout | None = None) -> None:  # noqa: N802 - QFormLayout's name
        """``addRow(label, field)`` (label: text or a QLabel) or ``addRow(widget)`` across the form."""
        row = self._rows
        self._rows += 1
        if field is None:
            if isinstance(first, QLayout):
                self.addLayout(first, row, 0, 1, 2)
            else:
                self.addWidget(first, row, 0, 1, 2)
            return
        label = first if isinstance(first, QLabel) else QLabel(str(first))
        # the label's text centred on the field's first line (a spin box, not its help text below)
        label.setMinimumHeight(_first_line_height(field))
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        if isinstance(field, QLayout):
            self.addLayout(field, row, 1)
        else:
            self.addWidget(field, row, 1)
        self._labels[id(field)] = label

    def labelForField(self, field) -> QLabel | None:  # noqa: N802 - QFormLayout's name
        """The label of the row holding ``field``, or None for a row without one."""
        return self._labels.get(id(field))

    def setRowVisible(self, field: QWidget, on: bool) -> None:  # noqa: N802 - QFormLayout's name
        """Show or hide the row holding ``field`` (its label too)."""
        field.setVisible(on)
        label = self._labels.get(id(field))
        if label is not None:
            label.setVisible(on)


def _first_line_height(field: QWidget | QLayout) -> int:
    """The height of a field's first line: a ParamEditor's ``field`` row, a layout's tallest widget."""
    line = getattr(field, "field", field)
    if isinstance(line, QLayout):  # its widgets may not be parented yet: ask them, not the layout
        widgets = [line.itemAt(i).widget() for i in range(line.count())]
        return max((w.sizeHint().height() for w in widgets if w is not None), default=0)
    return line.sizeHint().height()
