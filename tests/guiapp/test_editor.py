"""The architecture editor through the code paths a person uses: drops from the palette, port drags,
the inspector's editors, shortcuts; every edit undoes and redoes exactly."""
from __future__ import annotations

import copy

import pytest
import torch  # noqa: F401 - torch before Qt (development.md, Platform pitfalls)
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication, QWheelEvent
from PySide6.QtTest import QTest

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor import GraphCanvas, Inspector, LayerPalette, commands
from core.layout import tidy_positions
from guiapp.editor.palette import LAYER_MIME, layer_mime
from core.edit_events import EditEvent


def _project(nodes, edges=(), outputs=(), view=None) -> Project:
    doc = {"format": "losslab-project", "version": 1, "data": {"source": "spiral", "params": {"samples": 100}},
           "model": {"nodes": nodes, "edges": [list(e) for e in edges]}, "outputs": list(outputs)}
    if view is not None:
        doc["view"] = view
    return Project.from_dict(doc)


MLP = dict(
    nodes=[{"id": "input", "type": "Input"}, {"id": "fc1", "type": "Linear", "params": {"out_features": 8}},
           {"id": "relu1", "type": "ReLU"}, {"id": "out", "type": "Linear", "params": {"out_features": 2}}],
    edges=[("input", "fc1"), ("fc1", "relu1"), ("relu1", "out")],
    outputs=[{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}])


@pytest.fixture
def editor(qtbot):
    """A document with an MLP, its canvas and inspector wired like the main window wires them."""
    doc = ProjectDocument(_project(**MLP))
    canvas = GraphCanvas(doc)
    inspector = Inspector(doc)
    canvas.selectionChangedTo.connect(inspector.show_nodes)
    qtbot.addWidget(canvas)
    qtbot.addWidget(inspector)
    canvas.resize(900, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    return doc, canvas, inspector


def _model(doc) -> tuple[list, list, list]:
    p = doc.project
    return ([(n.id, n.type) for n in p.model.nodes], [tuple(e) for e in p.model.edges],
            [(o.node, o.loss.type) for o in p.outputs])


def _drop(canvas: GraphCanvas, type_name: str, scene_pt: QPointF) -> None:
    """Exactly what a drop from the palette delivers to the canvas."""
    mime = layer_mime(type_name)
    at = canvas.mapFromScene(scene_pt)
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    canvas.dragEnterEvent(enter)
    assert enter.isAccepted()
    canvas.dropEvent(QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def _port_drag(canvas: GraphCanvas, src: str, dst: str) -> None:
    """Press on ``src``'s output port, move over ``dst``'s input port, release (real mouse events)."""
    scene = canvas.graph_scene
    a = canvas.mapFromScene(scene.nodes[src].output_point())
    b = canvas.mapFromScene(scene.nodes[dst].input_point())
    vp = canvas.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(vp, (a + b) / 2)
    assert scene.connection.pending is not None  # the rubber-band edge follows the mouse
    QTest.mouseMove(vp, b)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_build_network_by_drops_and_port_drag_undo_redo(qtbot):
    doc = ProjectDocument(_project([{"id": "input", "type": "Input"}]))
    canvas = GraphCanvas(doc)
    qtbot.addWidget(canvas)
    canvas.resize(900, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    states = [doc.project.to_dict()]
    texts = []

    def step():
        states.append(doc.project.to_dict())
        texts.append(doc.undo_stack.undoText())

    below = lambda nid: canvas.graph_scene.nodes[nid].card_rect().bottomLeft() + QPointF(90, 30)  # noqa: E731
    _drop(canvas, "Linear", below("input"))                      # just below Input: inserted after it
    step()
    _drop(canvas, "ReLU", canvas.graph_scene.nodes["linear1"].card_rect().center())  # onto linear1
    step()
    _drop(canvas, "Linear", QPointF(700, 600))                   # empty space: unconnected
    step()
    assert _model(doc)[1] == [("input", "linear1"), ("linear1", "relu1")]
    _port_drag(canvas, "relu1", "linear2")
    step()
    assert _model(doc)[1] == [("input", "linear1"), ("linear1", "relu1"), ("relu1", "linear2")]
    canvas.select_nodes(["linear2"])
    canvas._actions.toggle_output.trigger()
    step()
    assert _model(doc)[2] == [("linear2", "CrossEntropyLoss")]   # spiral is a classification set
    assert "set out_features of linear2 to 2" in canvas.graph_scene.nodes["linear2"].badge.toolTip()
    commands.set_param(doc, "linear2", "out_features", 2)
    step()
    assert texts == ["Add Linear", "Add ReLU", "Add Linear", "Connect relu1 → linear2",
                     "Make linear2 an output (CrossEntropyLoss)", "Set linear2.out_features = 2"]
    assert doc.check is not None and doc.check.ok, [p.message for p in doc.check.problems]
    assert not canvas.graph_scene.nodes["linear2"].badge.isVisible()
    # stacked by drops: each inserted node sits below its anchor
    y = {n: canvas.graph_scene.nodes[n].pos().y() for n in ("input", "linear1", "relu1")}
    assert y["input"] < y["linear1"] < y["relu1"]
    for expected in reversed(states[:-1]):
        doc.undo_stack.undo()
        assert doc.project.to_dict() == expected
        assert set(canvas.graph_scene.nodes) == {n["id"] for n in expected["model"]["nodes"]}
    for expected in states[1:]:
        doc.undo_stack.redo()
        assert doc.project.to_dict() == expected
    assert set(canvas.graph_scene.edges) == set(doc.project.model.edges)


def test_inspector_edits_a_parameter_with_undo_and_redo(editor):
    doc, canvas, inspector = editor
    canvas.select_nodes(["fc1"])
    assert inspector.node_id == "fc1"
    before = doc.project.to_dict()
    editor_ = inspector.editors["out_features"]
    editor_.spin.setValue(32)                         # what Enter / an arrow click commits
    assert doc.project.model.node("fc1").params["out_features"] == 32
    assert doc.undo_stack.undoText() == "Set fc1.out_features = 32"
    assert canvas.graph_scene.nodes["fc1"].key_params() == ["out_features 32"]
    after = doc.project.to_dict()
    doc.undo_stack.undo()
    assert doc.project.to_dict() == before and editor_.spin.value() == 8
    doc.undo_stack.redo()
    assert doc.project.to_dict() == after and editor_.spin.value() == 32


def test_slider_drag_is_one_undo_step(editor):
    doc, canvas, inspector = editor
    node = canvas.add_layer("Dropout", after="fc1")
    assert inspector.node_id == node                  # the new node is selected and shown
    count = doc.undo_stack.count()
    slider = inspector.editors["p"].slider
    for k in (100, 200, 300, 400):
        slider.setValue(k)
    assert doc.project.model.node(node).params["p"] == pytest.approx(0.38)
    assert doc.undo_stack.count() == count + 1
    doc.undo_stack.undo()
    assert "p" not in doc.project.model.node(node).params


def test_refused_value_shows_reason_and_changes_nothing(editor):
    doc, canvas, inspector = editor
    node = canvas.add_layer("MaxPool2d", pos=(600, 0))
    canvas.select_nodes([node])
    before, count = doc.project.to_dict(), doc.undo_stack.count()
    field = inspector.editors["kernel_size"]
    field.edit.setText("0, 3")
    field.edit.editingFinished.emit()
    assert "between 1 and 64" in field.error_text()
    assert field.edit.text() == "2, 2"                # reverted
    field.edit.setText("two")
    field.edit.editingFinished.emit()
    assert "numbers separated by commas" in field.error_text()
    inspector.name_edit.setText("fc1")                # a taken name
    inspector.name_edit.editingFinished.emit()
    assert "already a node named 'fc1'" in inspector.name_error.text()
    assert inspector.name_edit.text() == node
    assert doc.project.to_dict() == before and doc.undo_stack.count() == count
    field.edit.setText("")                            # optional stride: empty = None is fine
    stride = inspector.editors["stride"]
    stride.edit.setText("3, 3")
    stride.edit.editingFinished.emit()
    assert doc.project.model.node(node).params["stride"] == [3, 3] and not stride.error_text()


def test_rename_through_inspector_follows_edges_heads_and_positions(editor):
    doc, canvas, inspector = editor
    canvas.graph_scene.nodes["out"].setPos(0, 600)
    canvas.graph_scene._press = {"out": QPointF(0, 0)}
    canvas.graph_scene.commit_moves()
    canvas.select_nodes(["out"])
    inspector.name_edit.setText("head")
    inspector.name_edit.editingFinished.emit()
    assert doc.undo_stack.undoText() == "Rename out → head"
    assert ("relu1", "head") in doc.project.model.edges and doc.project.outputs[0].node == "head"
    assert doc.node_position("head") == (0.0, 600.0)
    assert inspector.node_id == "head" and canvas.selected_node_ids() == ["head"]
    doc.undo_stack.undo()
    assert doc.project.outputs[0].node == "out" and canvas.selected_node_ids() == ["out"]


def test_cycle_and_duplicate_edges_are_refused_with_a_reason(editor, qtbot):
    doc, canvas, _ = editor
    before, count = doc.project.to_dict(), doc.undo_stack.count()
    with qtbot.waitSignal(doc.editRefused) as refused:
        _port_drag(canvas, "relu1", "fc1")
    assert "cycle" in refused.args[0]
    with qtbot.waitSignal(doc.editRefused) as refused:
        _port_drag(canvas, "fc1", "relu1")
    assert "already feeds" in refused.args[0]
    with qtbot.waitSignal(doc.editRefused) as refused:
        _port_drag(canvas, "input", "relu1")
    assert "takes one input" in refused.args[0]
    assert doc.project.to_dict() == before and doc.undo_stack.count() == count
    assert canvas.graph_scene.connection.pending is None


def test_shape_mismatch_shows_a_badge_on_the_node(editor):
    doc, canvas, inspector = editor
    node = canvas.add_layer("Conv2d", after="fc1")
    item = canvas.graph_scene.nodes[node]
    assert item.badge.isVisible()
    assert "Conv2d expects" in item.badge.toolTip()
    assert "Conv2d expects" in inspector.problems.text()
    assert not canvas.graph_scene.nodes["fc1"].badge.isVisible()
    doc.undo_stack.undo()
    assert not canvas.graph_scene.nodes["relu1"].badge.isVisible()


def test_tidy_layout_is_one_undo_step(editor):
    doc, canvas, _ = editor
    scattered = {"input": [500, 400], "fc1": [0, 0], "relu1": [900, 10], "out": [30, 700]}
    doc.edit("scatter", lambda p: p.view.update(nodes=copy.deepcopy(scattered)) if p.view else
             setattr(p, "view", {"nodes": copy.deepcopy(scattered)}), EditEvent("nodes_moved", (list(scattered),)))
    count = doc.undo_stack.count()
    canvas._actions.tidy.trigger()
    assert doc.undo_stack.count() == count + 1 and doc.undo_stack.undoText() == "Tidy layout"
    expected = tidy_positions(doc.project)
    assert {n: doc.node_position(n) for n in expected} == expected
    ys = [canvas.graph_scene.nodes[n].pos().y() for n in ("input", "fc1", "relu1", "out")]
    assert ys == sorted(ys) and len(set(ys)) == 4
    doc.undo_stack.undo()
    assert doc.project.view["nodes"] == scattered
    assert canvas.graph_scene.nodes["input"].pos() == QPointF(500, 400)


def test_node_drag_is_one_undo_step(editor):
    doc, canvas, _ = editor
    item = canvas.graph_scene.nodes["fc1"]
    start = item.pos()
    vp = canvas.viewport()
    a = canvas.mapFromScene(item.card_rect().center())
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for k in range(1, 6):
        QTest.mouseMove(vp, a + QPoint(20 * k, 10 * k))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a + QPoint(100, 50))
    assert item.pos() != start
    assert doc.undo_stack.undoText() == "Move fc1"
    assert doc.node_position("fc1") == (item.pos().x(), item.pos().y())
    doc.undo_stack.undo()
    assert item.pos() == start and doc.node_position("fc1") is None


def test_copy_paste_and_duplicate_create_new_ids(editor):
    doc, canvas, _ = editor
    QGuiApplication.clipboard().clear()
    canvas.select_nodes(["fc1", "relu1"])
    canvas._actions.copy.trigger()
    count = doc.undo_stack.count()
    canvas._actions.paste.trigger()
    new = canvas.selected_node_ids()
    assert new == ["linear1", "relu2"]
    assert ("linear1", "relu2") in doc.project.model.edges
    assert doc.project.model.node("linear1").params == {"out_features": 8}
    assert doc.undo_stack.count() == count + 1
    canvas.select_nodes(["out"])
    canvas._actions.duplicate.trigger()
    assert canvas.selected_node_ids() == ["linear2"]
    assert doc.undo_stack.undoText() == "Duplicate Linear"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project.model.ids() == ["input", "fc1", "relu1", "out"]


def test_delete_bridges_a_chain_and_removes_heads(editor):
    doc, canvas, _ = editor
    canvas.select_nodes(["relu1"])
    canvas._actions.delete.trigger()
    assert ("fc1", "out") in doc.project.model.edges and doc.undo_stack.undoText() == "Delete relu1"
    canvas.select_nodes(["out"])
    canvas._actions.delete.trigger()
    assert doc.project.outputs == [] and "out" not in canvas.graph_scene.nodes
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert _model(doc) == _model(ProjectDocument(_project(**MLP)))
    edge = canvas.graph_scene.edges[("fc1", "relu1")]
    canvas.graph_scene.clearSelection()
    edge.setSelected(True)
    canvas._actions.delete.trigger()
    assert ("fc1", "relu1") not in doc.project.model.edges
    assert doc.undo_stack.undoText() == "Disconnect fc1 → relu1"


def test_insert_after_the_head_moves_the_head_to_the_new_end(editor):
    doc, canvas, _ = editor
    canvas.add_layer("Softmax", after="relu1")       # in the middle: the head stays on out
    assert doc.project.outputs[0].node == "out"
    assert ("relu1", "softmax1") in doc.project.model.edges and ("softmax1", "out") in doc.project.model.edges
    canvas.add_layer("Linear", after="out")          # after the end: the head follows
    assert doc.project.outputs[0].node == "linear1"
    assert canvas.graph_scene.nodes["linear1"].head == "CrossEntropyLoss"
    assert canvas.graph_scene.nodes["out"].head is None


def test_palette_search_drag_payload_and_double_click(editor, qtbot):
    doc, canvas, _ = editor
    palette = LayerPalette()
    qtbot.addWidget(palette)
    palette.layerActivated.connect(canvas.add_layer)
    assert len(palette.layer_names()) == len(palette.layer_names(visible_only=False)) > 20
    palette.search.setText("overfitting")
    assert palette.layer_names() == ["Dropout"]
    palette.search.setText("conv")
    assert {"Conv1d", "Conv2d", "Flatten"} <= set(palette.layer_names())   # Flatten's doc names convolutions
    assert "Linear" not in palette.layer_names()
    item = palette.tree.findItems("Conv1d", Qt.MatchFlag.MatchRecursive)[0]
    assert "1-D convolution" in item.toolTip(0)
    mime = palette.tree.mimeData([item])
    assert bytes(mime.data(LAYER_MIME)).decode() == "Conv1d"
    palette.search.clear()
    canvas.select_nodes(["relu1"])
    with qtbot.waitSignal(palette.layerActivated) as activated:
        palette.tree.itemActivated.emit(palette.tree.findItems("Dropout", Qt.MatchFlag.MatchRecursive)[0], 0)
    assert activated.args == ["Dropout"]
    assert ("relu1", "dropout1") in doc.project.model.edges and ("dropout1", "out") in doc.project.model.edges


def test_highlight_and_actions(editor):
    doc, canvas, _ = editor
    canvas.highlight_node("relu1")
    assert canvas.selected_node_ids() == ["relu1"]
    names = {a.text(): a for a in canvas.edit_actions + canvas.view_actions if not a.isSeparator()}
    assert {"Delete", "Duplicate", "Copy", "Paste", "Select All", "Fit to View", "Tidy Layout", "Zoom In",
            "Zoom Out", "Toggle Output Head"} <= set(names)
    assert names["Duplicate"].shortcut().toString() == "Ctrl+D"
    # Ctrl+0 fits from anywhere in the window (a focused text field included); the bare F only on the canvas
    assert [s.toString() for s in names["Fit to View"].shortcuts()] == ["Ctrl+0"]
    assert names["Fit to View"].shortcutContext() == Qt.ShortcutContext.WindowShortcut
    f_keys = [a for a in canvas.actions() if [k.toString() for k in a.shortcuts()] == ["F"]]
    assert len(f_keys) == 1 and f_keys[0].shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    zoom = canvas.zoom()
    names["Zoom In"].trigger()
    assert canvas.zoom() == pytest.approx(zoom * 1.25)
    names["Select All"].trigger()
    assert canvas.selected_node_ids() == ["input", "fc1", "relu1", "out"]


def test_view_zooms_pans_and_hints_the_drop_target(editor, qtbot):
    doc, canvas, _ = editor
    vp = canvas.viewport()
    zoom = canvas.zoom()
    centre = vp.rect().center()
    wheel = QWheelEvent(QPointF(centre), QPointF(canvas.mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    canvas.wheelEvent(wheel)
    assert canvas.zoom() == pytest.approx(zoom * 1.15)
    bar = canvas.verticalScrollBar()
    value = bar.value()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(vp, centre - QPoint(0, 80))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, centre - QPoint(0, 80))
    assert bar.value() == value + 80
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    assert canvas.dragMode() == canvas.DragMode.ScrollHandDrag
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.dragMode() == canvas.DragMode.RubberBandDrag
    mime = layer_mime("Dropout")
    item = canvas.graph_scene.nodes["relu1"]
    at = canvas.mapFromScene(item.card_rect().bottomLeft() + QPointF(60, 30))
    canvas.dragMoveEvent(QDragMoveEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                        Qt.KeyboardModifier.NoModifier))
    assert item._drop_hint
    canvas.dropEvent(QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    assert not item._drop_hint and ("relu1", "dropout1") in doc.project.model.edges


def test_pasting_something_else_is_refused(editor, qtbot):
    doc, canvas, _ = editor
    QGuiApplication.clipboard().setText("hello")
    with qtbot.waitSignal(doc.editRefused) as refused:
        canvas._actions.paste.trigger()
    assert "does not hold LossLab layers" in refused.args[0]
    assert doc.undo_stack.count() == 0


def test_a_refusal_goes_away_on_the_next_edit_or_selection(editor):
    doc, canvas, inspector = editor
    node = canvas.add_layer("Dropout", after="fc1")
    inspector.name_edit.setText("fc1")                # a taken name: refused, reverted
    inspector.name_edit.editingFinished.emit()
    p = inspector.editors["p"]
    p.spin.lineEdit().selectAll()
    QTest.keyClicks(p.spin, "1.5")                    # out of range: refused, kept
    QTest.keyClick(p.spin, Qt.Key.Key_Return)
    assert inspector.error_texts() == ["there is already a node named 'fc1': pick another name",
                                       "p must be between 0 and 0.95 (received 1.5); kept 0.5"]
    p.spin.setValue(0.3)                              # the next edit that goes through
    assert doc.project.model.node(node).params["p"] == 0.3
    assert inspector.error_texts() == [] and inspector.name_error.isHidden()
    inspector.name_edit.setText("fc1")
    inspector.name_edit.editingFinished.emit()
    assert inspector.error_texts()
    canvas.select_nodes(["relu1"])                    # another node: no stale message
    canvas.select_nodes([node])
    assert inspector.error_texts() == []
