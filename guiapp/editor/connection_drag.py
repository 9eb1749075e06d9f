"""Connecting two layers by dragging from a port: the rubber-band edge and the port it would join."""
from __future__ import annotations

from PySide6.QtCore import QPointF

from . import commands
from .edge_item import PendingEdgeItem
from .node_item import PortItem
from .scene_hits import node_at


class ConnectionDrag:
    """The rubber-band edge of ``scene`` while a port is dragged; ``finish`` connects through a command."""

    def __init__(self, scene):
        self.scene = scene
        self.pending: PendingEdgeItem | None = None
        self.port: PortItem | None = None
        self.hot_port: PortItem | None = None

    @property
    def active(self) -> bool:
        return self.pending is not None

    def begin(self, port: PortItem) -> None:
        """Start the rubber-band edge at ``port``."""
        self.cancel()
        start = port.node.output_point() if port.kind == "out" else port.node.input_point()
        self.port = port
        self.pending = PendingEdgeItem(start, port.kind == "out")
        self.scene.addItem(self.pending)

    def drag_to(self, pos: QPointF) -> None:
        """Follow the mouse and light up the port the edge would join."""
        if self.pending is None:
            return
        self.pending.follow(pos)
        target = node_at(self.scene, pos)
        want = "in" if self.port.kind == "out" else "out"
        port = getattr(target, f"{want}_port", None) if target is not None else None
        if port is not self.hot_port:
            if self.hot_port is not None:
                self.hot_port._set_hot(False)
            self.hot_port = port
            if port is not None:
                port._set_hot(True)

    def finish(self, pos: QPointF) -> bool:
        """Connect the dragged port to the node under ``pos``; False when nothing was connected."""
        port = self.port
        self.cancel()
        if port is None:
            return False
        target = node_at(self.scene, pos)
        if target is None or target is port.node:
            return False
        src, dst = (port.node, target) if port.kind == "out" else (target, port.node)
        return commands.connect(self.scene.document, src.node_id, dst.node_id)

    def cancel(self) -> None:
        if self.hot_port is not None:
            self.hot_port._set_hot(False)
            self.hot_port = None
        if self.pending is not None:
            self.scene.removeItem(self.pending)
        self.pending, self.port = None, None
