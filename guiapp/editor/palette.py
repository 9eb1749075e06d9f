"""The layer palette: catalog layers grouped by category, searchable, a drag source for the canvas."""
from __future__ import annotations

import html
from typing import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from core.catalog import LAYERS

from .style import category_icon
from ..theme import accent

#: MIME type of a layer dragged from the palette; the data is the layer's type name (UTF-8)
LAYER_MIME = "application/x-losslab-layer"
_TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def layer_mime(type_name: str) -> QMimeData:
    """The drag payload for one layer type (also what tests build to simulate a drop)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


class _LayerTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 - Qt's name
        names = [i.data(0, _TYPE_ROLE) for i in items if i.data(0, _TYPE_ROLE)]
        return layer_mime(names[0]) if names else QMimeData()


class LayerPalette(QWidget):
    """Every catalog layer by category. Drag one onto the canvas; double-click (or Enter) emits
    ``layerActivated(type_name)``, which the main window connects to ``GraphCanvas.add_layer``."""

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = _LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        self.doc = QLabel(self)
        self.doc.setWordWrap(True)
        self.doc.setTextFormat(Qt.TextFormat.RichText)
        self.doc.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.doc.setMinimumHeight(72)
        self.doc.setStyleSheet(f"color: {accent('muted')}; padding: 2px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.doc)
        self._fill()
        self._show_hint()
        self.search.textChanged.connect(self._on_search_text_changed)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)

    def _fill(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        for category, entries in LAYERS.by_category().items():
            top = QTreeWidgetItem([category])
            top.setIcon(0, category_icon(category))
            top.setFont(0, bold)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(top)
            for entry in entries:
                child = QTreeWidgetItem([entry.name])
                child.setIcon(0, category_icon(category, 16))
                child.setData(0, _TYPE_ROLE, entry.name)
                child.setToolTip(0, f"<b>{html.escape(entry.name)}</b> <i>({html.escape(category)})</i>"
                                    f"<p>{html.escape(entry.doc)}</p>")
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                               | Qt.ItemFlag.ItemIsDragEnabled)
                top.addChild(child)
        self.tree.expandAll()

    def layer_names(self, visible_only: bool = True) -> list[str]:
        """The layer types listed (those the search leaves visible, by default)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                child = top.child(j)
                if not visible_only or not (child.isHidden() or top.isHidden()):
                    out.append(child.data(0, _TYPE_ROLE))
        return out

    def _show_hint(self) -> None:
        self.doc.setText("<small>Drag a layer onto the canvas: onto a layer, or just below it, to insert it "
                         "after that layer. Double-click adds it after the selected layer.</small>")

    # -- slots ----------------------------------------------------------------------------------------
    def _on_search_text_changed(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            shown = 0
            for j in range(top.childCount()):
                child = top.child(j)
                entry = LAYERS.get(child.data(0, _TYPE_ROLE))
                hay = f"{entry.name} {entry.category} {entry.doc}".lower()
                match = all(w in hay for w in words)
                child.setHidden(not match)
                shown += match
            top.setHidden(shown == 0)
        self.tree.expandAll()

    def _on_tree_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        name = item.data(0, _TYPE_ROLE)
        if name:
            self.layerActivated.emit(name)

    def _on_tree_current_changed(self, item: QTreeWidgetItem | None, previous) -> None:
        name = item.data(0, _TYPE_ROLE) if item is not None else None
        if not name:
            self._show_hint()
            return
        entry = LAYERS.get(name)
        self.doc.setText(f"<b>{html.escape(entry.name)}</b><br><small>{html.escape(entry.doc)}</small>")
