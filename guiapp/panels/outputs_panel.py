"""The Outputs panel: one box per output head (node, target, loss and its params, weight), with a
line saying whether the loss fits the target; losses that do not fit are marked in the list."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget)

from core.catalog import LAYERS, LOSSES, default_loss, loss_fits
from core.catalog.params import Param
from core.project import Component, OutputSpec, Project

from .. import theme
from ..widgets import FormGrid
from .params import ParamForm, SettingsPanel, param_editor, show_value

WEIGHT = Param("weight", "float", 1.0, min=0.0, max=1e6, log=True,
               help="How much this head's loss counts in the total.")


def fit_text(loss_type: str, info) -> tuple[bool, str]:
    """(fits, one line) for a loss on a target (``info`` a TargetInfo, or None before data loads)."""
    entry = LOSSES.get(loss_type)
    fits = entry.fits
    if info is None:
        return True, f"{loss_type} is made for {fits} targets."
    why = loss_fits(entry, info)
    if why:
        return False, why
    what = f"{info.width} classes" if info.is_classification else "numbers"
    return True, f"Fits: {loss_type} is made for {fits} targets; {info.name!r} holds {what}."


def default_loss_for(info) -> str:
    """The usual loss for a target: cross-entropy for classes, MSE for numbers."""
    return default_loss(None if info is None else info.task)


class HeadEditor(QGroupBox):
    """The editors of one output head; updated in place so a change never deletes its own editor."""

    def __init__(self, panel: "OutputsPanel"):
        super().__init__()
        self.panel = panel
        self.index = 0
        form = FormGrid(self)
        head = QHBoxLayout()
        self.node = QComboBox()
        self.node.activated.connect(lambda i: self._set("node", self.node.itemData(i)))
        self.remove = QToolButton()
        self.remove.setIcon(theme.icon("remove"))
        self.remove.setToolTip("Remove this output head")
        self.remove.clicked.connect(lambda: panel.remove_head(self.index))
        head.addWidget(self.node, 1)
        head.addWidget(self.remove)
        form.addRow("Node", head)
        self.target = QComboBox()
        self.target.activated.connect(lambda i: self._set("target", self.target.itemData(i)))
        form.addRow("Target", self.target)
        self.loss = QComboBox()
        for e in LOSSES:
            self.loss.addItem(e.name, e.name)
            self.loss.setItemData(self.loss.count() - 1, e.doc, Qt.ItemDataRole.ToolTipRole)
        self.loss.activated.connect(self._on_loss_activated)
        form.addRow("Loss", self.loss)
        self.fit = QLabel()
        self.fit.setWordWrap(True)
        form.addRow(self.fit)
        self.params = ParamForm()
        form.addRow(self.params)
        self.weight = param_editor(WEIGHT, 1.0, lambda v: self._set("weight", v, merge=True))
        form.addRow("Head weight", self.weight)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        form.addRow(self.problems)
        for combo in (self.node, self.target, self.loss):  # long names elide: no sideways scrolling
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

    def show_head(self, index: int, o: OutputSpec, node_ids: list[str], ds, check) -> None:
        self.index = index
        self.setTitle(f"Output {index + 1}")
        _fill(self.node, [(n, n) for n in node_ids], o.node)
        names = list(ds.targets) if ds is not None else []
        default = names[0] if names else "first target"
        _fill(self.target, [(f"(default: {default})", None)] + [(n, n) for n in names], o.target)
        info = ds.targets.get(o.target or default) if ds is not None else None
        for i in range(self.loss.count()):
            name = self.loss.itemData(i)
            ok = info is None or loss_fits(LOSSES.get(name), info) is None
            self.loss.setItemText(i, name if ok else f"{name}  ✗ does not fit")
            self.loss.setItemData(i, None if ok else QColor(theme.accent("muted")), Qt.ItemDataRole.ForegroundRole)
        _fill(self.loss, None, o.loss.type)
        ok, text = fit_text(o.loss.type, info)
        self.fit.setText(("✓ " if ok else "✗ ") + text)
        self.fit.setStyleSheet(f"color: {theme.accent('ok' if ok else 'error')}")
        self.params.show_entry(LOSSES.get(o.loss.type), o.loss.params, self._on_param_committed)
        show_value(self.weight, o.weight)
        msgs = [p.message for p in (check.problems if check else [])
                if p.where.startswith(f"outputs[{index}]") or (p.node == o.node and o.loss.type in p.message
                                                               and not p.where.startswith("outputs["))]
        self.problems.setText("\n".join(msgs))
        self.problems.setStyleSheet(f"color: {theme.accent('error')}")
        self.problems.setVisible(bool(msgs))

    def _set(self, key: str, value: Any, merge: bool = False) -> str | None:
        i = self.index
        return self.panel.edit(f"Set output {i + 1} {key}", lambda p: setattr(p.outputs[i], key, value),
                               f"outputs[{i}].{key}" if merge else None)

    def _on_loss_activated(self, index: int) -> None:
        name, i = self.loss.itemData(index), self.index
        if name == self.panel.document.project.outputs[i].loss.type:
            return
        self.panel.edit(f"Use {name} on output {i + 1}",
                        lambda p: setattr(p.outputs[i], "loss", Component(name, {})))

    def _on_param_committed(self, name: str, value: Any) -> str | None:
        i = self.index

        def change(p: Project) -> None:
            p.outputs[i].loss.params[name] = value
        return self.panel.edit(f"Set {name} of output {i + 1}", change, f"outputs[{i}].loss.{name}")


class OutputsPanel(SettingsPanel):
    """Edits ``project.outputs`` through the document."""

    kind = "outputs"

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(document, parent)
        body = QWidget()
        self.heads_layout = QVBoxLayout(body)
        self.heads: list[HeadEditor] = []
        self.empty = QLabel("No output head: add one, or the network has nothing to train.")
        self.empty.setWordWrap(True)
        self.heads_layout.addWidget(self.empty)
        self.add = QPushButton(theme.icon("add"), "Add output head")
        self.add.clicked.connect(self.add_head)
        self.heads_layout.addWidget(self.add)
        self.heads_layout.addStretch(1)
        self.setWidget(body)
        # the heads, the nodes they can sit on, and the targets the data offers
        document.outputsChanged.connect(self._on_document_part_changed)
        document.graphChanged.connect(self._on_document_part_changed)
        document.dataChanged.connect(self._on_document_part_changed)
        self.refresh()

    def refresh(self) -> None:
        """Show the document's output heads."""
        doc = self.document
        outputs = doc.project.outputs
        while len(self.heads) > len(outputs):
            w = self.heads.pop()
            w.hide()
            w.deleteLater()  # may be the sender (its remove button): delete after the signal returns
        while len(self.heads) < len(outputs):
            w = HeadEditor(self)
            self.heads_layout.insertWidget(len(self.heads), w)
            self.heads.append(w)
        node_ids = [n.id for n in doc.project.model.nodes if not LAYERS.get(n.type).is_input]
        for i, (w, o) in enumerate(zip(self.heads, outputs)):
            w.show_head(i, o, node_ids, doc.dataset, doc.check)
            w.remove.setEnabled(True)
        self.empty.setVisible(not outputs)

    def add_head(self) -> bool:
        """Add a head on the last node that is not an output yet, for the next unused target."""
        doc = self.document
        p = doc.project
        used_nodes = {o.node for o in p.outputs}
        layers = [n.id for n in p.model.nodes if not LAYERS.get(n.type).is_input]
        sinks = [n for n in layers if not p.model.successors(n)]
        candidates = [n for n in sinks if n not in used_nodes] or sinks or layers
        if not candidates:
            doc.editRefused.emit("add a layer to the model first: an output head needs a node")
            return False
        ds = doc.dataset
        used_targets = {o.target or (next(iter(ds.targets)) if ds else None) for o in p.outputs}
        target = next((t for t in (ds.targets if ds else {}) if t not in used_targets), None)
        info = ds.targets[target] if ds is not None and target else (
            next(iter(ds.targets.values())) if ds is not None else None)
        head = OutputSpec(node=candidates[-1], loss=Component(default_loss_for(info), {}), target=target)
        return self.edit("Add an output head", lambda q: q.outputs.append(head)) is None

    def _on_document_part_changed(self, _what: object = None) -> None:
        self.document.show_in_turn(self.refresh, self)    # an Open asks three times: once, in its own turn

    def remove_head(self, index: int) -> bool:
        return self.edit(f"Remove output {index + 1}", lambda q: q.outputs.pop(index)) is None


def _fill(combo: QComboBox, items: list[tuple[str, Any]] | None, current: Any) -> None:
    """Replace the items (unless None) and select ``current`` without emitting."""
    combo.blockSignals(True)
    if items is not None and [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] != items:
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
    i = combo.findData(current)
    if i < 0 and current is not None:
        combo.addItem(str(current), current)
        i = combo.count() - 1
    combo.setCurrentIndex(max(i, 0))
    combo.blockSignals(False)
