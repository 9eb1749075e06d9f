"""A layer registered in one catalog entry shows up in the palette, gets its inspector editors from
its params, and its canvas card takes its colour, shape and parameter count from the same record."""
from __future__ import annotations

import pytest
import torch  # noqa: F401 - torch before Qt (development.md, Platform pitfalls)
from PySide6.QtCore import Qt

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor import GraphCanvas, Inspector, LayerPalette
from guiapp.editor.style import category_colour
from tests.core.single_entry_layers import registered


@pytest.fixture(autouse=True)
def two_new_layers():
    with registered():
        yield


def test_palette_inspector_and_canvas_read_the_one_entry(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert {"SlopedReLU", "StridedConv1d"} <= set(palette.layer_names())
    top = palette.tree.findItems("Sequence filters", Qt.MatchFlag.MatchExactly)
    assert len(top) == 1 and top[0].child(0).text(0) == "StridedConv1d"  # its own category
    assert not top[0].icon(0).isNull()
    palette.search.setText("strided")
    assert palette.layer_names() == ["StridedConv1d"]
    assert category_colour("Sequence filters").name() == "#00838f"   # the entry's style, not a fallback

    project = Project.from_dict({
        "format": "losslab-project", "version": 1, "data": {"source": "digits", "params": {}},
        "model": {"nodes": [{"id": "input", "type": "Input"},
                            {"id": "rows", "type": "Reshape", "params": {"shape": [8, 8]}}],
                  "edges": [["input", "rows"]]}, "outputs": []})
    doc = ProjectDocument(project)
    canvas = GraphCanvas(doc)
    inspector = Inspector(doc)
    canvas.selectionChangedTo.connect(inspector.show_nodes)
    palette.layerActivated.connect(canvas.add_layer)
    for w in (canvas, inspector):
        qtbot.addWidget(w)
    canvas.select_nodes(["rows"])
    palette.search.clear()
    for name in ("StridedConv1d", "SlopedReLU"):  # double-click: each is added after the selected node
        palette.tree.itemActivated.emit(palette.tree.findItems(name, Qt.MatchFlag.MatchRecursive)[0], 0)
    assert [(n.id, n.type) for n in doc.project.model.nodes][2:] == [("stridedconv1d1", "StridedConv1d"),
                                                                     ("slopedrelu1", "SlopedReLU")]
    canvas.select_nodes(["stridedconv1d1"])
    assert inspector.node_id == "stridedconv1d1"
    assert set(inspector.editors) == {"out_channels", "kernel_size", "stride"}
    assert not inspector.advanced_box.isVisible()               # stride is marked advanced in the entry
    inspector.editors["out_channels"].spin.setValue(6)
    assert doc.project.model.node("stridedconv1d1").params["out_channels"] == 6
    card = canvas.graph_scene.nodes["stridedconv1d1"]
    assert card.key_params() == ["out_channels 6"]
    qtbot.waitUntil(lambda: doc.check is not None and doc.check.nodes["slopedrelu1"].out_shape is not None)
    assert doc.check.nodes["stridedconv1d1"].out_shape == (6, 3)
    assert doc.check.nodes["stridedconv1d1"].n_params == 8 * 6 * 3 + 6
    assert card._shape_text == "→ (6, 3)"
    canvas.select_nodes(["slopedrelu1"])
    assert set(inspector.editors) == {"per_channel", "init"}
