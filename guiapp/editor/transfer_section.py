"""The inspector's "Transfer" section: a node's (or a selection's) initial weights from a stored run or a
weights file, frozen or not, and its learning-rate multiplier. Each change is one undo step on the
document; the core checks the shapes (``losslab check`` and the canvas badge say which node and both
shapes when they differ)."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QInputDialog,
                               QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget)

from core.edit_events import EditEvent

from ..widgets import FormGrid

SOURCES = ("random (trained from scratch)", "a weights file", "a stored run")


def set_smalldata(document, ids: list[str], text: str, **changes) -> bool:
    """Set ``init`` / ``frozen`` / ``lr_multiplier`` on every node of ``ids`` as one undo step."""
    def change(p) -> None:
        for nid in ids:
            node = p.model.node(nid)
            for key, value in changes.items():
                setattr(node, key, value)
    return document.edit(text, change, [EditEvent("node_params_changed", (nid,)) for nid in ids],
                         merge_key=f"smalldata:{','.join(ids)}:{','.join(changes)}")


class TransferSection(QWidget):
    """Editors for the small-data settings of ``ids`` (one node, or several selected)."""

    def __init__(self, document, ids: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.ids = document, list(ids)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = FormGrid()
        self.source = QComboBox()
        self.source.addItems(SOURCES)
        self.source.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.source.setToolTip("Where the initial weights come from: an earlier network's node of the same shape")
        form.addRow("Initial weights", self.source)
        self.where = QLineEdit()
        self.browse = QToolButton()
        self.browse.setText("…")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.where, 1)
        row.addWidget(self.browse)
        self.where_label = QLabel("File")
        form.addRow(self.where_label, row)
        self.source_node = QLineEdit()
        self.source_node.setPlaceholderText("the same id")
        self.source_node.setToolTip("The source network's node to copy (matched by id unless you name another)")
        form.addRow("Source node", self.source_node)
        self.frozen = QCheckBox("frozen")
        self.frozen.setToolTip("No gradient and no optimizer entry; BatchNorm keeps its running statistics "
                               "(the node stays in evaluation mode)")
        form.addRow("", self.frozen)
        self.lr = QDoubleSpinBox()
        self.lr.setRange(0.0, 1000.0)
        self.lr.setDecimals(3)
        self.lr.setSingleStep(0.5)
        self.lr.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.lr.setToolTip("This node learns at the optimizer's rate times this (new layers: 10, fine-tuned: 0.1)")
        form.addRow("Learning rate ×", self.lr)
        layout.addLayout(form)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.note)
        self.refresh()
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.where.editingFinished.connect(self._commit_init)
        self.source_node.editingFinished.connect(self._commit_init)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.frozen.toggled.connect(self._on_frozen_toggled)
        self.lr.editingFinished.connect(self._on_lr_finished)

    # -- showing --------------------------------------------------------------------------------------
    def _nodes(self):
        model = self.document.project.model
        return [model.node(i) for i in self.ids if i in model.ids()]

    def refresh(self) -> None:
        """Show the first node's settings (a selection shows its first node; edits apply to all)."""
        nodes = self._nodes()
        if not nodes:
            return
        n = nodes[0]
        widgets = (self.source, self.where, self.source_node, self.frozen, self.lr)
        for w in widgets:
            w.blockSignals(True)
        init = n.init or {}
        self.source.setCurrentIndex(2 if "run" in init else 1 if "file" in init else 0)
        self.where.setText(init.get("run") or init.get("file") or "")
        self.source_node.setText(init.get("node", ""))
        self.frozen.setChecked(n.frozen)
        self.lr.setValue(n.lr_multiplier)
        for w in widgets:
            w.blockSignals(False)
        self._show_source_rows()
        mixed = len({(str(x.init), x.frozen, x.lr_multiplier) for x in nodes}) > 1
        text = []
        if len(nodes) > 1:
            text.append(f"{len(nodes)} nodes: a change applies to all of them"
                        + (" (they differ now; the first is shown)" if mixed else ""))
        self.note.setText("<br>".join(html.escape(t) for t in text))
        self.note.setVisible(bool(text))

    def _show_source_rows(self) -> None:
        kind = self.source.currentIndex()
        for w in (self.where, self.browse, self.where_label, self.source_node):
            w.setEnabled(kind != 0)
        self.where_label.setText("Run" if kind == 2 else "File")
        self.where.setPlaceholderText("run id (Runs ▸ list)" if kind == 2 else "weights file (.pt), relative to the project")
        self.browse.setToolTip("Pick a stored run" if kind == 2 else "Pick a weights file")

    # -- edits ----------------------------------------------------------------------------------------
    def _init_value(self) -> dict | None:
        kind, where = self.source.currentIndex(), self.where.text().strip()
        if kind == 0 or not where:
            return None
        init = {"run" if kind == 2 else "file": where}
        if self.source_node.text().strip():
            init["node"] = self.source_node.text().strip()
        return init

    def _commit_init(self) -> None:
        init = self._init_value()
        if self.source.currentIndex() != 0 and init is None:
            return    # a source without a file or run yet: wait for it
        what = "random initial weights" if init is None else f"weights from {next(iter(init.values()))}"
        set_smalldata(self.document, self.ids, f"{', '.join(self.ids)}: {what}", init=init)

    def _on_source_changed(self, index: int) -> None:
        self._show_source_rows()
        self._commit_init()

    def _on_browse_clicked(self) -> None:
        if self.source.currentIndex() == 2:
            self._pick_run()
            return
        base = self.document.project.base_dir
        path, _ = QFileDialog.getOpenFileName(self, "Initial weights", str(base or Path.home()),
                                              "Weights (*.pt *.pth);;All files (*)")
        if not path:
            return
        p = Path(path)
        if base is not None:
            try:
                p = p.resolve().relative_to(Path(base).resolve())
            except ValueError:
                pass
        self.where.setText(str(p))
        self._commit_init()

    def _pick_run(self) -> None:
        try:
            from core.runs import open_store
            with open_store() as store:
                runs = [f"{r.id}  {r.name}" for r in store.list(limit=200)]
        except Exception as e:  # noqa: BLE001 - a damaged store is a message, not a crash
            self.note.setText(html.escape(f"the run store cannot be read: {e}"))
            self.note.setVisible(True)
            return
        if not runs:
            self.note.setText("No stored runs yet: train the source network first.")
            self.note.setVisible(True)
            return
        item, ok = QInputDialog.getItem(self, "Initial weights from a run", "Run", runs, 0, False)
        if ok and item:
            self.where.setText(item.split()[0])
            self._commit_init()

    def _on_frozen_toggled(self, on: bool) -> None:
        set_smalldata(self.document, self.ids, f"{', '.join(self.ids)}: {'frozen' if on else 'not frozen'}", frozen=on)

    def _on_lr_finished(self) -> None:
        value = float(self.lr.value())
        set_smalldata(self.document, self.ids, f"{', '.join(self.ids)}: learning rate × {value:g}",
                      lr_multiplier=value)
