"""The architecture canvas: a zoomable, pannable view of the model graph that layers are dropped on.

Mouse: drag a layer from the palette onto the canvas (onto or just below a node to insert it after
that node); drag from a node's bottom port to another node's top port to connect; click or
rubber-band to select; drag nodes to move them; wheel to zoom; middle button or Space+drag to pan;
right-click for a menu. Keyboard: see ``edit_actions``.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QAction, QCursor, QPainter
from PySide6.QtWidgets import QGraphicsView, QMenu

from core.catalog import LAYERS

from .. import turns
from . import commands
from core import graph_edits as G
from .canvas_actions import CanvasActions
from core.layout import NODE_H, NODE_W, ROW, Pos
from .layer_defaults import new_layer_params
from .scene_hits import anchor_at, node_at
from .palette import LAYER_MIME
from .extent import SceneExtent
from .scene import GraphScene
from .style import category_icon
from .view import PanZoomView


#: the smallest zoom at which node text stays legible (the automatic fit never goes below it)
READABLE_ZOOM = 0.7
MAX_FIT_ZOOM = 1.25
FIT_MARGIN = 20.0  # scene units around the network (node bounding boxes already pad their ports)


def _is_input(type_name: str) -> bool:
    """The layer is fed by the data (it is never inserted after another layer)."""
    entry = LAYERS.find(type_name)
    return entry is not None and entry.is_input


def _snap(v: float) -> float:
    return round(v / 10.0) * 10.0


class GraphCanvas(PanZoomView):
    """The model graph of ``document`` as a node editor.

    ``edit_actions`` (Cut, Copy, Paste, Duplicate, Delete, Select All, Toggle Output Head, Tidy
    Layout, with separators) and ``view_actions`` (Fit to View, Zoom In/Out) are for the main
    window's menus; their
    shortcuts work while the canvas has focus.
    """

    selectionChangedTo = Signal(list)   # ids of the selected nodes, in project order

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.graph_scene = GraphScene(document, self)
        self.setScene(self.graph_scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 200)
        self._actions = CanvasActions(self)
        self.edit_actions: list[QAction] = self._actions.all()
        self.view_actions: list[QAction] = self._actions.view()
        self._selection: list[str] = []
        self.extent = SceneExtent(self, self.graph_scene, document)
        document.graphChanged.connect(self._on_document_graphChanged)
        document.projectReplaced.connect(self._on_document_project_replaced)
        self.graph_scene.selectionChanged.connect(self._on_scene_selection_changed)
        self._update_scene_rect()
        self._actions.update_enabled([])

    # -- adding layers ------------------------------------------------------------------------------
    def add_layer(self, type_name: str, after: str | None = None, pos: Pos | None = None) -> str | None:
        """Add a layer: after ``after`` (default: the one selected node) and below it, else at ``pos``
        or in a free spot in view. The new node is selected, so repeated adds build a stack."""
        if after is None and pos is None:
            selected = self.selected_node_ids()
            after = selected[0] if len(selected) == 1 else None
        return self._add(type_name, after, pos)

    def drop_layer(self, type_name: str, scene_pos: QPointF) -> str | None:
        """What a drop from the palette does: insert after the node under or just above
        ``scene_pos``, else place the layer there unconnected."""
        anchor = anchor_at(self.graph_scene, scene_pos) if not _is_input(type_name) else None
        if anchor is not None:
            return self._add(type_name, anchor.node_id, None)
        return self._add(type_name, None, (_snap(scene_pos.x() - NODE_W / 2), _snap(scene_pos.y() - 20)))

    def _add(self, type_name: str, after: str | None, pos: Pos | None) -> str | None:
        moves: dict[str, Pos] = {}
        if after is not None and _is_input(type_name):
            after = None
        if after is not None and after in self.graph_scene.nodes and pos is None:
            pos, moves = self._room_below(after)
        elif pos is None:
            pos = self._free_spot()
        params = new_layer_params(self.document.project, self.document.dataset, type_name, after)
        node_id = commands.add_node(self.document, type_name, pos, after, params=params, moves=moves)
        if node_id:
            self.select_nodes([node_id])
            self.ensureVisible(self.graph_scene.nodes[node_id], 40, 40)
        return node_id

    def _room_below(self, anchor_id: str) -> tuple[Pos, dict[str, Pos]]:
        """Where a node inserted after ``anchor_id`` goes, and the nodes below it pushed down a row."""
        card = self.graph_scene.nodes[anchor_id].card_rect()
        pos = (card.left(), _snap(card.bottom() + ROW - NODE_H))
        shown = self.graph_scene.shown_positions()
        moves = self.graph_scene.unsaved_positions()
        below = [n for n in G.descendants(self.document.project, anchor_id) if shown[n][1] >= pos[1] - NODE_H / 2]
        moves.update({n: (shown[n][0], shown[n][1] + ROW) for n in below})
        return pos, moves

    def _free_spot(self) -> Pos:
        centre = self.mapToScene(self.viewport().rect().center())
        x, y = _snap(centre.x() - NODE_W / 2), _snap(centre.y() - NODE_H / 2)
        taken = [item.card_rect().adjusted(-10, -10, 10, 10) for item in self.graph_scene.nodes.values()]
        while any(r.contains(QPointF(x + NODE_W / 2, y + NODE_H / 2)) or r.contains(QPointF(x, y)) for r in taken):
            y += ROW / 2
        return x, y

    # -- selection ----------------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes, in project order."""
        return self.graph_scene.selected_node_ids()

    def select_nodes(self, ids: list[str]) -> None:
        """Select exactly these nodes."""
        with_signals = self.graph_scene.signalsBlocked()
        self.graph_scene.blockSignals(True)
        self.graph_scene.clearSelection()
        for nid in ids:
            if nid in self.graph_scene.nodes:
                self.graph_scene.nodes[nid].setSelected(True)
        self.graph_scene.blockSignals(with_signals)
        self._on_scene_selection_changed()

    def select_all(self) -> None:
        self.select_nodes(list(self.graph_scene.nodes))

    def highlight_node(self, node_id: str) -> None:
        """Centre the view on a node, select it and make it blink (for the findings panel)."""
        item = self.graph_scene.nodes.get(node_id)
        if item is None:
            return
        self.select_nodes([node_id])
        self.view_touched = True
        self.centerOn(item)
        item.flash()

    # -- view ---------------------------------------------------------------------------------------
    def fit_to_view(self, readable: bool = False) -> None:
        """Zoom and scroll so the whole network shows (never magnified past 125%). With ``readable``
        (the automatic fit when a project opens) the zoom stays at least ``READABLE_ZOOM``: a network
        too tall for that shows its top, legible, and scrolls."""
        rect = self.graph_scene.items_rect()
        self.resetTransform()
        self.schedule_hint()   # a new zoom need not scroll or change the scene: say what is outside anyway
        if rect.isEmpty():
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN),
                       Qt.AspectRatioMode.KeepAspectRatio)
        zoom = self.zoom()
        if zoom > MAX_FIT_ZOOM or (readable and zoom < READABLE_ZOOM):
            self.resetTransform()
            zoom = MAX_FIT_ZOOM if zoom > MAX_FIT_ZOOM else READABLE_ZOOM
            self.scale(zoom, zoom)
        if readable and zoom == READABLE_ZOOM:
            half = self.viewport().height() / 2 / zoom
            self.centerOn(rect.center().x(), rect.top() - FIT_MARGIN + half)
        else:
            self.centerOn(rect.center())

    def paste_origin(self) -> Pos:
        """Where pasted layers go: under the mouse when it is over the canvas, else the view's centre."""
        local = self.viewport().mapFromGlobal(QCursor.pos())
        point = local if self.viewport().rect().contains(local) else self.viewport().rect().center()
        scene = self.mapToScene(point)
        return _snap(scene.x() - NODE_W / 2), _snap(scene.y() - 20)

    def _update_scene_rect(self) -> None:
        self.extent.update()

    # -- document and scene signals -------------------------------------------------------------------
    def _on_document_graphChanged(self) -> None:
        # the scene and its extent have followed the fine-grained events already; a node may have
        # left the selection
        self._on_scene_selection_changed()

    def _on_document_project_replaced(self) -> None:
        turns.hold_paints(self)          # every card is new: painted in a turn of its own after the Open's
        self.graph_scene.rebuild()
        self._update_scene_rect()
        self.view_touched = False
        if self.isVisible():
            self.fit_to_view(readable=True)

    def _on_scene_selection_changed(self) -> None:
        ids = self.selected_node_ids()
        self._actions.update_enabled(ids, bool(self.graph_scene.selected_edges()))
        if ids != self._selection:
            self._selection = ids
            self.selectionChangedTo.emit(ids)

    # -- Qt events ----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.view_touched:
            self.fit_to_view(readable=True)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self.view_touched and self.isVisible():  # docks settle after the first show
            self.fit_to_view(readable=True)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME):
            super().dragMoveEvent(event)
            return
        event.acceptProposedAction()
        pos = self.mapToScene(event.position().toPoint())
        is_input = _is_input(bytes(mime.data(LAYER_MIME)).decode("utf-8"))
        self.graph_scene.set_drop_hint(None if is_input else anchor_at(self.graph_scene, pos))

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.graph_scene.set_drop_hint(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        mime = event.mimeData()
        self.graph_scene.set_drop_hint(None)
        if not mime.hasFormat(LAYER_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(mime.data(LAYER_MIME)).decode("utf-8")
        event.acceptProposedAction()
        self.setFocus()
        self.drop_layer(type_name, self.mapToScene(event.position().toPoint()))

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt's name
        scene_pos = self.mapToScene(event.pos())
        node = node_at(self.graph_scene, scene_pos)
        if node is not None and node.node_id not in self.selected_node_ids():
            self.select_nodes([node.node_id])
        menu = QMenu(self)
        a = self._actions
        if node is not None:
            menu.addActions([a.toggle_output, a.duplicate, a.cut, a.copy, a.delete])
        else:
            add = menu.addMenu("Add Layer")
            at = (_snap(scene_pos.x() - NODE_W / 2), _snap(scene_pos.y() - 20))
            for category, entries in LAYERS.by_category().items():
                sub = add.addMenu(category_icon(category), category)
                for entry in entries:
                    act = sub.addAction(entry.name)
                    act.setToolTip(entry.doc)
                    act.triggered.connect(lambda _c=False, t=entry.name: self._add(t, None, at))
            menu.addActions([a.paste, a.delete])
            menu.addSeparator()
            menu.addActions([a.select_all, a.tidy, a.fit])
        menu.exec(event.globalPos())
        menu.deleteLater()        # a menu per right-click: never let them pile up under the canvas
