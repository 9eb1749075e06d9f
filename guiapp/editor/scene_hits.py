"""What lies under a point of the graph scene: the node there, or the node a dropped layer joins."""
from __future__ import annotations

from PySide6.QtCore import QPointF

from core.layout import ROW

from .node_item import NodeItem, PortItem


def node_at(scene, pos: QPointF) -> NodeItem | None:
    """The node (card or port) under a scene point."""
    for item in scene.items(pos):
        if isinstance(item, PortItem):
            return item.node
        if isinstance(item, NodeItem):
            return item
    return None

def anchor_at(scene, pos: QPointF) -> NodeItem | None:
    """The node a layer dropped at ``pos`` is inserted after: the node under it, or the nearest
    node right above it (within one row)."""
    hit = node_at(scene, pos)
    if hit is not None:
        return hit
    best, best_dy = None, ROW
    for item in scene.nodes.values():
        card = item.card_rect()
        dy = pos.y() - card.bottom()
        if card.left() - 24 <= pos.x() <= card.right() + 24 and 0 <= dy < best_dy:
            best, best_dy = item, dy
    return best
