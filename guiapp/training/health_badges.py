"""``HealthBadges``: each node's training health as a badge on the canvas (ok / watch / problem,
the numbers in its tooltip), from the last health probe of each finished epoch. A fresh run or a
Reset clears them; a node the probe did not measure shows none."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.health.grade import grade_nodes


class HealthBadges(QObject):
    """Listens to the controller's epochs and sets the badges of ``canvas``'s node items."""

    def __init__(self, controller, canvas, parent=None):
        super().__init__(parent or canvas)
        self.canvas = canvas
        self.levels: dict[str, str] = {}     # what the badges show now
        controller.epochEnded.connect(self._on_controller_epochEnded)
        controller.historyCleared.connect(self._on_controller_historyCleared)

    def show_probe(self, nodes: dict, step: int | None = None) -> None:
        """Badges for one probe's ``{node: {statistic: value}}``; nodes not in it lose theirs."""
        graded = grade_nodes(nodes, step)
        self.levels = {n: level for n, (level, _) in graded.items()}
        for nid, item in self.canvas.graph_scene.nodes.items():
            level, tip = graded.get(nid, (None, ""))
            item.health.show_level(level, tip)

    def _on_controller_epochEnded(self, record) -> None:
        probe = getattr(record, "health", None)
        if probe:
            self.show_probe(probe.get("nodes", {}), probe.get("step"))

    def _on_controller_historyCleared(self) -> None:
        self.levels = {}
        for item in self.canvas.graph_scene.nodes.values():
            item.health.show_level(None)
