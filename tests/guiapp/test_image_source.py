"""The Data panel's image folder: choosing it, the background load, settings, samples per class, skips."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.panels import image_source
from guiapp.panels.data_panel import DataPanel
from tests.conftest import EXAMPLES
from tests.core.test_image_folder import make_folder


@pytest.fixture
def doc(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    d = ProjectDocument(Project(), load_data=False)
    p = EXAMPLES / "spiral.losslab.json"
    d.replace(Project.load(p), p)
    folder = tmp_path / "proj"
    folder.mkdir()
    d.save(folder / "p.losslab.json")
    return d


def test_choosing_an_image_folder_loads_it_on_a_task_and_shows_classes_settings_and_skips(qtbot, doc, monkeypatch):
    folder = make_folder(doc.path.parent / "pictures", per_class=8)
    (folder / "red" / "broken.png").write_bytes(b"not a png")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    monkeypatch.setattr(image_source, "choose_image_folder", lambda parent, start="": str(folder))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=60_000) as blocker:
        panel.source.activated.emit(panel.source.findData("images"))
        assert panel.load_row.isVisibleTo(panel) and panel.load_row.cancel_button.isEnabled()  # progress, Cancel
    assert blocker.args == ["loaded"], doc.data_error
    d = doc.project.data
    assert d.source == "images" and d.path == "pictures"  # stored relative to the project
    # the training split's per-channel statistics are kept in the project, and they are the dataset's
    assert np.allclose(d.params["mean"], doc.dataset.mean.ravel()) and len(d.params["std"]) == 3
    assert doc.dataset.targets["class"].classes == ["blue", "green", "red"]
    view = panel.images
    assert view.isVisibleTo(panel)
    thumbs = [w for w in view.grid_host.findChildren(QLabel) if w.pixmap() is not None and not w.pixmap().isNull()]
    assert len(thumbs) >= 3 * 3  # samples of every class
    assert "red/broken.png" in view.skipped.toPlainText() and view.skipped.isVisibleTo(panel)
    assert panel.params.isVisibleTo(panel)  # size, colour and fit
    # a setting changes the data set: grey images, one channel
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=60_000):
        panel._on_params_committed("color", "grey")
    assert doc.dataset.input_shape[0] == 1 and len(doc.project.data.params["mean"]) == 1  # stats refitted
    assert panel.source.itemText(panel.source.findData("images")) == "IMAGES: pictures"
