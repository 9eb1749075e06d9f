"""The findings of the current training: what LossLab noticed, why, and what to try.

One row per finding (icon by severity, one-line message); expanding it shows the epoch range, the
suggestion and the evidence numbers. Clicking a finding shows its range on the loss plots (through
``controller.select_finding``) or, for a finding about a node, highlights that node on the canvas.
"""
from __future__ import annotations

import math
import textwrap

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

__all__ = ["FindingsPanel", "format_evidence"]

ROLE = Qt.ItemDataRole.UserRole
TEXT_ROLE = Qt.ItemDataRole.UserRole + 1     # the unwrapped text (wrapped again on resize)
ICONS = {"error": QStyle.StandardPixmap.SP_MessageBoxCritical,
         "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
         "info": QStyle.StandardPixmap.SP_MessageBoxInformation}


def format_evidence(evidence: dict) -> str:
    """``GL 12.3 · z 4.2 · best_epoch 37``: the numbers a rule decided on."""
    parts = []
    for key, value in (evidence or {}).items():
        if isinstance(value, float):
            if math.isfinite(value) and value == int(value) and abs(value) < 1e9:
                text = str(int(value))
            else:
                text = f"{value:.4g}"
        else:
            text = str(value)
        parts.append(f"{key} {text}")
    return " · ".join(parts)


class FindingsPanel(QWidget):
    """The list of findings of a :class:`TrainingController`; ``canvas`` (optional) needs
    ``highlight_node(node_id)``."""

    def __init__(self, controller, canvas=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.canvas = canvas
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setExpandsOnDoubleClick(True)
        self.placeholder = QLabel("No findings yet. While a training runs, LossLab reads its curves and "
                                  "reports overfitting, divergence, plateaus and more here.")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.placeholder.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.tree, 1)
        self._findings: list = []
        self.tree.itemClicked.connect(self._on_tree_itemClicked)
        controller.findingsChanged.connect(self._on_controller_findingsChanged)
        self._on_controller_findingsChanged(list(controller.history.findings))

    def set_canvas(self, canvas) -> None:
        self.canvas = canvas

    def findings(self) -> list:
        return list(self._findings)

    def item_for(self, finding) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ROLE) is finding:
                return item
        return None

    def activate(self, finding) -> None:
        """What a click does: highlight the node on the canvas, or the range on the plots."""
        node = getattr(finding, "node", None)
        if node and self.canvas is not None and hasattr(self.canvas, "highlight_node"):
            self.canvas.highlight_node(node)
        self.controller.select_finding(finding)

    def _on_tree_itemClicked(self, item: QTreeWidgetItem, _column: int) -> None:
        top = item if item.parent() is None else item.parent()
        finding = top.data(0, ROLE)
        if finding is not None:
            self.activate(finding)

    def _on_controller_findingsChanged(self, findings: list) -> None:
        expanded = {self._key(self.tree.topLevelItem(i).data(0, ROLE))
                    for i in range(self.tree.topLevelItemCount()) if self.tree.topLevelItem(i).isExpanded()}
        self._findings = list(findings)
        self.tree.clear()
        style = self.style()
        for f in self._findings:
            item = QTreeWidgetItem([f.message])
            item.setData(0, TEXT_ROLE, f.message)
            item.setData(0, ROLE, f)
            item.setIcon(0, style.standardIcon(ICONS.get(f.severity, ICONS["info"])))
            item.setToolTip(0, f"{f.message}\n\nTry: {f.suggestion}" if f.suggestion else f.message)
            for text in self._details(f):
                child = QTreeWidgetItem([text])
                child.setData(0, TEXT_ROLE, text)
                child.setToolTip(0, text)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(self._key(f) in expanded)
        self.placeholder.setVisible(not self._findings)
        self.tree.setVisible(bool(self._findings))
        self._wrap()

    def _wrap(self) -> None:
        """Break long lines to the tree's width (QTreeWidget elides instead of wrapping)."""
        metrics = self.tree.fontMetrics()
        avg = max(1, metrics.averageCharWidth())
        width = self.tree.viewport().width() - 2 * self.tree.indentation() - 24
        chars = max(24, width // avg)
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for item in [top] + [top.child(k) for k in range(top.childCount())]:
                raw = item.data(0, TEXT_ROLE) or ""
                item.setText(0, textwrap.fill(raw, chars) if len(raw) > chars else raw)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._wrap()

    @staticmethod
    def _key(finding) -> tuple:
        return (getattr(finding, "kind", ""), getattr(finding, "node", None))

    @staticmethod
    def _details(f) -> list[str]:
        out = []
        if f.start_epoch is not None:
            end = f.end_epoch if f.end_epoch is not None else f.start_epoch
            out.append(f"Epochs {f.start_epoch}–{end}" if end != f.start_epoch else f"Epoch {f.start_epoch}")
        if getattr(f, "node", None):
            out.append(f"Node: {f.node} (click to show it on the canvas)")
        if f.suggestion:
            out.append(f"Try: {f.suggestion}")
        if f.evidence:
            out.append(f"Evidence: {format_evidence(f.evidence)}")
        return out
