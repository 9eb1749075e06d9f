"""``HealthLink``: feeds the health view from the live run (each epoch's last probe, then
the run's every probe when it ends) and from a
stored run (the run store's per-epoch health series), and replays the picked probe on the canvas
badges. A click on a row of the view selects that node on the canvas."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class HealthLink(QObject):
    """Between the training controller, the health view, the canvas and its badges."""

    said = Signal(str)      # a message for the status bar

    def __init__(self, view, canvas, badges=None, controller=None, parent=None):
        super().__init__(parent)
        self.view, self.canvas, self.badges = view, canvas, badges
        self.live: list[dict] = []
        view.nodeClicked.connect(self._on_view_nodeClicked)
        view.probePicked.connect(self._on_view_probePicked)
        canvas.selectionChangedTo.connect(lambda ids: view.highlight_node(ids[0] if ids else None))
        if controller is not None:
            controller.epochEnded.connect(self._on_controller_epochEnded)
            controller.historyCleared.connect(self._on_controller_historyCleared)
            controller.runStarted.connect(self._on_controller_runStarted)
            controller.runFinished.connect(self._on_controller_runFinished)

    def show_run(self, record) -> bool:
        """Show a stored run's health series (a :class:`core.runs.RunRecord`); False when it has none."""
        probes = [dict(row["health"]) for row in record.history if row.get("health")]
        if not probes:
            self.said.emit(f"Run {record.name!r} has no health series (recorded with health monitoring off).")
            return False
        self.view.set_probes(probes, record.name)
        self.said.emit(f"Health of run {record.name!r}: {len(probes)} epochs; pick one with the slider.")
        return True

    def show_live(self) -> None:
        self.view.set_probes(self.live, "live")

    def _on_controller_runStarted(self, _info) -> None:
        if self.view.source != "live":
            self.show_live()

    def _on_controller_epochEnded(self, record) -> None:
        probe = getattr(record, "health", None)
        if probe:
            self.live.append(dict(probe))
            self.view.add_probe(self.live[-1])

    def _on_controller_runFinished(self, result) -> None:
        """The epochs carried only each one's last probe: the run's whole series replaces this run's part."""
        series = [p.to_dict() for p in getattr(result, "health", None) or []]
        if not series:
            return
        first = series[0]["step"]
        self.live = [p for p in self.live if p.get("step", 0) < first] + series
        if self.view.source == "live":
            self.view.set_probes(self.live, "live", emit=False)   # the badges show the last probe already

    def _on_controller_historyCleared(self) -> None:
        self.live = []
        if self.view.source == "live":
            self.view.clear()

    def _on_view_nodeClicked(self, node: str) -> None:
        if node in self.canvas.graph_scene.nodes:
            self.canvas.select_nodes([node])
            self.canvas.ensureVisible(self.canvas.graph_scene.nodes[node], 40, 40)
        else:
            self.said.emit(f"Node {node} is not in this project's graph (the run had another one).")

    def _on_view_probePicked(self, k: int) -> None:
        if self.badges is not None and 0 <= k < len(self.view.probes):
            self.badges.show_series(self.view.probes, k)
