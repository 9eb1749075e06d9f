"""Augmentation in the Data panel and pseudo-labels in the Training settings: only the options that fit
the data are enabled (the others say why), edits are undo steps that are saved, the preview strip shows
training samples beside their augmented versions (off the GUI thread for a big set), and every new
input ignores an unfocused wheel."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtWidgets import QDockWidget, QWidget

from core.project import Project
from guiapp import turns
from guiapp.document import ProjectDocument
from guiapp.panels import augment_preview
from guiapp.panels.data_panel import DataPanel
from guiapp.panels.training_settings import TrainingSettingsPanel
from tests.conftest import EXAMPLES


def _doc(name: str, change=None) -> ProjectDocument:
    d = ProjectDocument(Project(), load_data=False)
    path = EXAMPLES / f"{name}.losslab.json"
    project = Project.load(path)
    if change is not None:
        change(project)
    d.replace(project, path)
    return d


@pytest.fixture
def digits(qtbot):
    doc = _doc("digits")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    return doc, panel


@pytest.fixture
def spiral(qtbot):
    doc = _doc("spiral")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    return doc, panel


def test_image_options_are_undoable_saved_edits_and_the_strip_shows_the_pictures(digits, tmp_path):
    doc, panel = digits
    section = panel.augment
    assert all(w.isEnabled() for w in section.editors.values())
    assert section.editors["shift"].spin.text() == "off"           # 0 reads "off"
    dataset = doc.dataset
    strip = section.preview.images
    assert strip.isVisibleTo(panel) and strip.count() == augment_preview.SAMPLES
    section.editors["rotate"].spin.setValue(20.0)
    section.editors["shift"].spin.setValue(1)
    assert doc.project.data.augment == {"rotate": 20.0, "shift": 1}
    assert doc.dataset is dataset                                   # an augmentation edit reloads nothing
    _, before, after = augment_preview.preview_task(doc.dataset, doc.project.data.augment, doc.project.data.seed, 6)
    assert not np.allclose(before, after) and "6 training images" in section.preview.status.text()
    doc.undo_stack.undo()
    assert doc.project.data.augment == {"rotate": 20.0} and section.editors["shift"].spin.text() == "off"
    doc.undo_stack.redo()
    doc.save(tmp_path / "d.losslab.json")
    assert json.loads((tmp_path / "d.losslab.json").read_text())["data"]["augment"] == {"rotate": 20.0, "shift": 1}
    section.editors["shift"].spin.setValue(0)                       # back to off: the key goes
    assert doc.project.data.augment == {"rotate": 20.0}


def test_flip_shows_the_warning_that_a_mirrored_digit_is_not_the_same_digit(digits):
    doc, panel = digits
    section = panel.augment
    assert not section.flip_warning.isVisibleTo(panel)
    combo = section.editors["flip"].combo
    combo.setCurrentIndex(combo.findText("horizontal"))
    combo.activated.emit(combo.currentIndex())
    assert doc.project.data.augment == {"flip": "horizontal"}
    assert section.flip_warning.isVisibleTo(panel) and "mirrored digit is not the same digit" in \
        section.flip_warning.text()


def test_a_table_enables_noise_and_mixup_only_and_says_why_and_shows_before_and_after(spiral):
    doc, panel = spiral
    section = panel.augment
    for name in ("shift", "rotate", "scale", "flip", "cutout"):
        assert not section.editors[name].isEnabled()
        assert "Works on images" in section.editors[name].toolTip() and "2 features" in section.editors[name].toolTip()
    assert section.editors["noise"].isEnabled() and section.editors["mixup"].isEnabled()
    assert section.preview.table.isVisibleTo(panel) and not section.preview.images.isVisibleTo(panel)
    assert "=" in section.preview.table.text()                    # nothing on yet: every value unchanged
    section.editors["noise"].spin.setValue(0.5)
    assert doc.project.data.augment == {"noise": 0.5}
    text = section.preview.table.text()
    assert "augmented" in text and text.count("'right'>=<") == 0 and "sample 1" in text


def test_an_image_option_a_table_project_file_sets_stays_enabled_to_be_turned_off(qtbot):
    doc = _doc("spiral", lambda p: setattr(p.data, "augment", {"shift": 2}))
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    shift = panel.augment.editors["shift"]
    assert shift.isEnabled() and "Works on images" in shift.toolTip()
    assert not panel.augment.editors["rotate"].isEnabled()
    shift.spin.setValue(0)
    assert doc.project.data.augment == {}


def test_a_big_training_split_draws_the_preview_off_the_gui_thread(qtbot, monkeypatch):
    monkeypatch.setattr(augment_preview, "SYNC_ELEMENTS", 0)
    doc = _doc("digits")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    preview = panel.augment.preview
    qtbot.waitUntil(lambda: preview.shown_key is not None)
    with qtbot.waitSignal(preview.previewShown, timeout=20_000):
        panel.augment.editors["cutout"].spin.setValue(3)
        assert preview._runner.is_running()
    assert preview.images.count() == augment_preview.SAMPLES
    panel.augment.editors["cutout"].spin.setValue(4)     # a draw still running when the panel closes ...
    assert preview._runner.is_running()
    panel.close()                                         # ... ends with it (the thread guard checks)


def test_pseudo_label_settings_are_undoable_and_say_what_the_data_holds(qtbot, tmp_path):
    rows = "".join(f"{i % 7},{(i * 3) % 11},{'' if i % 3 else ('a' if i % 2 else 'b')}\n" for i in range(90))
    (tmp_path / "t.csv").write_text("x,z,cls\n" + rows)
    doc_dict = json.loads((EXAMPLES / "csv-moons.losslab.json").read_text())
    doc_dict["data"].update({"path": "t.csv", "target": "cls", "features": ["x", "z"], "test_fraction": 0.0})
    (tmp_path / "p.losslab.json").write_text(json.dumps(doc_dict))
    doc = ProjectDocument(Project(), load_data=False)
    doc.open(tmp_path / "p.losslab.json")
    panel = TrainingSettingsPanel(doc)
    qtbot.addWidget(panel)
    box = panel.pseudo
    assert not box.editors["threshold"].isEnabled()
    assert "60 rows whose target is empty" in box.note.text()
    box.editors["on"].check.click()
    assert doc.project.training.pseudo_labels is not None and box.editors["threshold"].isEnabled()
    box.editors["threshold"].spin.setValue(0.8)
    box.editors["rounds"].spin.setValue(2)
    assert doc.project.training.pseudo_labels.to_dict() == {"threshold": 0.8, "rounds": 2, "label_fraction": 1.0}
    doc.undo_stack.undo()
    assert doc.project.training.pseudo_labels.rounds == 3 and box.editors["rounds"].spin.value() == 3
    doc.save(tmp_path / "p.losslab.json")
    saved = json.loads((tmp_path / "p.losslab.json").read_text())["training"]["pseudo_labels"]
    assert saved == {"threshold": 0.8, "rounds": 3, "label_fraction": 1.0}
    box.editors["on"].check.click()
    assert doc.project.training.pseudo_labels is None and not box.editors["rounds"].isEnabled()


def test_a_regression_target_says_pseudo_labels_cannot_apply(qtbot):
    doc = _doc("sine")
    panel = TrainingSettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.pseudo.editors["on"].check.click()
    assert "classification target" in panel.pseudo.note.text()


def test_the_new_inputs_ignore_an_unfocused_wheel_in_the_window(qtbot, isolated):
    from guiapp.main_window import MainWindow
    from tests.guiapp.test_wheel_everywhere import INPUTS, _wheel_all_visible
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "digits.losslab.json", confirm=False)
    from core.project import PseudoLabels
    w.document.edit("pseudo", lambda p: setattr(p.training, "pseudo_labels", PseudoLabels()), "training")
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.document.data_loaded)
    qtbot.waitUntil(turns.settled)                       # the Data panel is built in a turn of its own
    walked = []
    for dock in w.findChildren(QDockWidget):
        if dock.objectName() not in ("dock.data", "dock.training_settings", "dock.training"):
            continue
        dock.show()
        dock.raise_()
        qtbot.waitUntil(dock.widget().isVisible)
        mine = [x for x in dock.findChildren(QWidget) if isinstance(x, INPUTS) and x.isVisible() and x.isEnabled() and any(
            p.objectName().startswith(("data.augment.", "training.pseudo_labels.")) for p in _parents(x))]
        walked += mine
        assert not _wheel_all_visible(dock, w.document)
    names = {next(p.objectName() for p in _parents(x) if p.objectName().startswith(("data.augment.",
                                                                                    "training.pseudo_labels.")))
             for x in walked}
    assert {f"data.augment.{n}" for n in ("shift", "rotate", "scale", "flip", "cutout", "noise", "mixup")} <= names
    assert {"training.pseudo_labels.threshold", "training.pseudo_labels.rounds"} <= names
    w.document.undo_stack.setClean()
    w.close()


def _parents(widget):
    p = widget
    while p is not None:
        yield p
        p = p.parentWidget()
