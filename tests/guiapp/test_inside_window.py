"""See inside the network, in the main window: the Preview dock follows the canvas and the weights of
a run; the Health view fills while training; Runs ▸ Show Health replays a stored run on the canvas."""
from __future__ import annotations

import pytest

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


@pytest.fixture
def window(qtbot, isolated, monkeypatch, tmp_path):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    doc = project.to_dict()
    doc["training"]["epochs"] = 12
    w = MainWindow(ProjectDocument(Project.from_dict(doc, base_dir=project.base_dir)))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    assert w.controller.stop_and_wait(2.0)
    assert w.node_previewer.wait()


def test_the_docks_sit_beside_the_inspector_and_the_plots(window):
    assert window.preview_dock in window.tabifiedDockWidgets(window.data_dock)
    assert window.health_dock in window.tabifiedDockWidgets(window.plots_dock)
    toggles = [a.text() for a in window.view_menu.actions()]
    assert "Preview" in toggles and "Health" in toggles


def test_a_run_moves_the_preview_to_trained_weights_and_fills_the_health_view(qtbot, window):
    window.preview_dock.raise_()
    panel, previewer = window.preview_panel, window.node_previewer
    window.canvas.select_nodes(["relu2"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "relu2", timeout=20_000)
    assert "initial weights (untrained)" in panel.title.text()
    initial = panel.result.preview.mean
    with qtbot.waitSignal(window.controller.runFinished, timeout=120_000) as finished:
        assert window.controller.run()
    qtbot.waitUntil(lambda: "trained weights" in panel.title.text(), timeout=20_000)
    assert panel.result.preview.mean != initial
    result = finished.args[0]
    view = window.health_view
    assert [p["step"] for p in view.probes] == [p.step for p in result.health]   # the run's every probe
    assert view.source == "live" and "relu2" in view.rows.nodes
    # an edit makes the trained weights stale: the preview goes back to initial weights
    from guiapp.editor import commands
    assert commands.set_param(window.document, "fc2", "out_features", 32)
    qtbot.waitUntil(lambda: "initial weights" in panel.title.text(), timeout=20_000)


def test_show_health_replays_a_stored_run(qtbot, window):
    with qtbot.waitSignal(window.run_recorder.runRecorded, timeout=120_000) as recorded:
        assert window.controller.run()
    run_id = recorded.args[0]
    window.controller.reset()                       # the live badges go
    assert not any(i.health.isVisible() for i in window.canvas.graph_scene.nodes.values())
    runs = window.runs_panel
    runs.refresh()
    assert not window.show_health_action.isEnabled()
    runs.select_ids([run_id])
    assert window.show_health_action.isEnabled()
    window.show_health_action.trigger()
    view = window.health_view
    assert view.source == runs.store.get(run_id).name and view.probes
    assert window.health_dock.isVisible()
    last = view.probes[-1]["nodes"]
    shown = {n for n, i in window.canvas.graph_scene.nodes.items() if i.health.isVisible()}
    assert shown == set(last) and shown
    view.set_statistic("std")
    row = view.rows.nodes.index("relu1")
    from PySide6.QtCore import QPointF, Qt
    r = view.rows._plot()
    qtbot.mouseClick(view.rows, Qt.MouseButton.LeftButton,
                     pos=QPointF(r.left() + 2, r.top() + (row + 0.5) * r.height() / len(view.rows.nodes)).toPoint())
    assert window.canvas.selected_node_ids() == ["relu1"]
    # the next Run shows the live run again
    with qtbot.waitSignal(window.controller.runFinished, timeout=120_000):
        assert window.controller.run()
    assert view.source == "live"


def test_while_training_the_preview_shows_the_current_weights(qtbot, window):
    window.preview_dock.raise_()
    panel, c = window.preview_panel, window.controller
    window.canvas.select_nodes(["fc1"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "fc1", timeout=20_000)
    epochs = []
    c.epochEnded.connect(lambda record: epochs.append(record.epoch))
    c.epochEnded.connect(lambda record: c.pause() if record.epoch == 2 else None)
    assert c.run()
    qtbot.waitUntil(c.is_parked, timeout=120_000)
    # the weights of the last epoch the run finished before it paused (the pause lands between two steps)
    qtbot.waitUntil(lambda: f"current weights (epoch {epochs[-1]}, training)" in panel.title.text(), timeout=20_000)
    c.stop()
