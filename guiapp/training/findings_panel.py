"""What LossLab noticed about the design and the training, why, and what to try.

Two groups: **Design** — the architecture-lint findings of the document (``document.lint_findings``,
refreshed on ``checkUpdated``), there before any training — and **Training curves** — the findings
of the controller's run. The group headings show only when there are design findings; otherwise the
list is the curve findings alone. One row per finding (icon by severity, one-line message);
expanding it shows the epoch range or node, the suggestion and the evidence numbers, each in plain
words with its definition as the tooltip (:mod:`core.diagnostics.evidence_labels`; the raw keys stay
in the JSON). Clicking a
finding highlights its node on the canvas and shows a curve finding's range on the loss plots
(through ``controller.select_finding``).
"""
from __future__ import annotations

import textwrap

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from core.diagnostics.evidence_labels import plain_evidence

__all__ = ["FindingsPanel", "format_evidence", "EMPTY_TEXT", "HEALTHY_TEXT"]

ROLE = Qt.ItemDataRole.UserRole
TEXT_ROLE = Qt.ItemDataRole.UserRole + 1     # the unwrapped text (wrapped again on resize)
ICONS = {"error": QStyle.StandardPixmap.SP_MessageBoxCritical,
         "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
         "info": QStyle.StandardPixmap.SP_MessageBoxInformation}
EMPTY_TEXT = ("No findings yet. While a training runs, LossLab reads its curves and reports overfitting, "
              "divergence, plateaus and more here.")
HEALTHY_TEXT = "No findings: the curves look healthy — no overfitting, divergence, plateau or noise detected."
#: run endings after which "no curve findings" means the curves looked healthy
HEALTHY_ENDINGS = ("completed", "early_stopped", "stopped")


def format_evidence(evidence: dict) -> str:
    """``generalization loss: 12.3% · rise over noise: 4.2``: the numbers a rule decided on, in words."""
    return " · ".join(text for text, _tip, _key in plain_evidence(evidence))


RENDER_GAP_MS = 500   # while training: the findings list is rebuilt at most twice a second


class FindingsPanel(QWidget):
    """The design findings of ``controller.document`` and the curve findings of a
    :class:`TrainingController`; ``canvas`` (optional) needs ``highlight_node(node_id)``."""

    def __init__(self, controller, canvas=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.document = getattr(controller, "document", None)
        self.canvas = canvas
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setExpandsOnDoubleClick(True)
        self.placeholder = QLabel(EMPTY_TEXT)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.placeholder.setEnabled(False)
        self.setMinimumSize(200, 150)     # beside the plots it must stay readable (see the layout test)
        self.stale_note = QLabel()
        self.stale_note.setWordWrap(True)
        self.stale_note.setStyleSheet("font-style: italic;")
        self.stale_note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stale_note)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.tree, 1)
        self._findings: list = []        # the curve findings of the controller
        self._design: list = []          # the document's lint findings
        self._healthy = False            # a run ended without curve findings: say the curves look fine
        self._wrap_chars = 0
        # while a Run goes on the findings change after most epochs (a range grows by one): the list is
        # rebuilt at most every RENDER_GAP_MS (rebuilt per drain it held the GIL the training needs)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_GAP_MS)
        self._render_timer.timeout.connect(self._render)
        self.tree.viewport().installEventFilter(self)
        self.tree.itemClicked.connect(self._on_tree_itemClicked)
        controller.findingsChanged.connect(self._on_controller_findingsChanged)
        controller.runStarted.connect(self._on_controller_runStarted)
        controller.runFinished.connect(self._on_controller_runFinished)
        controller.historyCleared.connect(self._on_controller_historyCleared)
        staleness = getattr(controller, "staleness", None)
        if staleness is not None:
            staleness.staleChanged.connect(self._on_staleness_staleChanged)
        if self.document is not None:
            self.document.checkUpdated.connect(self._on_document_checkUpdated)
            self._design = list(getattr(self.document, "lint_findings", []))
        self._on_controller_findingsChanged(list(controller.history.findings))

    def set_canvas(self, canvas) -> None:
        self.canvas = canvas

    def findings(self) -> list:
        """The curve findings shown (of the current training)."""
        return list(self._findings)

    def design_findings(self) -> list:
        """The design (architecture-lint) findings shown."""
        return list(self._design)

    def empty_text(self) -> str:
        """What the panel says about the curves while it has no curve findings."""
        return HEALTHY_TEXT if self._healthy else EMPTY_TEXT

    def item_for(self, finding) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ROLE) is finding:
                return item
        return None

    def activate(self, finding) -> None:
        """What a click does: highlight the node on the canvas, and the range of a curve finding on
        the plots (a design finding has none)."""
        node = getattr(finding, "node", None)
        if node and self.canvas is not None and hasattr(self.canvas, "highlight_node"):
            self.canvas.highlight_node(node)
        if getattr(finding, "kind", "") != "lint":
            self.controller.select_finding(finding)

    # -- slots ------------------------------------------------------------------------------------
    def _on_tree_itemClicked(self, item: QTreeWidgetItem, _column: int) -> None:
        top = item
        while top.parent() is not None:
            top = top.parent()
        finding = top.data(0, ROLE)
        if finding is not None:
            self.activate(finding)

    def _on_controller_findingsChanged(self, findings: list) -> None:
        self._findings = list(findings)
        if self.controller.is_running():
            if not self._render_timer.isActive():
                self._render_timer.start()
            return
        self._render()

    def _on_controller_runStarted(self, _info) -> None:
        self._set_healthy(False)

    def _on_controller_runFinished(self, result) -> None:
        status = getattr(result, "status", "")
        if self._render_timer.isActive():   # the last findings are shown when the Run ends
            self._render()
        self._set_healthy(status in HEALTHY_ENDINGS and not self._findings)

    def _on_controller_historyCleared(self) -> None:
        self._set_healthy(False)

    def _on_staleness_staleChanged(self, stale: bool) -> None:
        from .staleness import STALE_TEXT
        reason = self.controller.staleness.reason if stale else ""
        self.stale_note.setText(f"{STALE_TEXT}: {reason}." if stale else "")
        self.stale_note.setVisible(stale)
        self._render()

    def is_stale(self) -> bool:
        return self.stale_note.isVisibleTo(self)

    def _on_document_checkUpdated(self, _check) -> None:
        self._design = list(getattr(self.document, "lint_findings", []))
        self._render()

    def _set_healthy(self, healthy: bool) -> None:
        if healthy != self._healthy:
            self._healthy = healthy
            self._render()

    # -- drawing ----------------------------------------------------------------------------------
    def _render(self) -> None:
        self._render_timer.stop()
        expanded = {self._key(self.tree.topLevelItem(i).data(0, ROLE))
                    for i in range(self.tree.topLevelItemCount()) if self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()
        grouped = bool(self._design)
        if grouped:
            self._add_heading(f"Design ({len(self._design)})",
                              "What the architecture lint noticed before training: click one to see its node")
            for f in self._design:
                self._add_finding(f, expanded)
            self._add_heading("Training curves", "What LossLab reads in the loss curves of the current training")
            if not self._findings:
                self._add_note(self.empty_text())
        for f in self._findings:
            self._add_finding(f, expanded)
            if self.stale_note.isVisibleTo(self):
                item = self.tree.topLevelItem(self.tree.topLevelItemCount() - 1)
                item.setForeground(0, self.palette().brush(self.palette().ColorGroup.Disabled,
                                                           self.palette().ColorRole.Text))
        empty = not grouped and not self._findings
        self.placeholder.setText(self.empty_text())
        self.placeholder.setVisible(empty)
        self.tree.setVisible(not empty)
        self._wrap()

    def _add_finding(self, f, expanded: set) -> None:
        item = QTreeWidgetItem([f.message])
        item.setData(0, TEXT_ROLE, f.message)
        item.setData(0, ROLE, f)
        item.setIcon(0, self.style().standardIcon(ICONS.get(f.severity, ICONS["info"])))
        item.setToolTip(0, f"{f.message}\n\nTry: {f.suggestion}" if f.suggestion else f.message)
        for text in self._details(f):
            child = QTreeWidgetItem([text])
            child.setData(0, TEXT_ROLE, text)
            child.setToolTip(0, text)
            item.addChild(child)
        if f.evidence:
            evidence = QTreeWidgetItem([f"Evidence ({len(f.evidence)} numbers)"])
            evidence.setData(0, TEXT_ROLE, evidence.text(0))
            evidence.setToolTip(0, "The numbers the rule decided on; hover one for its definition")
            for text, tip, key in plain_evidence(f.evidence):
                row = QTreeWidgetItem([text])
                row.setData(0, TEXT_ROLE, text)
                row.setData(0, ROLE, key)
                row.setToolTip(0, tip)
                evidence.addChild(row)
            item.addChild(evidence)
        self.tree.addTopLevelItem(item)
        item.setExpanded(self._key(f) in expanded)

    def _add_heading(self, text: str, tip: str) -> None:
        item = QTreeWidgetItem([text])
        item.setData(0, TEXT_ROLE, text)
        item.setToolTip(0, tip)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)        # not selectable: a heading, not a finding
        font = QFont(self.tree.font())
        font.setBold(True)
        item.setFont(0, font)
        self.tree.addTopLevelItem(item)
        item.setFirstColumnSpanned(True)

    def _add_note(self, text: str) -> None:
        item = QTreeWidgetItem([text])
        item.setData(0, TEXT_ROLE, text)
        item.setToolTip(0, text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)           # drawn greyed, like the placeholder
        self.tree.addTopLevelItem(item)

    def _wrap(self, force: bool = True) -> None:
        """Break long lines to the tree's width (QTreeWidget elides instead of wrapping)."""
        metrics = self.tree.fontMetrics()
        avg = max(1, metrics.averageCharWidth())
        width = self.tree.viewport().width() - 2 * self.tree.indentation() - 24
        chars = max(24, width // avg)
        if not force and chars == self._wrap_chars:
            return
        self._wrap_chars = chars
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            children = [top.child(k) for k in range(top.childCount())]
            grandchildren = [c.child(k) for c in children for k in range(c.childCount())]
            for item in [top] + children + grandchildren:
                raw = item.data(0, TEXT_ROLE) or ""
                item.setText(0, textwrap.fill(raw, chars) if len(raw) > chars else raw)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        # the tree's viewport, not this panel: when the panel hears of a resize, its layout has not
        # resized the tree yet and the lines would be wrapped to the old width
        if event.type() == QEvent.Type.Resize:
            self._wrap(force=False)
        return False

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
        return out
