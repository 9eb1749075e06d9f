"""The Study dialog and view: defaults and refusals, real trials in worker processes filling the table
and charts, Cancel, a study that cannot start, and the preset's nine studies."""
from __future__ import annotations

import json

import pytest

from core.project import Project
from core.studies import StudySpec, plan_study
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


def test_the_study_dialog_fills_defaults_and_refuses_bad_values(qtbot):
    from guiapp.studies import StudyDialog
    d = StudyDialog(Project.load(SPIRAL))
    qtbot.addWidget(d)
    d.knob1.setCurrentText("activation")
    assert d.values1.text() == "Sigmoid, ReLU, Tanh"
    d.knob1.setCurrentText("lr")
    d.values1.setText("0.01, fast")
    with qtbot.waitSignal(d.planFinished, timeout=120_000):   # planned on the task runner
        d.accept()
    assert d.result() == 0 and "lr='fast'" in d.error.text()


@pytest.mark.xdist_group("worker_pool")  # one fork server for every study test
def test_the_study_view_fills_its_table_and_charts_as_trials_finish(qtbot, store, tmp_path):
    from guiapp.studies import StudyView
    doc = Project.load(SPIRAL).to_dict()
    doc["data"]["params"]["samples"] = 200
    project = Project.from_dict(doc, SPIRAL.parent)
    plans = [("", plan_study(project, StudySpec.from_vary({"activation": ["ReLU", "Tanh"]}, seeds=2, epochs=2)))]
    view = StudyView(plans, workers=2)
    qtbot.addWidget(view)
    finished = []
    view.trialFinished.connect(finished.append)
    with qtbot.waitSignal(view.studyFinished, timeout=180_000) as done:
        view.start()
    assert done.args[0] == "done" and len(finished) == 4
    assert view.table.rowCount() == 2 and view.table.item(0, 0).text() == "ReLU"
    assert view.table.item(0, 1).text() == "2"
    assert view.summary.kind == "bars" and len(view.bands.items) == 8
    assert "reached the lowest validation loss at the end" in view.sentence.text()
    for fmt in ("csv", "md", "png", "svg"):
        path = view.export(tmp_path / f"study.{fmt}", fmt)
        assert path.stat().st_size > 100
    assert (tmp_path / "study.csv").read_text().startswith("activation,n,")
    assert "<svg" in (tmp_path / "study.svg").read_text()[:2000]
    assert len(store.list(study=plans[0][1].study)) == 4
    json.dumps([o.to_dict() for o in view.outcomes], allow_nan=False)


@pytest.mark.xdist_group("worker_pool")  # one fork server for every study test
def test_cancel_in_the_study_view_stops_cleanly(qtbot, store):
    from guiapp.studies import StudyView
    doc = Project.load(SPIRAL).to_dict()
    doc["data"]["params"]["samples"] = 200
    project = Project.from_dict(doc, SPIRAL.parent)
    plans = [("", plan_study(project, StudySpec.from_vary({"epochs": [1, 100000]}, seeds=2)))]
    view = StudyView(plans, workers=1)
    qtbot.addWidget(view)
    view.trialFinished.connect(lambda o: view.cancel())
    with qtbot.waitSignal(view.studyFinished, timeout=300_000) as done:
        view.start()
    assert done.args[0] == "cancelled" and view.status.text().startswith("cancelled")
    assert view.table.item(1, 1).text() == "0"           # the 100000-epoch setting never finished
    assert all(r.status in ("completed", "stopped") for r in store.list())


def test_a_study_that_cannot_start_says_why_and_ends(qtbot, store):
    from guiapp.studies import StudyView
    project = Project.load(SPIRAL)
    plans = [("", plan_study(project, StudySpec.from_vary({"activation": ["ReLU", "Tanh"]}, seeds=1, epochs=1)))]
    view = StudyView(plans, backend="abacus")
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.studyFinished, timeout=60_000) as done:
        view.start()
    assert done.args[0] == "failed" and view.status.text() == "unknown backend 'abacus': local or ray"
    assert not view.is_running() and not view.outcomes


def test_the_preset_in_the_window_plans_nine_studies_and_shows_one_at_a_time(qtbot):
    from guiapp.studies import StudyDialog, StudyView
    doc = Project.load(SPIRAL).to_dict()
    doc["data"]["params"]["samples"] = 200
    d = StudyDialog(Project.from_dict(doc, SPIRAL.parent))
    qtbot.addWidget(d)
    d.preset.setChecked(True)
    assert not d.knob1.isEnabled()
    d.seeds.setValue(2)
    with qtbot.waitSignal(d.planFinished, timeout=120_000):   # planned on the task runner
        d.accept()
    assert d.result() == 1 and len(d.plans) == 9     # the optimizer twice: at one rate, and each at its best
    assert sum(len(p.tasks) for _, p in d.plans) == 2 * (3 + 3 + 3 + 2 + 3 + 3 + 3 * 4 + 3 + 3)
    view = StudyView(d.plans)
    qtbot.addWidget(view)
    assert not view.picker.isHidden() and view.picker.count() == 9
    view.picker.setCurrentIndex(3)           # regularization: L1, L2
    assert view.table.rowCount() == 2 and view.table.item(1, 0).text() == "l2"
    view.picker.setCurrentIndex(7)           # depth 1, 2, 3 hidden layers
    assert [view.table.item(i, 0).text() for i in range(3)] == ["depth=1", "depth=2", "depth=3"]
