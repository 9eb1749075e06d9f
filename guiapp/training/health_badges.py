"""``HealthBadges``: each node's training health as a badge on the canvas (ok / watch / problem,
the numbers and a sparkline over the run in its tooltip), from the last health probe of each
finished epoch. A fresh run or a
Reset clears them; a node the probe did not measure shows none."""
from __future__ import annotations

from PySide6.QtCore import QObject

import math

from core.health.grade import grade_nodes, trend_statistic

from .. import turns


class HealthBadges(QObject):
    """Listens to the controller's epochs (None: only replays) and sets the badges of ``canvas``'s node items."""

    def __init__(self, controller, canvas, parent=None):
        super().__init__(parent or canvas)
        self.canvas = canvas
        self.levels: dict[str, str] = {}     # what the badges show now
        self.trends: dict[str, list[float]] = {}  # each node's trend statistic, probe by probe (a sparkline)
        self._before: dict[str, int] = {}    # the sparklines' lengths when this run started
        self._due: tuple | None = None       # (nodes, step) of the latest probe, until its turn shows it
        if controller is None:                # replay only (a stored run's series: show_series)
            return
        controller.epochEnded.connect(self._on_controller_epochEnded)
        controller.historyCleared.connect(self._on_controller_historyCleared)
        controller.runStarted.connect(self._on_controller_runStarted)
        controller.runFinished.connect(self._on_controller_runFinished)

    def show_probe(self, nodes: dict, step: int | None = None, *, shown: bool = True) -> None:
        """Badges for one probe's ``{node: {statistic: value}}``; nodes not in it lose theirs.
        ``shown=False`` only adds the probe to the sparklines."""
        for nid, stats in nodes.items():
            v = stats.get(trend_statistic(stats))
            self.trends.setdefault(nid, []).append(v if isinstance(v, (int, float)) else math.nan)
        if shown:
            self._grade(nodes, step)

    def _grade(self, nodes: dict, step: int | None) -> None:
        graded = grade_nodes(nodes, step, self.trends)
        self.levels = {n: level for n, (level, _) in graded.items()}
        for nid, item in self.canvas.graph_scene.nodes.items():
            level, tip = graded.get(nid, (None, ""))
            item.health.show_level(level, tip)

    def show_series(self, probes: list[dict], upto: int) -> None:
        """Replay: the badges of ``probes[upto]`` (each ``{"step", "nodes": {...}}``, a stored run's or the
        live run's per-epoch probes), with sparklines over ``probes[:upto + 1]``."""
        self.trends = {}
        for k, probe in enumerate(probes[:upto + 1]):
            self.show_probe(probe.get("nodes", {}), probe.get("step"), shown=k == upto)

    def _on_controller_epochEnded(self, record) -> None:
        # every probe joins the sparklines; the badges show the latest of a drain's epochs, in a turn of
        # their own (grading each epoch, and the canvas' paint in the drain's turn, cost the GUI thread)
        probe = getattr(record, "health", None)
        if probe:
            self.show_probe(probe.get("nodes", {}), probe.get("step"), shown=False)
            self._due = (probe.get("nodes", {}), probe.get("step"))
            turns.later(self._show_due, key=(id(self), "badges"), owner=self)

    def _show_due(self) -> None:
        if self._due is not None:
            (nodes, step), self._due = self._due, None
            self._grade(nodes, step)

    def _on_controller_runStarted(self, info) -> None:
        self._before = {n: len(v) for n, v in self.trends.items()}

    def _on_controller_runFinished(self, result) -> None:
        """The sparklines take every probe of the run (the epochs carried only each one's last), and
        the badges show the last probe, on the final weights."""
        series = getattr(result, "health", None) or []
        if not series:
            self._show_due()
            return
        self._due = None                      # the run's own series below ends on its last probe
        self.trends = {n: v[:self._before.get(n, 0)] for n, v in self.trends.items()}
        for k, probe in enumerate(series):
            self.show_probe(probe.to_dict()["nodes"], probe.step, shown=k == len(series) - 1)

    def _on_controller_historyCleared(self) -> None:
        self._due = None
        if self.levels:           # a Run starts: the canvas loses its badges in a turn of its own (a
            turns.hold_paints(self.canvas)   # 10-15 ms paint), not beside the plots' and the controls'
        self.levels, self.trends, self._before = {}, {}, {}
        for item in self.canvas.graph_scene.nodes.values():
            item.health.show_level(None)
