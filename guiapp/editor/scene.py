"""The graph scene: node and edge items that follow the document's events (node added / removed /
renamed / params changed, edge added / removed, nodes moved, outputs changed: nothing is diffed or
guessed here), port drags that connect layers, and node drags that move them (one undo step per drag)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from ..theme import scheme
from . import commands
from .connection_drag import ConnectionDrag
from .edge_item import EdgeItem
from core.layout import Pos, tidy_positions
from .node_item import NodeItem, PortItem


def _head_of(project, node_id: str) -> str | None:
    """The loss of the output head on ``node_id`` (shown on its card), or None."""
    return next((o.loss.type for o in project.outputs if o.node == node_id), None)


class GraphScene(QGraphicsScene):
    """Items for the document's model graph. ``nodes`` maps node id -> :class:`NodeItem`,
    ``edges`` maps ``(src, dst)`` -> :class:`EdgeItem`."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self._auto: dict[str, Pos] = {}   # where nodes without a stored position are shown (not saved)
        self.connection = ConnectionDrag(self)   # the rubber-band edge dragged from a port
        self._press: dict[str, QPointF] = {}
        self._hint: NodeItem | None = None
        self.dragging_nodes = False   # a mouse drag is moving nodes: they snap to the grid
        self._shown: dict[str, tuple] = {}   # what each item shows from the check (to skip unchanged ones)
        self._grid_key: tuple[int, int] | None = None   # the background's dot grid, kept per exposed size
        self._grid = QPolygonF()
        self._connect(document)
        self.rebuild()

    # -- following the document's events -------------------------------------------------------------
    def _connect(self, d) -> None:
        d.nodeAdded.connect(self._on_document_nodeAdded)
        d.nodeRemoved.connect(self._on_document_nodeRemoved)
        d.nodeRenamed.connect(self._on_document_nodeRenamed)
        d.nodeParamsChanged.connect(self._on_document_nodeParamsChanged)
        d.edgeAdded.connect(self._on_document_edgeAdded)
        d.edgeRemoved.connect(self._on_document_edgeRemoved)
        d.nodesMoved.connect(self._on_document_nodesMoved)
        d.outputsChanged.connect(self._on_document_outputsChanged)
        d.checkUpdated.connect(self.apply_check)

    def rebuild(self) -> None:
        """Drop every item and build the scene again (a different project was loaded)."""
        self.connection.cancel()
        for e in self.edges.values():
            self.removeItem(e)
        for n in self.nodes.values():
            self.removeItem(n)
        self.nodes.clear()
        self.edges.clear()
        self._shown.clear()
        project = self.document.project
        self._auto = tidy_positions(project)
        for spec in project.model.nodes:
            self._add_node(spec.id)
        for a, b in project.model.edges:
            self._on_document_edgeAdded(a, b)
        self.apply_check(self.document.check)

    def position_of(self, node_id: str) -> Pos:
        """Where the node is shown: its stored position, else its tidy-layout position."""
        pos = self.document.node_position(node_id)
        if pos is None:
            if node_id not in self._auto:
                self._auto.update({k: v for k, v in tidy_positions(self.document.project).items()
                                   if k not in self._auto})
            pos = self._auto[node_id]
        return pos

    def _add_node(self, node_id: str) -> None:
        spec = self.document.project.model.node(node_id)
        item = self.nodes[node_id] = NodeItem(node_id, spec.type)
        self.addItem(item)
        item.set_spec(spec.params, _head_of(self.document.project, node_id))
        item.smalldata.show_settings(spec)
        item.setPos(*self.position_of(node_id))

    def _on_document_nodeAdded(self, node_id: str) -> None:
        self._add_node(node_id)

    def _on_document_nodeRemoved(self, node_id: str) -> None:
        for key in [k for k in self.edges if node_id in k]:
            self._on_document_edgeRemoved(*key)
        self._shown.pop(node_id, None)
        self._auto.pop(node_id, None)
        item = self.nodes.pop(node_id, None)
        if item is not None:
            if item is self._hint:
                self._hint = None
            self.removeItem(item)

    def _on_document_nodeRenamed(self, old: str, new: str) -> None:
        """The item (with its place and selection) stays; only its id changes."""
        item = self.nodes.pop(old)
        item.node_id = new
        self.nodes[new] = item
        if old in self._auto:
            self._auto[new] = self._auto.pop(old)
        self._shown.pop(old, None)
        for (a, b) in [k for k in self.edges if old in k]:
            edge = self.edges.pop((a, b))
            edge.key = (new if a == old else a, new if b == old else b)
            self.edges[edge.key] = edge
        item.update()

    def _on_document_nodeParamsChanged(self, node_id: str) -> None:
        spec = self.document.project.model.node(node_id)
        self.nodes[node_id].set_spec(spec.params, _head_of(self.document.project, node_id))
        self.nodes[node_id].smalldata.show_settings(spec)

    def _on_document_edgeAdded(self, src: str, dst: str) -> None:
        edge = self.edges[(src, dst)] = EdgeItem(self.nodes[src], self.nodes[dst])
        self.addItem(edge)
        edge.update_path()

    def _on_document_edgeRemoved(self, src: str, dst: str) -> None:
        edge = self.edges.pop((src, dst), None)
        if edge is not None:
            edge.detach()
            self.removeItem(edge)

    def _on_document_nodesMoved(self, ids: list) -> None:
        for nid in ids:
            item = self.nodes.get(nid)
            if item is None:
                continue
            x, y = self.position_of(nid)
            if (item.pos().x(), item.pos().y()) != (x, y):
                item.setPos(x, y)

    def _on_document_outputsChanged(self, ids: list) -> None:
        for nid in ids:
            if nid in self.nodes:
                self._on_document_nodeParamsChanged(nid)
        for nid in ids:
            for edge in self.nodes[nid].edges if nid in self.nodes else ():
                edge.update_path()   # a head tag makes the card taller: its outgoing edges start lower

    def apply_check(self, check) -> None:
        """Show inferred shapes, parameter counts and problem badges (``check`` may be None); only
        the items whose information changed are touched."""
        for nid, item in self.nodes.items():
            info = check.nodes.get(nid) if check is not None else None
            problems = check.problems_for(nid) if check is not None else []
            key = (info.out_shape if info else None, info.n_params if info else 0,
                   tuple((p.message, p.severity) for p in problems), check is not None, item.node_id)
            if self._shown.get(nid) == key:
                continue
            self._shown[nid] = key
            item.set_info(key[0], key[1], problems, key[3])
        for (a, _), edge in self.edges.items():
            info = check.nodes.get(a) if check is not None else None
            edge.set_shape_text(f"carries {info.out_shape}" if info and info.out_shape else "")

    # -- queries -----------------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Selected node ids, in the project's node order."""
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [n for n in self.document.project.model.ids() if n in chosen]

    def selected_edges(self) -> list[tuple[str, str]]:
        return [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def shown_positions(self) -> dict[str, Pos]:
        """Every node's position as shown."""
        return {nid: (item.pos().x(), item.pos().y()) for nid, item in self.nodes.items()}

    def unsaved_positions(self) -> dict[str, Pos]:
        """Shown positions of nodes whose position is not stored yet (saved with the next move)."""
        return {nid: p for nid, p in self.shown_positions().items() if self.document.node_position(nid) is None}

    def set_drop_hint(self, node: NodeItem | None) -> None:
        """Mark the node a dragged layer would be inserted after (None: no mark)."""
        if self._hint is not None and self._hint is not node and self._hint.scene() is self:
            self._hint.set_drop_hint(False)
        self._hint = node
        if node is not None:
            node.set_drop_hint(True)

    def items_rect(self) -> QRectF:
        """The nodes' extent (one C++ call over the scene's index; edges lie between nodes)."""
        return self.itemsBoundingRect() if self.nodes else QRectF()

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            port = next((i for i in self.items(event.scenePos()) if isinstance(i, PortItem)), None)
            if port is not None:
                self.connection.begin(port)
                event.accept()
                return
        super().mousePressEvent(event)
        self._press = {i.node_id: i.pos() for i in self.selectedItems() if isinstance(i, NodeItem)}
        self.dragging_nodes = bool(self._press)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self.connection.active:
            self.connection.drag_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self.connection.active:
            self.connection.finish(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self.dragging_nodes = False
        self.commit_moves()

    def commit_moves(self) -> bool:
        """Store the positions of the nodes dragged since the mouse press (one undo step)."""
        press, self._press = self._press, {}
        moved = [nid for nid, p in press.items() if nid in self.nodes and self.nodes[nid].pos() != p]
        if not moved:
            return False
        positions = self.unsaved_positions()
        positions.update({nid: (self.nodes[nid].pos().x(), self.nodes[nid].pos().y()) for nid in moved})
        return commands.move_nodes(self.document, positions, moved, commands.new_drag_key())

    # -- look --------------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt's name
        dark = scheme() == "dark"   # the node cards stay light: they read as cards on either canvas
        painter.fillRect(rect, QColor("#232428" if dark else "#f4f6f8"))
        step = 20.0
        scale = painter.worldTransform().m11()
        if scale < 0.45:
            return
        painter.setPen(QPen(QColor("#3c3f45" if dark else "#cfd8dc"), 1.6 / max(scale, 0.1)))
        x0 = int(rect.left() // step) * step
        y0 = int(rect.top() // step) * step
        nx, ny = int((rect.right() - x0) // step) + 1, int((rect.bottom() - y0) // step) + 1
        # one grid of nx x ny dots at the origin, kept while the exposed size stays: a repaint (every
        # edit, every pan) only translates it instead of building a point per dot in Python
        if self._grid_key != (nx, ny):
            self._grid_key = (nx, ny)
            self._grid = QPolygonF([QPointF(i * step, j * step) for j in range(ny) for i in range(nx)])
        painter.save()
        painter.translate(x0, y0)
        painter.drawPoints(self._grid)
        painter.restore()

