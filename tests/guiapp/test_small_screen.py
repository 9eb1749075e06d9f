"""A 1280x800 screen, as a new user's laptop: the opened network says where the rest of it is, the
status bar's messages fit, the panels beside the plots keep their text whole."""
from __future__ import annotations

import pytest

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES

DIAGNOSIS = EXAMPLES / "diagnosis.losslab.json"


@pytest.fixture
def small_window(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=True)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.width() == 1280)
    yield w
    w.close()


def _shown(canvas, node_id: str) -> bool:
    card = canvas.mapFromScene(canvas.graph_scene.nodes[node_id].card_rect()).boundingRect()
    return canvas.viewport().rect().contains(card)


def test_an_opened_network_too_tall_to_read_whole_says_how_many_layers_lie_below(small_window, qtbot):
    from guiapp.editor.canvas import READABLE_ZOOM
    w, canvas = small_window, small_window.canvas
    assert w.files.open(DIAGNOSIS, confirm=False)
    ids = w.document.project.model.ids()
    qtbot.waitUntil(lambda: _shown(canvas, "input"))
    assert canvas.zoom() >= READABLE_ZOOM - 1e-6              # node text stays readable
    hidden = [n for n in ids if not _shown(canvas, n)]
    if hidden:        # what 1280x800 gives: the rest is announced, on the view, with the count
        qtbot.waitUntil(lambda: canvas.hidden_hint.isVisible())
        text = canvas.hidden_hint.text()
        assert f"{len(hidden)} more layer" in text and "below" in text, text
        assert canvas.viewport().rect().contains(canvas.hidden_hint.geometry())
        canvas.hidden_hint.click()                               # one click shows the whole network
        assert all(_shown(canvas, n) for n in ids)
        qtbot.waitUntil(lambda: not canvas.hidden_hint.isVisible())
    # a network that fits whole at a readable zoom shows whole, with no hint
    assert w.files.open(EXAMPLES / "xor.losslab.json", confirm=False)
    qtbot.waitUntil(lambda: all(_shown(canvas, n) for n in w.document.project.model.ids()))
    qtbot.waitUntil(lambda: not canvas.hidden_hint.isVisible())
