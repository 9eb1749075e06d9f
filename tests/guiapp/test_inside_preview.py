"""Node previews in the window: pointing at a node shows its output on the sample batch (shape,
numbers, histogram, the picture that fits the data), an edit recomputes only what it touched, errors
are shown, and slow previews run off the GUI thread with stale results dropped."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor import commands
from guiapp.editor.canvas import GraphCanvas
from guiapp.inside.preview_controller import NodePreviewer
from guiapp.inside.preview_panel import PreviewPanel
from tests.conftest import EXAMPLES


def _parts(qtbot, name: str, edit=None):
    project = Project.load(EXAMPLES / f"{name}.losslab.json")
    if edit is not None:
        doc = project.to_dict()
        edit(doc)
        project = Project.from_dict(doc, base_dir=project.base_dir)
    document = ProjectDocument(project)
    canvas = GraphCanvas(document)
    previewer = NodePreviewer(document, canvas)
    panel = PreviewPanel(previewer)
    qtbot.addWidget(canvas)
    qtbot.addWidget(panel)
    return document, canvas, previewer, panel


@pytest.mark.parametrize("name, node, kind, shape", [
    ("spiral", "relu1", "plane", "64"), ("sine", "tanh1", "curve", "32"),
    ("digits", "conv1", "maps", "16 × 8 × 8"), ("fraud", "relu2", "strips", "16")])
def test_selecting_a_node_shows_its_output(qtbot, name, node, kind, shape):
    document, canvas, previewer, panel = _parts(qtbot, name)
    with qtbot.waitSignal(previewer.previewReady, timeout=20_000):
        canvas.select_nodes([node])
    previewer.wait()
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == node)
    result = panel.result
    assert result.error is None and result.picture.kind == kind and result.picture.tiles
    assert f"<b>{node}</b>" in panel.title.text() and f"→ {shape} per sample" in panel.title.text()
    assert "initial weights (untrained)" in panel.title.text() and "mean " in panel.stats.text()
    assert result.counts.sum() == pytest.approx(result.preview.output.numel())   # every value in the histogram


def test_an_edit_recomputes_only_the_edited_node_and_what_follows(qtbot):
    document, canvas, previewer, panel = _parts(qtbot, "spiral")
    canvas.select_nodes(["out"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "out")
    before = panel.result.preview.mean
    with qtbot.waitSignal(previewer.previewReady, timeout=20_000):
        assert commands.set_param(document, "fc2", "out_features", 48)
    previewer.wait()
    qtbot.waitUntil(lambda: panel.result.preview is not None and panel.result.preview.mean != before)
    assert set(panel.result.recomputed) == {"fc2", "relu2", "out"}      # input, fc1, relu1 from the cache
    with qtbot.waitSignal(previewer.previewReady, timeout=20_000):
        document.undo_stack.undo()
    previewer.wait()
    qtbot.waitUntil(lambda: panel.result.preview.mean == before)        # the original, from the cache
    assert panel.result.recomputed == ()


def test_a_node_with_an_error_shows_the_error(qtbot):
    def conv_on_points(doc):    # a Conv2d fed with 2 features cannot run
        doc["model"]["nodes"].append({"id": "conv", "type": "Conv2d", "params": {}})
        doc["model"]["edges"].append(["relu2", "conv"])
    document, canvas, previewer, panel = _parts(qtbot, "spiral", conv_on_points)
    canvas.select_nodes(["conv"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "conv")
    assert panel.result.error and panel.error.isVisibleTo(panel) and panel.error.text() == panel.result.error
    assert not panel.histogram.isVisibleTo(panel)


def test_data_that_does_not_load_says_why(qtbot, tmp_path):
    def missing_csv(doc):
        doc["data"] = {"source": "csv", "path": str(tmp_path / "gone.csv"), "target": "y"}
    document, canvas, previewer, panel = _parts(qtbot, "starter", missing_csv)
    assert document.data_error
    canvas.select_nodes(["linear1"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "linear1")
    assert panel.result.error.startswith("No preview: ") and document.data_error in panel.result.error


def test_hovering_a_node_previews_it(qtbot):
    document, canvas, previewer, panel = _parts(qtbot, "spiral")
    canvas.resize(600, 600)
    canvas.show()
    canvas.select_nodes(["fc1"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "fc1")
    item = canvas.graph_scene.nodes["relu2"]
    canvas.centerOn(item)
    pos = QPointF(canvas.mapFromScene(item.card_rect().center()))
    move = QMouseEvent(QEvent.Type.MouseMove, pos, canvas.viewport().mapToGlobal(pos), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), move)
    assert previewer.target == "relu2"
    qtbot.waitUntil(lambda: panel.result.node == "relu2")
    QApplication.sendEvent(canvas.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: panel.result.node == "fc1")                # back to the selected node


def test_slow_previews_run_on_a_task_and_stale_ones_are_dropped(qtbot):
    document, canvas, previewer, panel = _parts(qtbot, "digits")
    shown = []
    previewer.previewReady.connect(lambda r: shown.append(r.generation))
    previewer.estimate_ms = 1_000.0            # as if the last preview had been slow
    canvas.select_nodes(["conv1"])
    assert previewer.runner.is_running()       # off the GUI thread
    canvas.select_nodes(["relu2"])             # while it computes: these wait, and only the newest runs
    canvas.select_nodes(["fc1"])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.node == "fc1", timeout=20_000)
    assert previewer.wait()
    # conv1's and relu2's results never reach the panel: one preview is shown, the newest
    assert shown == [previewer.generation] and panel.result.generation == previewer.generation
