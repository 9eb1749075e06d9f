"""The Deployment tab offscreen: example stream, scenarios, traffic light, table, plots."""
from __future__ import annotations

import json

import pytest

from core.project import Project
from guiapp.deployment import DeploymentView
from guiapp.deployment import view as deployment_view
from guiapp.document import ProjectDocument
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from core.training import train
    doc = json.loads((EXAMPLES / "diagnosis.losslab.json").read_text())
    doc["data"]["params"] = {"samples": 1500}
    doc["training"]["epochs"] = 12
    folder = tmp_path_factory.mktemp("dep")
    project = Project.from_dict(doc, folder)
    project.save(folder / "diagnosis.losslab.json")
    return folder / "diagnosis.losslab.json", train(project, diagnose=False).model


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
    assert check.report.verdict == "drift" and view.light.toolTip().startswith("drift")
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
    monkeypatch.setattr(deployment_view, "choose_deployment_file", lambda parent, start="": str(path))
    view.select_source("file")
    check = _check(qtbot, view)
    assert check is not None and "drift and confidence only" in view.words.text()
    assert "mean confidence" in view.over_time.loss.plotItem.titleLabel.text
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    monkeypatch.setattr(deployment_view, "choose_deployment_file", lambda parent, start="": str(bad))
    assert _check(qtbot, view) is None and "binary" in view.verdict.text()


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
