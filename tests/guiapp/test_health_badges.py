"""Health badges on the canvas: each node's ok / watch / problem dot with its numbers in the tooltip,
from a real training run's probes; a Reset clears them."""
from __future__ import annotations

import pytest

from core.health.grade import grade_nodes, sparkline
from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor.canvas import GraphCanvas
from guiapp.training import TrainingController
from guiapp.training.health_badges import HealthBadges
from tests.conftest import EXAMPLES


def test_levels_follow_the_numbers():
    graded = grade_nodes({
        "relu": {"mean": 0.0, "std": 0.0, "dead": 1.0},
        "tanh": {"mean": 0.1, "std": 0.9, "saturated": 0.5},
        "fc1": {"mean": 0.0, "std": 1.0, "grad_norm": 1e-9, "update_ratio": 1e-6},
        "out": {"mean": 0.0, "std": 1.0, "grad_norm": 0.5, "update_ratio": 0.002},
    }, step=40)
    assert {n: level for n, (level, _) in graded.items()} == {
        "relu": "problem", "tanh": "watch", "fc1": "problem", "out": "ok"}
    assert "dead units: 100%" in graded["relu"][1] and "step 40" in graded["relu"][1]
    assert "update / weight 0.002" in graded["out"][1]


def test_a_sparkline_rises_with_its_values():
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([1e-6, 1e-3, 1.0], log=True) == "▁▅█"
    assert sparkline([0.0, 0.0]) == "▁▁" and sparkline([]) == ""
    graded = grade_nodes({"relu": {"dead": 0.9}}, history={"relu": [0.1, 0.5, 0.9]})
    assert graded["relu"][1].endswith("dead over the run: ▁▅█")


@pytest.fixture
def window_parts(qtbot):
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    doc = project.to_dict()
    doc["training"]["epochs"] = 3
    document = ProjectDocument(Project.from_dict(doc))
    canvas = GraphCanvas(document)
    qtbot.addWidget(canvas)
    controller = TrainingController(document)
    badges = HealthBadges(controller, canvas)
    yield canvas, controller, badges
    assert controller.stop_and_wait(2.0)


def test_a_run_puts_a_badge_on_every_node_and_reset_clears_them(qtbot, window_parts):
    canvas, controller, badges = window_parts
    with qtbot.waitSignal(controller.runFinished, timeout=60_000) as finished:
        assert controller.run()
    result = finished.args[0]
    nodes = canvas.graph_scene.nodes
    assert set(badges.levels) == set(nodes)
    for nid, item in nodes.items():
        assert item.health.isVisible() and item.health.level in ("ok", "watch", "problem")
        assert item.health.toolTip().startswith("health: ")
    assert "gradient norm" in nodes["fc1"].health.toolTip() and "dead units" in nodes["relu1"].health.toolTip()
    # the badges end on the final probe, and the sparkline holds every probe of the run
    assert nodes["relu1"].health.toolTip().startswith(f"health: ") and f"at step {result.steps}" in \
        nodes["relu1"].health.toolTip()
    assert len(badges.trends["relu1"]) == len(result.health) >= 2
    assert "dead over the run: " in nodes["relu1"].health.toolTip()
    with qtbot.waitSignal(controller.historyCleared):
        controller.reset()
    assert not any(item.health.isVisible() for item in nodes.values()) and badges.levels == {}


def test_a_reset_repaints_the_canvas_in_a_turn_of_its_own(qtbot, window_parts):
    """The badges leave the canvas in a turn after the one that starts a Run (a 10-15 ms paint beside
    the plots' and the controls' held the window past 50 ms)."""
    from guiapp import turns
    canvas, controller, badges = window_parts
    with qtbot.waitSignal(controller.runFinished, timeout=60_000):
        assert controller.run()
    assert badges.levels
    controller.reset()
    assert not canvas.updatesEnabled()                      # keeps its pixels for now
    qtbot.waitUntil(turns.settled)
    assert canvas.updatesEnabled()
    assert not any(item.health.isVisible() for item in canvas.graph_scene.nodes.values())
    controller.reset()                                      # no badges: nothing to hold
    assert canvas.updatesEnabled()


def test_while_training_the_badges_show_the_latest_probe_after_the_drain(qtbot, window_parts):
    """Each epoch's probe joins the sparklines; the badges are graded once per drain, in a turn after
    it; at the end they show the run's last probe."""
    from guiapp import turns
    canvas, controller, badges = window_parts
    shown = []
    controller.epochEnded.connect(lambda _r: shown.append(dict(badges.levels)))
    assert controller.step_epoch()
    qtbot.waitUntil(controller.is_parked, timeout=30_000)
    assert shown == [{}]                                    # not graded in the drain's turn
    qtbot.waitUntil(turns.settled)
    assert set(badges.levels) == set(canvas.graph_scene.nodes)
    assert len(badges.trends["relu1"]) == 1
    with qtbot.waitSignal(controller.runFinished, timeout=60_000) as finished:
        controller.pause_action.setChecked(False)
    qtbot.waitUntil(turns.settled)                          # a probe waiting then was dropped: the run's own
    assert set(badges.levels) == set(canvas.graph_scene.nodes)
    assert f"at step {finished.args[0].steps}" in canvas.graph_scene.nodes["relu1"].health.toolTip()
