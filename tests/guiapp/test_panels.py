"""The settings panels edit the project through the document's undo stack and follow it back."""
from __future__ import annotations

import uuid

import pytest

from core.project import Project
from guiapp import settings, turns
from guiapp.document import ProjectDocument
from guiapp.panels import data_panel
from guiapp.panels.data_panel import DataPanel
from guiapp.panels.outputs_panel import OutputsPanel
from guiapp.panels.status import StatusFields
from guiapp.panels.training_settings import TrainingSettingsPanel
from tests.conftest import EXAMPLES


@pytest.fixture
def doc():
    d = ProjectDocument(Project(), load_data=False)
    p = EXAMPLES / "spiral.losslab.json"
    d.replace(Project.load(p), p)
    return d


@pytest.fixture
def training(qtbot, doc):
    panel = TrainingSettingsPanel(doc)
    qtbot.addWidget(panel)
    return panel


def _lr(doc) -> float:
    return doc.project.training.optimizer.params["lr"]


SPIRAL_LR = Project.load(EXAMPLES / "spiral.losslab.json").training.optimizer.params["lr"]


# -- training settings -------------------------------------------------------------------------------
def test_lr_edit_is_one_undo_step_and_undo_shows_the_old_value(doc, training):
    lr = training.optimizer_params.editor("lr")
    lr.spin.setValue(0.05)
    assert _lr(doc) == 0.05 and doc.dirty
    lr.spin.setValue(0.2)  # a second change of the same field merges into the same step
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert _lr(doc) == SPIRAL_LR and lr.value() == SPIRAL_LR and lr.spin.value() == SPIRAL_LR
    doc.undo_stack.redo()
    assert lr.value() == 0.2


def test_switching_optimizer_keeps_lr_and_shows_its_params(doc, training):
    combo = training.optimizer
    combo.activated.emit(combo.findData("SGD"))
    t = doc.project.training
    assert t.optimizer.type == "SGD" and t.optimizer.params == {"lr": SPIRAL_LR}
    assert training.optimizer_params.editor("momentum") is not None
    assert "gradient descent" in training.optimizer_doc.text()
    doc.undo_stack.undo()
    assert doc.project.training.optimizer.type == "Adam"
    assert combo.currentData() == "Adam" and training.optimizer_params.editor("beta1") is not None


def test_schedule_and_plain_fields(doc, training):
    training.schedule.activated.emit(training.schedule.findData("StepLR"))
    training.schedule_params.editor("step_size").spin.setValue(7)
    training.fields["epochs"].spin.setValue(33)
    training.fields["l2"].spin.setValue(0.001)
    training.fields["early_stopping.patience"].spin.setValue(5)
    t = doc.project.training
    assert (t.schedule.type, t.schedule.params, t.epochs, t.l2, t.early_stopping.patience) == (
        "StepLR", {"step_size": 7}, 33, 0.001, 5)
    assert training.fields["early_stopping.min_delta"].isEnabled()
    assert doc.undo_stack.count() == 5


def test_devices_are_the_available_ones(doc, training):
    from core.training.setup import available_devices
    assert [training.device.itemData(i) for i in range(training.device.count())] == available_devices()
    training.device.activated.emit(training.device.findData("cpu"))
    assert doc.project.training.device == "cpu"


def test_thread_count_is_a_setting_not_an_undo_step(doc, training, monkeypatch, qtbot):
    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", f"LossLabTests-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(settings, "cpu_count", lambda: 8)
    monkeypatch.setattr(settings, "apply_torch_threads", lambda: None)  # keep the test process's torch as is
    assert settings.torch_threads() == 7  # default: every core but one
    bar_owner = __import__("PySide6.QtWidgets", fromlist=["QStatusBar"]).QStatusBar()
    qtbot.addWidget(bar_owner)
    status = StatusFields(doc, bar_owner)
    with qtbot.waitSignal(settings.signals().torchThreadsChanged):
        settings.set_torch_threads(3)
    assert settings.torch_threads() == 3 and status.threads.text() == "3 torch threads"
    assert training.threads.value() == 3
    assert doc.undo_stack.count() == 0


# -- data ------------------------------------------------------------------------------------------
@pytest.fixture
def data(qtbot, doc):
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    return panel


def test_choose_a_builtin_set_and_edit_its_params(doc, data):
    src = data.source
    src.activated.emit(src.findData("moons"))
    assert doc.project.data.source == "moons" and doc.dataset.name.startswith("moons")
    assert "half moons" in data.doc.text()
    data.params.editor("noise").spin.setValue(0.3)
    assert doc.project.data.params == {"noise": 0.3}
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project.data.source == "spiral" and src.currentData() == "spiral"


@pytest.mark.parametrize("source, page", [("spiral", "plot"), ("sine", "plot"), ("diagnosis", "table"),
                                          ("digits", "images")])
def test_preview_fits_the_data(doc, data, source, page, qtbot):
    data.source.activated.emit(data.source.findData(source))
    qtbot.waitUntil(turns.settled)                      # the first scatter's plot is made in a turn of its own
    assert doc.data_error == ""
    assert data.preview.stack.currentWidget() is getattr(data.preview, page)
    if source == "diagnosis":
        assert "healthy" in data.preview.balance.text()
        assert data.preview.table.rowCount() > 0


def test_split_fractions_refused_together_say_why(doc, data):
    data.fields["val_fraction"].spin.setValue(0.6)
    data.fields["test_fraction"].spin.setValue(0.5)
    assert doc.project.data.test_fraction == 0.0
    assert "val_fraction" in data.fields["test_fraction"].error_text()


def test_csv_file_is_stored_relative_and_errors_are_shown(doc, data, tmp_path, monkeypatch, qtbot):
    folder = tmp_path / "proj"
    folder.mkdir()
    doc.save(folder / "p.losslab.json")
    good = folder / "data" / "t.csv"
    good.parent.mkdir()
    good.write_text("a,b,label\n" + "\n".join(f"{i},{i * 2 % 7},{i % 2}" for i in range(50)) + "\n")
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(good))
    with qtbot.waitSignal(data.load_row.loadFinished):  # CSV files load off the GUI thread
        data.source.activated.emit(data.source.findData("csv"))
    assert doc.project.data.source == "csv" and doc.project.data.path == "data/t.csv"
    assert doc.data_error == "" and data.path.text() == "data/t.csv"
    assert [data.target.itemText(i) for i in range(data.target.count())][:2] == ["(last column)", "label"]
    bad = folder / "bad.csv"
    bad.write_text("a,b,label\n1,2,0\n3,oops,1\n" + "5,6,0\n" * 5)
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(bad))
    with qtbot.waitSignal(data.load_row.loadFinished):
        data.file_row.findChild(data_panel.QPushButton).click()
    assert doc.data_error and data.error.isVisibleTo(data) and "oops" in data.error.text()
    assert "line 3" in data.error.text()


# -- outputs ---------------------------------------------------------------------------------------
@pytest.fixture
def outputs(qtbot, doc):
    panel = OutputsPanel(doc)
    qtbot.addWidget(panel)
    return panel


def test_losses_that_do_not_fit_are_marked(doc, outputs):
    head = outputs.heads[0]
    texts = {head.loss.itemData(i): head.loss.itemText(i) for i in range(head.loss.count())}
    assert texts["CrossEntropyLoss"] == "CrossEntropyLoss"
    assert "does not fit" in texts["L1Loss"]
    assert head.fit.text().startswith("✓")
    head.loss.activated.emit(head.loss.findData("L1Loss"))
    assert doc.project.outputs[0].loss.type == "L1Loss"
    assert head.fit.text().startswith("✗") and "regression" in head.fit.text()
    doc.undo_stack.undo()
    assert head.loss.currentData() == "CrossEntropyLoss"


def test_loss_params_and_weight(doc, outputs):
    head = outputs.heads[0]
    head.params.editor("label_smoothing").spin.setValue(0.1)
    head.weight.spin.setValue(2.0)
    o = doc.project.outputs[0]
    assert o.loss.params == {"label_smoothing": 0.1} and o.weight == 2.0


def test_add_and_remove_heads(doc, outputs):
    assert outputs.add_head()
    assert len(doc.project.outputs) == 2 and len(outputs.heads) == 2
    outputs.heads[1].remove.click()
    assert len(doc.project.outputs) == 1
    outputs.remove_head(0)
    assert doc.project.outputs == [] and outputs.empty.isVisibleTo(outputs)
    doc.undo_stack.undo()
    assert len(outputs.heads) == 1 and outputs.heads[0].node.currentData() == "out"


def test_two_headed_example_shows_both_targets(qtbot):
    p = EXAMPLES / "diagnosis.losslab.json"
    d = ProjectDocument(Project(), load_data=False)
    d.replace(Project.load(p), p)
    panel = OutputsPanel(d)
    qtbot.addWidget(panel)
    assert len(panel.heads) == len(d.project.outputs) >= 2
    for head in panel.heads:
        assert head.fit.text().startswith("✓"), head.fit.text()


def _laid_out(panel) -> bool:
    """Every word-wrapped text as tall as its lines need, none over another, and the preview as tall as
    the page it shows (the digits' images), not as its tallest page (a plot)."""
    texts, preview = [panel.doc, panel.summary], panel.preview
    return (all(t.height() >= t.heightForWidth(t.width()) for t in texts)
            and panel.doc.geometry().bottom() < panel.summary.geometry().top()
            and panel.summary.geometry().bottom() < preview.geometry().top()
            and preview.height() <= max(preview.sizeHint().height(), preview.minimumHeight()) + 2)


def test_switching_data_sets_lays_the_panel_out_again(doc, data, qtbot):
    data.resize(380, 460)
    data.show()
    qtbot.waitExposed(data)
    qtbot.waitUntil(lambda: _laid_out(data))
    for source in ("digits", "sine", "diagnosis", "spiral", "digits"):
        data.source.activated.emit(data.source.findData(source))
        qtbot.waitUntil(lambda: _laid_out(data))
