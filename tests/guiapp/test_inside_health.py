"""The health view: one statistic of every node over a run (rows = nodes, columns = probes), live and
for a stored run; a row click selects the node on the canvas, a column picks the probe the badges show."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from core.project import Project
from core.runs import open_store
from core.runs.recorder import RunRecorder
from core.training import train
from guiapp.document import ProjectDocument
from guiapp.editor.canvas import GraphCanvas
from guiapp.inside.health_view import HealthView, probe_rows
from guiapp.inside.replay import HealthLink
from guiapp.training.health_badges import HealthBadges
from tests.conftest import EXAMPLES

PROBES = [
    {"step": 1, "epoch": 1, "nodes": {"fc1": {"std": 1.0, "grad_norm": 0.5}, "relu1": {"std": 0.5, "dead": 0.0}}},
    {"step": 40, "epoch": 2, "nodes": {"fc1": {"std": 1.2, "grad_norm": 0.1}, "relu1": {"std": 0.0, "dead": 1.0}}},
]


def test_rows_hold_only_the_nodes_the_statistic_applies_to():
    nodes, values = probe_rows(PROBES, "dead")
    assert nodes == ["relu1"] and values.tolist() == [[0.0, 1.0]]
    nodes, values = probe_rows(PROBES, "std")
    assert nodes == ["fc1", "relu1"] and values.shape == (2, 2)
    nodes, values = probe_rows([{"nodes": {"a": {"dead": None}}}], "dead")
    assert nodes == [] and values.shape == (0, 1)


@pytest.fixture
def parts(qtbot):
    document = ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json"))
    canvas = GraphCanvas(document)
    view = HealthView()
    qtbot.addWidget(canvas)
    qtbot.addWidget(view)
    badges = HealthBadges(None, canvas)       # replay only
    link = HealthLink(view, canvas, badges)
    view.resize(500, 260)
    view.show()
    return canvas, view, badges, link


def _click(qtbot, rows, row: int, col: int) -> None:
    r = rows._plot()
    x = r.left() + (col + 0.5) * r.width() / len(rows.epochs)
    y = r.top() + (row + 0.5) * r.height() / len(rows.nodes)
    qtbot.mouseClick(rows, Qt.MouseButton.LeftButton, pos=QPointF(x, y).toPoint())


def test_a_click_selects_the_node_and_shows_that_probe_on_the_canvas(qtbot, parts):
    canvas, view, badges, link = parts
    view.set_statistic("dead")
    with qtbot.waitSignal(view.probePicked):
        view.set_probes(PROBES, "stored")
    relu = canvas.graph_scene.nodes["relu1"].health
    assert relu.level == "problem"                   # the last probe: every unit dead
    _click(qtbot, view.rows, 0, 0)
    assert canvas.selected_node_ids() == ["relu1"]
    assert relu.level == "ok" and view.slider.value() == 0 and "epoch 1" in view.epoch_label.text()
    view.slider.setValue(1)
    assert relu.level == "problem" and "dead over the run: ▁█" in relu.toolTip()
    view.set_statistic("grad_norm")                 # log scale: the rows are fc1's
    assert view.rows.nodes == ["fc1"] and view.rows.log


def test_a_stored_run_is_replayed_and_a_new_run_goes_back_to_live(qtbot, parts, tmp_path):
    canvas, view, badges, link = parts
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    doc = project.to_dict()
    doc["training"]["epochs"] = 12
    project = Project.from_dict(doc, base_dir=project.base_dir)
    with open_store(tmp_path / "runs") as store:
        recorder = RunRecorder(store, project, name="twelve epochs", save_weights=False)
        result = train(project, observer=recorder)
        record = store.get(recorder.run_id, steps=False)
    probed = [row for row in record.history if row.get("health")]
    assert probed and len(probed) < len(record.history)     # probes every N steps, not every epoch
    said = []
    link.said.connect(said.append)
    with qtbot.waitSignal(view.probePicked):
        assert link.show_run(record)
    assert view.source == "twelve epochs" and len(view.probes) == len(probed)
    assert view.rows.epochs == [row["epoch"] for row in probed]
    last = probed[-1]["health"]["nodes"]
    for nid, item in canvas.graph_scene.nodes.items():    # the badges show the run's last probe
        assert item.health.isVisible() == (nid in last)
    assert "twelve epochs" in said[-1]
    # a run without a series says so
    record.history = [{k: v for k, v in row.items() if k != "health"} for row in record.history]
    assert not link.show_run(record) and "no health series" in said[-1]
    assert result.status in ("completed", "early_stopped")


def test_a_value_that_is_not_finite_is_drawn_as_missing(qtbot, parts):
    canvas, view, badges, link = parts
    view.set_statistic("std")
    view.set_probes([{"step": 1, "epoch": 1, "nodes": {"fc1": {"std": math.nan}, "relu1": {"std": 0.2}}},
                     {"step": 9, "epoch": 2, "nodes": {"fc1": {"std": 0.4}, "relu1": {"std": math.inf}}}])
    assert view.rows.nodes == ["fc1", "relu1"]
    assert np.isnan(view.rows.values[0, 0]) and np.isnan(view.rows.values[1, 1]) and view.rows.values[1, 0] == 0.2
    view.rows.grab()                                 # paints without an error


def test_a_live_runs_probes_are_drawn_in_batches_and_only_while_the_view_is_seen(qtbot, parts):
    """One redraw per epoch read every probe so far: the GUI thread's work grew with the run."""
    _canvas, view, _badges, _link = parts
    view.set_statistic("std")
    probes = [{"step": 10 * k, "epoch": k, "nodes": {"fc1": {"std": 1.0 + k}, "relu1": {"std": 0.1}}}
              for k in range(1, 61)]
    for p in probes[:50]:
        view.add_probe(p)
    assert len(view.rows.epochs) == 0                       # not one redraw per probe...
    qtbot.waitUntil(lambda: len(view.rows.epochs) == 50)    # ...but one for the batch
    assert view.slider.value() == 49                        # following the newest
    view.hide()
    for p in probes[50:]:
        view.add_probe(p)
    view.show()                                             # shown again: every probe at once
    assert len(view.rows.epochs) == 60 and view.slider.value() == 59
    assert view.epoch_label.text().startswith("epoch 60")
