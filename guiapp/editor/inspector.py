"""The inspector: the selected layer's name, doc, parameter editors (generated from its catalog
``Param``s), inferred shapes, parameter count, output head and problems."""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea,
                               QToolButton, QVBoxLayout, QWidget)

from core.catalog import LAYERS
from core.catalog.layer_shapes import fmt_shape

from . import commands
from core import graph_edits as G
from .auto_head import head_hint
from .node_item import format_count
from .style import ERROR_COLOUR, category_icon
from ..theme import accent
from ..widgets import FormGrid, ParamEditor, make_editor, wheel_guard

def _small_grey() -> str:
    return f"color: {accent('muted')};"


def _section(title: str) -> QLabel:
    label = QLabel(f"<b>{html.escape(title)}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


class Inspector(QWidget):
    """Shows one node of ``document`` (``show_node(id)``) or, with None, a summary of the model.

    Edits go through :mod:`guiapp.editor.commands` (one undo step each); the view follows the
    document's signals and rebuilds only when a different node (or type) is shown.
    """

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self._node_id: str | None = None
        self._n_selected = 0
        self._selected: list[str] = []
        self._type: str | None = None
        self.editors: dict[str, ParamEditor] = {}
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        wheel_guard.watch(self.scroll)  # the wheel over an unfocused input scrolls the inspector
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.setMinimumWidth(240)
        document.undo_stack.indexChanged.connect(self._clear_errors)  # an edit went through: refusals are stale
        document.graphChanged.connect(self._on_document_model_changed)
        document.outputsChanged.connect(self._on_document_model_changed)
        document.nodeRemoved.connect(self._on_document_nodeRemoved)
        document.nodeRenamed.connect(self._on_document_nodeRenamed)
        document.nodeParamsChanged.connect(self._on_document_nodeParamsChanged)
        document.outputsChanged.connect(self._on_document_outputsChanged)
        document.checkUpdated.connect(self._on_document_check_updated)
        document.projectReplaced.connect(self._on_document_project_replaced)
        self.show_node(None)

    @property
    def node_id(self) -> str | None:
        """The node shown, or None."""
        return self._node_id

    def show_node(self, node_id: str | None) -> None:
        """Show a node's settings (None or an unknown id: the model summary)."""
        if node_id is not None and node_id not in self.document.project.model.ids():
            node_id = None
        self._node_id = node_id
        self._type = self.document.project.model.node(node_id).type if node_id else None
        self.editors = {}
        content = QWidget()
        self._body = QVBoxLayout(content)
        self._body.setContentsMargins(10, 8, 10, 8)
        if node_id is None:
            self._build_summary()
        else:
            self._build_node(node_id)
        self._body.addStretch(1)
        self.scroll.setWidget(content)

    def show_nodes(self, ids: list) -> None:
        """Slot for ``GraphCanvas.selectionChangedTo``: one node shows it, else the summary."""
        self._n_selected = len(ids)
        self._selected = [i for i in ids if isinstance(i, str)]
        self.show_node(ids[0] if len(ids) == 1 else None)

    # -- building -------------------------------------------------------------------------------------
    def _build_summary(self) -> None:
        b = self._body
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        b.addWidget(self.summary)
        self._refresh_summary()
        self.transfer = None
        weighted = [i for i in self._selected if self._has_weights(i)]
        if self._n_selected > 1 and weighted:   # transfer/freeze a selection at once
            self._add_transfer_section(weighted)

    def _refresh_summary(self) -> None:
        project, check = self.document.project, self.document.check
        n = len(project.model.nodes)
        title = f"{self._n_selected} layers selected" if self._n_selected > 1 else "No layer selected"
        lines = [f"<b>{title}</b>",
                 f"<span style='{_small_grey()}'>Select a layer on the canvas to edit it, or drag one in from "
                 "the palette.</span>", "",
                 f"{n} layer{'s' if n != 1 else ''}, {len(project.model.edges)} connections, "
                 f"{len(project.outputs)} output head{'s' if len(project.outputs) != 1 else ''}"]
        if check is not None:
            lines.append(f"{check.total_params:,} trainable parameters")
            errors = [p for p in check.problems if p.severity == "error"]
            if errors:
                shown = "".join(f"<br>• {html.escape(p.message)}" for p in errors[:3])
                more = f"<br>… and {len(errors) - 3} more" if len(errors) > 3 else ""
                lines.append(f"<span style='color:{ERROR_COLOUR}'>{len(errors)} problem"
                             f"{'s' if len(errors) != 1 else ''}:{shown}{more}</span>")
            warnings = [p for p in check.problems if p.severity == "warning"]
            if warnings:
                lines.append(f"<span style='color:#b26a00'>{len(warnings)} design warning"
                             f"{'s' if len(warnings) != 1 else ''} (amber badges): "
                             f"{html.escape(warnings[0].message)}</span>")
            hint = head_hint(project, check, self.document.dataset)
            if hint:
                lines.append(f"<span style='color:{ERROR_COLOUR}'>{html.escape(hint)}</span>")
            if not errors and not warnings:
                lines.append("no problems found")
        self.summary.setText("<br>".join(lines))

    def _build_node(self, node_id: str) -> None:
        b = self._body
        spec = self.document.project.model.node(node_id)
        entry = LAYERS.get(spec.type)
        title = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(category_icon(entry.category, 22).pixmap(22, 22))
        title.addWidget(icon)
        title.addWidget(QLabel(f"<span style='font-size:large'><b>{html.escape(entry.name)}</b></span> "
                               f"<span style='{_small_grey()}'>{html.escape(entry.category)}</span>"), 1)
        b.addLayout(title)
        name_row = FormGrid()
        self.name_edit = QLineEdit(node_id)
        self.name_edit.setToolTip("The node's name: used in edges, output heads, messages and exported code")
        self.name_edit.editingFinished.connect(self._on_name_edit_finished)
        self.name_error = QLabel()
        self.name_error.setWordWrap(True)
        self.name_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.name_error.setVisible(False)
        name_row.addRow("Name", self.name_edit)
        b.addLayout(name_row)
        b.addWidget(self.name_error)
        doc = QLabel(entry.doc)
        doc.setWordWrap(True)
        doc.setStyleSheet(_small_grey())
        b.addWidget(doc)
        values = {**entry.defaults(), **spec.params}
        basic = [p for p in entry.params if not p.advanced]
        advanced = [p for p in entry.params if p.advanced]
        if basic:
            b.addWidget(_section("Parameters"))
            b.addLayout(self._form(basic, values))
        if advanced:
            toggle = QToolButton()
            toggle.setText(f"Advanced ({len(advanced)})")
            toggle.setCheckable(True)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setArrowType(Qt.ArrowType.RightArrow)
            toggle.setAutoRaise(True)
            box = QWidget()
            box.setLayout(self._form(advanced, values))
            box.setVisible(False)
            toggle.toggled.connect(lambda on: (box.setVisible(on), toggle.setArrowType(
                Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)))
            self.advanced_toggle, self.advanced_box = toggle, box
            b.addWidget(toggle)
            b.addWidget(box)
        if not entry.params:
            b.addWidget(QLabel(f"<span style='{_small_grey()}'>No parameters to set.</span>"))
        self.transfer = None
        if self._has_weights(node_id):   # layers with weights: initial weights, frozen, lr ×
            self._add_transfer_section([node_id])
        b.addWidget(_section("Shapes"))
        self.info = QLabel()
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setWordWrap(True)
        b.addWidget(self.info)
        b.addWidget(_section("Output head"))
        self.head_label = QLabel()
        self.head_label.setWordWrap(True)
        b.addWidget(self.head_label)
        self.head_button = QPushButton()
        self.head_button.clicked.connect(self._on_head_button_clicked)
        b.addWidget(self.head_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        b.addWidget(self.problems)
        self._refresh_head()
        self._refresh_info()

    def _has_weights(self, node_id: str) -> bool:
        model = self.document.project.model
        if node_id not in model.ids():
            return False
        spec, check = model.node(node_id), self.document.check
        info = check.nodes.get(node_id) if check is not None else None
        if info is not None and info.out_shape is not None:
            return info.n_params > 0
        return bool(LAYERS.get(spec.type).params) and not LAYERS.get(spec.type).is_input   # no data yet: guess

    def _add_transfer_section(self, ids: list[str]) -> None:
        from .transfer_section import TransferSection
        self._body.addWidget(_section("Transfer"))
        self.transfer = TransferSection(self.document, ids)
        self._body.addWidget(self.transfer)

    def _form(self, params, values: dict[str, Any]) -> FormGrid:
        form = FormGrid()
        for p in params:
            editor = make_editor(p, values.get(p.name), lambda v, name=p.name: self._commit_param(name, v))
            self.editors[p.name] = editor
            label = QLabel(p.name)
            label.setToolTip(p.help)
            form.addRow(label, editor)
        return form

    # -- refreshing in place --------------------------------------------------------------------------
    def _refresh_values(self) -> None:
        spec = self.document.project.model.node(self._node_id)
        values = {**LAYERS.get(spec.type).defaults(), **spec.params}
        for name, editor in self.editors.items():
            if editor.value() != values.get(name):
                editor.set_value(values.get(name))
        if not self.name_edit.hasFocus() and self.name_edit.text() != self._node_id:
            self.name_edit.setText(self._node_id)
        self._refresh_head()

    def _refresh_head(self) -> None:
        heads = [o for o in self.document.project.outputs if o.node == self._node_id]
        if heads:
            targets = [o.target or "the data's target" for o in heads]
            self.head_label.setText("; ".join(f"{o.loss.type} on {t}, weight {o.weight:g}"
                                              for o, t in zip(heads, targets)))
            self.head_button.setText("Remove output head")
        else:
            self.head_label.setText("Not an output. An output head compares this layer's output with a "
                                    "target through a loss.")
            self.head_button.setText("Make output head")
        self.head_label.setStyleSheet("" if heads else _small_grey())

    def _refresh_info(self) -> None:
        check = self.document.check
        info = check.nodes.get(self._node_id) if check is not None else None
        if check is None:
            self.info.setText(f"<span style='{_small_grey()}'>Load the data to see shapes.</span>")
        else:
            preds = self.document.project.model.predecessors(self._node_id)
            ins = ", ".join(f"{fmt_shape(s)} from {html.escape(p)}"
                            for s, p in zip(info.in_shapes, preds)) if info and info.in_shapes else "—"
            out = fmt_shape(info.out_shape) if info and info.out_shape else "? (see the problems below)"
            count = (format_count(info.n_params) if info.n_params else "none") if info else "—"
            self.info.setText(f"<table><tr><td>input&nbsp;</td><td>{ins}</td></tr>"
                              f"<tr><td>output&nbsp;</td><td><b>{out}</b></td></tr>"
                              f"<tr><td>weights&nbsp;</td><td>{count}</td></tr></table>")
        problems = check.problems_for(self._node_id) if check is not None else []
        self.problems.setText("".join(f"<p style='color:{ERROR_COLOUR if p.severity == 'error' else '#b26a00'}'>"
                                      f"⚠ {html.escape(p.message)}</p>" for p in problems))
        self.problems.setVisible(bool(problems))

    # -- edits ----------------------------------------------------------------------------------------
    def _commit_param(self, name: str, value: Any) -> str | None:
        reasons: list[str] = []

        def keep(reason: str) -> None:
            reasons.append(reason)

        self.document.editRefused.connect(keep)
        try:
            ok = commands.set_param(self.document, self._node_id, name, value)
        finally:
            self.document.editRefused.disconnect(keep)
        return None if ok else (reasons[-1] if reasons else "the change was refused")

    def _on_name_edit_finished(self) -> None:
        old, new = self._node_id, self.name_edit.text().strip()
        if old is None or new == old:
            return
        why = G.id_problem(self.document.project, old, new)
        if why is None:
            if commands.rename_node(self.document, old, new):   # nodeRenamed follows the node
                self.name_error.setVisible(False)
                return
            why = "the new name was refused"
        self.name_error.setText(why)
        self.name_error.setVisible(True)
        self.name_edit.setText(old)

    def _clear_errors(self) -> None:
        if self._node_id is not None:
            self.name_error.setVisible(False)
        for editor in self.editors.values():
            editor.clear_error()

    def error_texts(self) -> list[str]:
        """The refusals on show: the name's and each editor's."""
        shown = [self.name_error.text()] if self._node_id is not None and not self.name_error.isHidden() else []
        return shown + [e.error_text() for e in self.editors.values() if e.error_text()]

    def _on_head_button_clicked(self) -> None:
        if self._node_id is not None:
            commands.toggle_output(self.document, self._node_id)

    # -- document signals -------------------------------------------------------------------------------
    def _on_document_model_changed(self, _ids: list | None = None) -> None:
        if self._node_id is None:
            self._refresh_summary()

    def _on_document_nodeRemoved(self, node_id: str) -> None:
        if node_id == self._node_id:      # (also a node replaced by one of another type)
            self.show_node(None)

    def _on_document_nodeRenamed(self, old: str, new: str) -> None:
        if old == self._node_id:
            self._node_id = new
            self.name_edit.setText(new)
            self._refresh_info()

    def _on_document_nodeParamsChanged(self, node_id: str) -> None:
        if node_id == self._node_id:
            self._refresh_values()
            self._refresh_info()
        if getattr(self, "transfer", None) is not None and node_id in self.transfer.ids:
            self.transfer.refresh()

    def _on_document_outputsChanged(self, ids: list) -> None:
        if self._node_id in ids:
            self._refresh_values()
            self._refresh_info()

    def _on_document_check_updated(self, check) -> None:
        if self._node_id is None:
            self._refresh_summary()
        elif self._node_id in self.document.project.model.ids():
            self._refresh_info()

    def _on_document_project_replaced(self) -> None:
        self.show_node(None)
