"""The Deployment tab offscreen: example stream, scenarios, traffic light, table, plots."""
from __future__ import annotations

import json

import pytest

from core.project import Project
from guiapp.deployment import DeploymentView
from guiapp.deployment import source as deployment_source
from guiapp.deployment import view as deployment_view
from guiapp.document import ProjectDocument
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from core.training import train, trained_model
    doc = json.loads((EXAMPLES / "diagnosis.losslab.json").read_text())
    doc["data"]["params"] = {"samples": 1500}
    doc["training"]["epochs"] = 12
    folder = tmp_path_factory.mktemp("dep")
    project = Project.from_dict(doc, folder)
    project.save(folder / "diagnosis.losslab.json")
    return folder / "diagnosis.losslab.json", trained_model(project, train(project, diagnose=False))


@pytest.fixture
def view(qtbot, trained):
    path, model = trained
    d = ProjectDocument(Project(), load_data=False)
    d.replace(Project.load(path), path)
    w = DeploymentView(d, lambda: model)
    qtbot.addWidget(w)
    w.resize(1200, 600)
    return w


def _check(qtbot, view):
    with qtbot.waitSignal(view.checkFinished, timeout=60_000) as blocker:
        view.check_button.click()
    return blocker.args[0]


def test_example_stream_in_two_clicks(qtbot, view):
    view.select_source("stream")
    check = _check(qtbot, view)
    assert check is not None, view.error
    assert check.report.verdict == "dataset_drifted" and view.light.toolTip().startswith("data set drifted")
    assert view.verdict.text().startswith("<b>diagnosis-stream.csv</b> — data set drifted: 2 of 8 features drifted")
    assert view.table.rowCount() == 8
    top = {view.table.item(i, 0).text() for i in range(2)}
    assert top == {"glucose", "blood_pressure"}
    assert view.histogram.feature in top
    kinds = set(view.over_time.markers)
    assert kinds == {"input_drift", "performance_decline"}
    assert view.over_time.markers["performance_decline"] >= view.over_time.markers["input_drift"]
    assert "on validation" in view.words.text() and "on deployment" in view.words.text()
    # both plots mark where each finding starts; only the upper one names it (two names overlapped below)
    import pyqtgraph as pg

    def marker_lines(plot):
        return [i for i in plot.getPlotItem().items if isinstance(i, pg.InfiniteLine) and i.angle == 90]
    upper, lower = marker_lines(view.over_time.loss), marker_lines(view.over_time.drift)
    assert len(upper) == len(lower) == 2
    assert sorted(line.label.toPlainText() for line in upper) == ["input drift", "performance decline"]
    assert all(getattr(line, "label", None) is None for line in lower)


def test_scenarios_light_and_histograms(qtbot, view):
    view.select_source("label_noise")
    check = _check(qtbot, view)
    assert check.light == "green" and not check.report.drifted
    view.select_source("shift")
    view.features.setText("age")
    view.k.setValue(2.0)
    check = _check(qtbot, view)
    assert "age" in {f.name for f in check.report.drifted} and check.light in ("amber", "red")
    assert view.table.item(0, 0).text() == "age" and view.histogram.feature == "age"
    view.features.setText("no_such_feature")
    assert _check(qtbot, view) is None and "no_such_feature" in view.verdict.text()


def test_file_without_target_and_a_bad_file(qtbot, view, tmp_path, monkeypatch):
    from core.drift.streams import diagnosis_stream
    header, rows = diagnosis_stream(n=600)
    path = tmp_path / "no-target.csv"
    path.write_text(",".join(header[:-2]) + "\n" + "\n".join(",".join(map(str, r[:-2])) for r in rows) + "\n")
    monkeypatch.setattr(deployment_source, "choose_deployment_file", lambda parent, start="": str(path))
    view.select_source("file")
    check = _check(qtbot, view)  # no file chosen yet: Check asks for one
    assert check is not None and "drift and confidence only" in view.words.text()
    assert "mean confidence" in view.over_time.loss.plotItem.titleLabel.text
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    monkeypatch.setattr(deployment_source, "choose_deployment_file", lambda parent, start="": str(bad))
    view.source.activated.emit(view.source.findData("file"))  # choosing "CSV file…" again asks again
    assert _check(qtbot, view) is None and "binary" in view.verdict.text()
    assert view.table.rowCount() == 0 and view.histogram.feature == "" and view.words.text() == ""


def test_saved_weights_instead_of_the_window_model(qtbot, view, trained, tmp_path, monkeypatch):
    import torch
    _, model = trained
    torch.save(model.state_dict(), tmp_path / "w.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    view.model_provider = lambda: None
    monkeypatch.setattr(deployment_view, "choose_weights_file", lambda parent, start="": str(tmp_path / "w.pt"))
    view.weights_button.click()
    assert view.weights_button.text() == "w.pt"
    view.select_source("stream")
    check = _check(qtbot, view)
    assert check is not None and check.comparison is not None
    monkeypatch.setattr(deployment_view, "choose_weights_file", lambda parent, start="": str(tmp_path / "junk.pt"))
    view.weights_button.click()
    assert _check(qtbot, view) is None and "not a saved" in view.verdict.text()


def test_a_newer_check_supersedes_a_running_one_and_close_leaves_no_thread(qtbot, view):
    """Check twice in a row: only the newer check is shown; shutdown (window close) waits for every thread."""
    shown = []
    view.checkFinished.connect(shown.append)
    view.select_source("stream")
    view.run_check()
    view.select_source("label_noise")
    with qtbot.waitSignal(view.checkFinished, timeout=60_000):
        view.run_check()
    assert len(shown) == 1 and shown[0] is not None and shown[0].name.endswith(": label_noise"), shown[0].name
    assert view.progress.isHidden() and view.check_button.isEnabled()
    view.run_check()
    assert view.is_running()
    view.shutdown()                              # cancels, waits, and never reports the cancelled check
    assert not view.is_running() and len(shown) == 1


def test_choosing_csv_file_asks_once_and_check_reuses_it(qtbot, view, tmp_path, monkeypatch):
    from core.drift.streams import diagnosis_stream
    header, rows = diagnosis_stream(n=600)
    path = tmp_path / "clinic.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    asked = []
    monkeypatch.setattr(deployment_source, "choose_deployment_file",
                        lambda parent, start="": asked.append(start) or str(path))
    i = view.source.findData("file")
    view.source.setCurrentIndex(i)
    view.source.activated.emit(i)          # what a person's choice in the box emits: the dialog opens now
    assert asked and view.picker.file_path == str(path) and view.source.itemText(i) == "CSV file: clinic.csv"
    assert _check(qtbot, view) is not None and _check(qtbot, view) is not None
    assert len(asked) == 1                 # two Checks, one question
    assert view.histogram.plot.plotItem.titleLabel.text.endswith("training vs clinic.csv")


def test_histogram_follows_each_new_check(qtbot, view):
    view.select_source("shift")
    view.features.setText("age")
    view.k.setValue(2.0)
    _check(qtbot, view)
    title = view.histogram.plot.plotItem.titleLabel.text
    assert title.startswith("age: training vs") and "shift" in title
    view.select_source("label_noise")      # the first row stays selected: its histogram must still be redrawn
    check = _check(qtbot, view)
    top = view.table.item(0, 0).text()
    assert view.histogram.feature == top
    assert view.histogram.plot.plotItem.titleLabel.text == f"{top}: training vs {check.name}"


def test_one_drifted_feature_is_never_called_stable(qtbot, view):
    """1 of 8 features moved 1 sd: under the data set's 20% line, but a drift: amber, named, weighed."""
    view.select_source("shift")
    view.features.setText("glucose")
    view.k.setValue(1.0)
    check = _check(qtbot, view)
    assert [f.name for f in check.report.drifted] == ["glucose"] and check.report.verdict == "features_drifted"
    assert check.light == "amber" and view.light.toolTip().startswith("features drifted")
    text = view.verdict.text()
    assert "stable" not in text and "features drifted: 1 of 8 features drifted: glucose (PSI" in text
    assert "of the model's reliance" in text


def test_the_start_of_the_drift_in_words(qtbot, view):
    view.select_source("stream")
    check = _check(qtbot, view)
    drift = check.monitor.finding("input_drift")
    words = view.words.text().splitlines()
    assert words[0].startswith("input drift: ") and f"from rows {drift.start_row}-" in words[0]
    assert "of the model's reliance" in words[0]
    assert any(line.startswith("performance decline: ") and "input drift" in line for line in words)


def test_default_source_follows_the_project(qtbot, trained):
    """A CSV project has no example stream: the box starts on a CSV file, and the stream cannot be picked."""
    from tests.conftest import EXAMPLES
    path, model = trained
    d = ProjectDocument(Project(), load_data=False)
    d.replace(Project.load(EXAMPLES / "csv-moons.losslab.json"), EXAMPLES / "csv-moons.losslab.json")
    w = DeploymentView(d, lambda: None)
    qtbot.addWidget(w)
    stream = w.source.findData("stream")
    assert w.source.currentData() == "file" and not w.source.model().item(stream).isEnabled()
    d.replace(Project.load(path), path)     # File ▸ Open a diagnosis project
    assert w.source.currentData() == "stream" and w.source.model().item(stream).isEnabled()
    w.picker.file_path = "/somewhere/old.csv"
    d.replace(Project.load(EXAMPLES / "csv-moons.losslab.json"), EXAMPLES / "csv-moons.losslab.json")
    assert w.source.currentData() == "file" and w.picker.file_path is None  # a file for other columns is forgotten


def test_opening_another_project_clears_the_last_check(qtbot, view):
    """The tab kept "cat.csv — data set drifted" and its table after another project was opened."""
    view.select_source("stream")
    assert _check(qtbot, view) is not None
    assert view.table.rowCount() == 8 and view.result is not None
    view.picker.document.replace(Project.load(EXAMPLES / "csv-moons.losslab.json"), EXAMPLES / "csv-moons.losslab.json")
    assert view.result is None and view.table.rowCount() == 0 and view.words.text() == ""
    assert view.verdict.text() == "Pick deployment data and press Check." and view.light.toolTip() == "not checked yet"
    assert view.over_time.markers == {}
