"""The Training settings panel's Pseudo-labels box: ``training.pseudo_labels`` edited in the window.

"Use pseudo-labels" switches the setting on (with the defaults) or off; threshold, rounds and
label_fraction are enabled while it is on. Each change is one undo step through the document, as
every other training field, and is saved with the project. Below, one line says what the data holds
for it: how many rows have no label, or that a regression target has no confidence to threshold.
The box does not subscribe to the document itself: the panel calls :meth:`PseudoLabelSection.refresh`.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QGroupBox, QLabel, QWidget

from core.catalog.params import Param

from .. import theme
from ..widgets import FormGrid
from .params import param_editor, show_value

TITLE = "Pseudo-labels (few labels)"
FIELDS = {
    "on": Param("on", "bool", False, help="Train on the labelled rows, then, in rounds, also on the unlabelled "
                                          "rows the network is sure of, its prediction as their label. The "
                                          "validation split never gets a pseudo-label."),
    "threshold": Param("threshold", "float", 0.95, min=0.5, max=1.0,
                       help="An unlabelled row gets a label when its top class probability reaches this."),
    "rounds": Param("rounds", "int", 3, min=0, max=100,
                    help="How many times the run relabels, spread evenly over its epochs. 0 = labelled rows only "
                         "(the run to compare with)."),
    "label_fraction": Param("label_fraction", "float", 1.0, min=0.01, max=1.0,
                            help="Hide the labels of the rest of the training split (stratified, by the split "
                                 "seed) to see what pseudo-labels would do with only this share labelled. "
                                 "1 = keep every label; rows whose target cell is empty are unlabelled anyway."),
}
LABELS = {"on": "Use pseudo-labels", "threshold": "Threshold", "rounds": "Rounds", "label_fraction": "Labelled share"}

Edit = Callable[[str, Callable[[Any], None], str], "str | None"]


class PseudoLabelSection(QGroupBox):
    """The switch, the three settings and a line about the data (see the module docstring)."""

    def __init__(self, document, edit: Edit, parent: QWidget | None = None):
        super().__init__(TITLE, parent)
        self.setObjectName("training.pseudo_labels")
        self.document = document
        self._edit = edit
        form = FormGrid(self)
        self.editors: dict[str, QWidget] = {}
        for key, param in FIELDS.items():
            w = param_editor(param, param.default, lambda v, key=key: self._commit(key, v))
            w.setObjectName(f"training.pseudo_labels.{key}")
            w.help.setVisible(key == "on")
            label = QLabel(LABELS[key])
            label.setToolTip(param.help)
            self.editors[key] = w
            form.addRow(label, w)
        self.note = QLabel()
        self.note.setObjectName("training.pseudo_labels.note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.accent('muted')}")
        form.addRow(self.note)

    def refresh(self) -> None:
        """Show the project's ``training.pseudo_labels`` and what the data holds for it."""
        pl = self.document.project.training.pseudo_labels
        show_value(self.editors["on"], pl is not None)
        for key in ("threshold", "rounds", "label_fraction"):
            show_value(self.editors[key], getattr(pl, key) if pl is not None else FIELDS[key].default)
            self.editors[key].setEnabled(pl is not None)
        self.note.setText(self._data_note())

    def _data_note(self) -> str:
        ds = self.document.dataset
        if ds is None:
            return ""
        from core.training.pseudo_labels import pseudo_label_problem
        project = self.document.project
        if project.training.pseudo_labels is not None:
            why = pseudo_label_problem(project, ds.targets)
            if why:
                return f"⚠ {why}"
        n = getattr(ds, "n_unlabeled", 0)
        if n:
            return (f"The data has {n:,} row{'s' if n != 1 else ''} whose target is empty: only pseudo-labels "
                    "learn from them.")
        return "Every row of the data has a label: lower the labelled share to try pseudo-labels."

    def _commit(self, key: str, value: Any) -> str | None:
        def change(p) -> None:
            from core.project import PseudoLabels
            if key == "on":
                p.training.pseudo_labels = PseudoLabels() if value else None
                return
            if p.training.pseudo_labels is None:
                p.training.pseudo_labels = PseudoLabels()
            setattr(p.training.pseudo_labels, key, value)
        text = ("Use pseudo-labels" if value else "Stop using pseudo-labels") if key == "on" else \
            f"Set pseudo-label {key.replace('_', ' ')}"
        return self._edit(text, change, None if key == "on" else f"training.pseudo_labels.{key}")
