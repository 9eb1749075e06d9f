"""The canvas's scrollable extent: the nodes' bounding box plus a wide margin, kept as edits come.

Measuring the box is one C++ pass over every item (milliseconds on a 200-node graph), so it follows
the document's events instead of redrawing on each edit: nodes that came or moved grow it, nodes
that went measure it again, and a parameter, a rename or a wire leave it alone.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

#: room around the nodes to pan into (scene units)
MARGIN = 1500.0


class SceneExtent(QObject):
    """Keeps ``view``'s scene rect around ``scene``'s nodes, following ``document``'s events."""

    def __init__(self, view, scene, document):
        super().__init__(view)
        self.view, self.scene = view, scene
        self._added: list[str] = []
        self._stale = False
        document.nodeAdded.connect(self._on_document_nodeAdded)
        document.nodeRemoved.connect(self._on_document_nodeRemoved)
        document.graphChanged.connect(self._on_document_graphChanged)
        document.nodesMoved.connect(self._on_document_nodesMoved)

    def update(self) -> None:
        """Measure the nodes again (after a rebuild)."""
        self._stale, self._added = False, []
        rect = self.scene.items_rect()
        self.view.setSceneRect(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))

    def grow(self, ids: list[str]) -> None:
        """Take in the nodes ``ids`` (never shrinks)."""
        rect = self.view.sceneRect()
        for node_id in ids:
            item = self.scene.nodes.get(node_id)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))
        if rect != self.view.sceneRect():
            self.view.setSceneRect(rect)

    def _on_document_nodeAdded(self, node_id: str) -> None:
        self._added.append(node_id)

    def _on_document_nodeRemoved(self, _node_id: str) -> None:
        self._stale = True

    def _on_document_graphChanged(self) -> None:
        if self._stale:
            self.update()
        else:
            added, self._added = self._added, []
            self.grow(added)

    def _on_document_nodesMoved(self, ids: list) -> None:
        self.grow(ids)
