"""Help ▸ About shows the versions; File ▸ Export… writes the trained model (not its initial weights),
the script and the history, and refuses clearly when it cannot."""
from __future__ import annotations

import json

import numpy
import pyqtgraph
import pytest
import torch
from PySide6.QtCore import qVersion

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


@pytest.fixture
def window(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open_example(EXAMPLES / "xor.losslab.json", confirm=False)
    w.show()
    yield w
    assert w.controller.stop_and_wait(2.0)


def test_about_lists_the_versions(window, qtbot):
    box = window.show_about()
    qtbot.addWidget(box)
    text = box.text()
    for version in (qVersion(), torch.__version__, numpy.__version__, pyqtgraph.__version__, "LossLab 0.1.0"):
        assert version in text
    assert window.about_action in window.help_menu.actions()
    box.close()


def _export(qtbot, dialog, fmt, path):
    dialog.set_format(fmt)
    dialog.path_edit.setText(str(path))
    with qtbot.waitSignal(dialog.exported, timeout=120_000) as got:
        assert dialog.start_export()
    return got.args[0]


def test_export_uses_the_weights_trained_in_the_window(window, qtbot, tmp_path):
    assert window.export_action in window.menuBar().actions()[0].menu().actions()
    dialog = window.show_export()
    qtbot.addWidget(dialog)
    assert dialog.path_edit.text().endswith("xor.py") and "builds and trains" in dialog.weights_label.text()
    assert "resources" not in dialog.path_edit.text()  # never into LossLab's own examples folder
    dialog.set_format("onnx")
    assert dialog.path_edit.text().endswith("xor.onnx")
    assert "initial weights" in dialog.weights_label.text()
    c = window.controller
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.run(epochs=2)
    dialog.set_format("state_dict")
    assert "trained in this window (2 epochs" in dialog.weights_label.text()
    result = _export(qtbot, dialog, "state_dict", tmp_path / "w.pt")
    saved = torch.load(result.path, weights_only=True)
    trained = c.history.result.state_dict()
    torch.testing.assert_close(saved["fc1.weight"], trained["layers.fc1.weight"])
    assert "Exported state_dict" in window.statusBar().currentMessage()
    _export(qtbot, dialog, "json", tmp_path / "h.json")
    assert [r["epoch"] for r in json.loads((tmp_path / "h.json").read_text())] == [1, 2]
    _export(qtbot, dialog, "py", tmp_path / "x.py")
    compile((tmp_path / "x.py").read_text(), "x.py", "exec")
    assert "wrote py" in dialog.status_label.text()
    dialog.set_format("onnx")  # the message was about the py file: it goes with the format
    assert dialog.status_label.text() == ""


def test_export_says_what_input_the_model_expects(window, qtbot, tmp_path):
    assert window.files.open_example(EXAMPLES / "csv-moons.losslab.json", confirm=False)
    dialog = window.show_export()
    qtbot.addWidget(dialog)
    dialog.set_format("onnx")
    assert dialog.input_label.isVisibleTo(dialog)
    assert dialog.input_label.text().startswith("raw columns, in this order: length, width, weight")
    result = _export(qtbot, dialog, "onnx", tmp_path / "moons.onnx")
    assert (tmp_path / "moons.onnx.preprocessing.json").is_file() and result.files
    assert "moons.onnx.preprocessing.json beside it" in dialog.status_label.text()
    # what the file expects is said once, on the Input row, not again under "wrote … to"
    assert "raw columns, in this order: length, width, weight" in dialog.input_label.text()
    assert "raw columns" not in dialog.status_label.text()
    dialog.set_format("state_dict")
    assert "steps from raw columns" in dialog.input_label.text()
    dialog.set_format("json")
    assert not dialog.input_label.isVisibleTo(dialog)


def test_export_refuses_clearly(window, qtbot, tmp_path):
    dialog = window.show_export()
    qtbot.addWidget(dialog)
    dialog.set_format("csv")
    assert "train the project first" in dialog.weights_label.text()
    dialog.path_edit.setText(str(tmp_path / "h.csv"))
    assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.is_exporting(), timeout=30_000)
    assert dialog.status_label.text().startswith("Not exported:") and "train the project first" in dialog.status_label.text()
    dialog.set_format("pt2")
    dialog.path_edit.setText(str(tmp_path / "no" / "such" / "folder" / "m.pt2"))
    assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.is_exporting(), timeout=30_000)
    assert "existing folder" in dialog.status_label.text()
    c = window.controller
    assert c.run(paused=True)
    assert not dialog.start_export() and "Stop the training first" in dialog.status_label.text()
    c.stop()  # a run stopped before its first batch may end as runFinished or runFailed: wait for the end
    qtbot.waitUntil(lambda: not c.is_running(), timeout=30_000)


def _overlap(a, b) -> bool:
    return a.isVisible() and b.isVisible() and a.geometry().intersects(b.geometry())


def test_an_example_exports_to_a_folder_that_exists_and_the_dialog_grows_to_its_message(
        window, qtbot, tmp_path, monkeypatch):
    """The try-out's fresh home had no ~/Documents: Export of an example failed at its default path,
    and the error squeezed the Weights and Input rows until their texts overlapped."""
    from pathlib import Path

    from guiapp import settings
    from guiapp.panels.data_panel import data_start_folder
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))        # a fresh Linux home: no Documents folder
    assert window.files.open_example(EXAMPLES / "demand.losslab.json", confirm=False)
    assert Path(data_start_folder(window.document)) == home
    dialog = window.show_export()
    qtbot.addWidget(dialog)
    dialog.show()
    default = dialog.path_edit.text()
    assert Path(default) == home / "demand.py"
    dialog.set_format("onnx")
    dialog.path_edit.setText(str(tmp_path / "gone" / "a" / "much" / "longer" / "path" / "than" / "fits" / "m.onnx"))
    assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.is_exporting(), timeout=30_000)
    assert dialog.status_label.text().startswith("Not exported:")
    dialog.layout().activate()
    rows = [dialog.weights_label, dialog.input_label, dialog.status_label, dialog.export_button]
    for label in rows[:3]:                          # each wrapped text has the height it needs
        assert label.height() >= label.heightForWidth(label.width()), label.objectName()
    assert not any(_overlap(a, b) for i, a in enumerate(rows) for b in rows[i + 1:])
    dialog.set_format("py")
    dialog.path_edit.setText(default)
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        assert dialog.start_export()               # the default path writes
    assert (home / "demand.py").is_file() and settings.last_folder() == str(home)
    # a saved project's exports start beside it, and the next dialog after an export in the folder used
    own = tmp_path / "mine"
    own.mkdir()
    from guiapp.files import project_start_folder
    assert project_start_folder(own / "p.losslab.json") == own
    assert project_start_folder(EXAMPLES / "demand.losslab.json") == home


def test_the_export_dialog_remembers_the_last_format_across_restarts(window, qtbot, tmp_path):
    dialog = window.show_export()
    qtbot.addWidget(dialog)
    assert dialog.format == "py"                                     # the first time
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("onnx"))   # the person picks ONNX
    dialog.close()
    assert window.files.open_example(EXAMPLES / "csv-moons.losslab.json", confirm=False)   # another project
    again = window.show_export()
    qtbot.addWidget(again)
    assert again.format == "onnx" and again.path_edit.text().endswith("moons.onnx")
    again.close()
    from guiapp import settings
    settings.settings().sync()                                       # written as at quit
    restarted = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(restarted)
    third = restarted.show_export()
    qtbot.addWidget(third)
    assert third.format == "onnx"
    third.close()
