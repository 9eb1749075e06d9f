"""The Study window as a person reads it: it fits the screen, its table names the tests in tooltips and
the metrics in words, says "not distinguishable" rather than "same", and the dialog offers the fair
optimizer comparison."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.project import Project
from core.studies import StudySpec, plan_study, summarize

ROOT = Path(__file__).resolve().parents[2]
SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"


def _spiral(samples: int = 200) -> Project:
    doc = Project.load(SPIRAL).to_dict()
    doc["data"]["params"]["samples"] = samples
    return Project.from_dict(doc, SPIRAL.parent)


def _outcome(lr, seed, end, lowest=None, epoch=10, dip=False, failed=False):
    return {"index": 0, "setting": {"lr": lr}, "seed": seed, "status": "failed" if failed else "completed",
            "run_id": f"r{lr}{seed}", "end_val_loss": end, "best_val_loss": end if lowest is None else lowest,
            "best_epoch": epoch, "early_dip": dip, "final_train_loss": end / 2, "seconds": 1.5,
            "metric_name": "val_accuracy", "metric": 0.9, "message": "boom" if failed else ""}


def test_the_study_window_fits_the_available_screen(qtbot):
    """It opened at 1200x800 whatever the screen; the preset's picker and export buttons made it wider still."""
    from core.data import load_dataset
    from core.studies import build_batch
    from guiapp.studies import StudyView
    project = _spiral()
    batch = build_batch(project, load_dataset(project.data, project.base_dir), preset="neural-net-loss", seeds=1)
    view = StudyView(batch)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    free = view.screen().availableGeometry()
    assert free.width() < 1200                                 # the offscreen screen: smaller than the default
    assert free.contains(view.geometry()), (free, view.geometry())
    # as wide as the screen lets it be, less the window frame (guiapp.widgets.screen_fit, shared with the main window)
    assert free.width() - 40 <= view.width() <= free.width() and view.minimumSizeHint().width() <= free.width()
    assert view.height() <= free.height()


def test_the_table_names_the_test_in_tooltips_and_speaks_plain_words(qtbot):
    from guiapp.studies.table import StudyTable
    outcomes = ([_outcome(0.01, s, v) for s, v in enumerate((0.10, 0.11, 0.12))]
                + [_outcome(0.1, s, v, lowest=0.03, epoch=2, dip=True) for s, v in enumerate((0.30, 0.35, 0.28))]
                + [_outcome(0.001, s, v) for s, v in enumerate((0.115, 0.125, 0.105))]
                + [_outcome(0.001, 3, 0.1, failed=True)])
    result = summarize("s", ["lr"], [{"lr": 0.001}, {"lr": 0.01}, {"lr": 0.1}], outcomes)
    table = StudyTable()
    qtbot.addWidget(table)
    table.show_result(result)
    headers = [table.horizontalHeaderItem(j).text().replace("\n", " ") for j in range(table.columnCount())]
    assert "validation loss at the end" in headers and "validation accuracy at the end" in headers
    assert not any("Welch" in h or "val_" in h for h in headers)           # the test is in the tooltip
    col = {h: j for j, h in enumerate(headers)}
    verdict = col["vs the best"]
    tip = table.horizontalHeaderItem(verdict).toolTip()
    assert "Holm-Bonferroni over all 3 pairwise comparisons" in tip
    assert "Welch" in table.horizontalHeaderItem(col["p before correction"]).toolTip()
    assert "last 5 epochs" in table.horizontalHeaderItem(col["validation loss at the end"]).toolTip()
    cells = [[table.item(i, j).text() for j in range(table.columnCount())] for i in range(3)]
    assert cells[0][verdict].startswith("not distinguishable (p = ") and cells[1][verdict] == "best"
    assert cells[2][verdict].startswith("worse (p = ")
    assert "Welch's t-test" in table.item(2, verdict).toolTip() and "before correction" in table.item(2, verdict).toolTip()
    assert cells[2][col["difference from the best (95% CI)"]].startswith("+0.2 (")
    notes = table.item(2, col["notes"])
    assert notes.text() == "early dip 3/3" and "not a setting to keep" in notes.toolTip()
    assert "failed 1/4" in cells[0][col["notes"]] and "boom" in table.item(0, col["notes"]).toolTip()
    assert table.item(1, 0).font().bold()
    hidden = [h for j, h in enumerate(headers) if table.isColumnHidden(j)]
    assert hidden == ["final training loss", "time (s)"] and "time (s): 1.5" in table.item(0, 0).toolTip()


def test_the_table_fits_a_1280_px_window_without_scrolling(qtbot):
    """The widest realistic row (two knobs, every note) at the view's width on a 1280x800 screen."""
    from guiapp.studies.table import StudyTable
    outcomes = []
    for lr in (0.001, 0.01, 0.1):
        for seed, v in enumerate((0.1234567, 0.2345678, 0.3456789)):
            o = _outcome(lr, seed, v * (1 + lr), lowest=v / 3, epoch=2, dip=True)
            o.update(setting={"lr": lr, "activation": "Sigmoid"}, overfit=True, diverged=True)
            outcomes.append(o)
    result = summarize("s", ["lr", "activation"], [{"lr": lr, "activation": "Sigmoid"} for lr in (0.001, 0.01, 0.1)],
                       outcomes)
    table = StudyTable()
    qtbot.addWidget(table)
    table.resize(1200 - 24, 300)
    table.show_result(result)
    used = sum(table.columnWidth(j) for j in range(table.columnCount()) if not table.isColumnHidden(j))
    assert used <= 1200 - 24 - 4, used


def test_the_dialog_offers_the_fair_optimizer_comparison(qtbot):
    from guiapp.studies import StudyDialog
    d = StudyDialog(_spiral())
    qtbot.addWidget(d)
    d.knob1.setCurrentText("optimizer")
    d.seeds.setValue(2)
    labels = [d.tune_lr.itemText(i) for i in range(d.tune_lr.count())]
    assert labels[0].startswith("the project's") and any("0.001, 0.01, 0.1, 1" in t for t in labels)
    d.tune_lr.setCurrentIndex(labels.index(next(t for t in labels if "0.001, 0.01, 0.1, 1" in t)))
    with qtbot.waitSignal(d.planFinished, timeout=120_000):   # planned on the task runner
        d.accept()
    assert d.result() == 1
    (title, plan), = d.plans
    assert plan.grid == [0.001, 0.01, 0.1, 1.0] and len(plan.tasks) == 3 * 4 * 2
    assert plan.comparison.startswith("each setting at its own learning rate")
    d2 = StudyDialog(_spiral())
    qtbot.addWidget(d2)
    d2.knob1.setCurrentText("lr")
    d2.tune_lr.setCurrentIndex(1)
    with qtbot.waitSignal(d2.planFinished, timeout=120_000):   # planned on the task runner
        d2.accept()
    assert d2.result() == 0 and "cannot also vary lr" in d2.error.text()
    d2.preset.setChecked(True)
    assert not d2.tune_lr.isEnabled()                  # the preset runs its optimizer study both ways itself


def test_the_dialog_plans_with_the_windows_data_and_reads_no_file(qtbot, monkeypatch):
    """Planning read the whole data set again on the GUI thread (15 s for a big CSV): the window's
    dataset is handed over and nothing is read."""
    import core.data
    from guiapp.studies import StudyDialog
    project = _spiral()
    dataset = core.data.load_dataset(project.data, project.base_dir)

    def no_reading(*_a, **_k):
        raise AssertionError("the study dialog read the data again")
    monkeypatch.setattr(core.data, "load_dataset", no_reading)
    d = StudyDialog(project, dataset=dataset)
    qtbot.addWidget(d)
    d.knob1.setCurrentText("lr")
    with qtbot.waitSignal(d.planFinished, timeout=120_000):   # planned on the task runner
        d.accept()
    assert d.result() == 1 and len(d.plans) == 1


@pytest.mark.xdist_group("worker_pool")  # one fork server for every study test
def test_a_real_study_in_the_window_shows_differences_and_the_comparison(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    from guiapp.studies import StudyView
    plans = [("", plan_study(_spiral(), StudySpec.from_vary({"lr": [1e-5, 0.05]}, seeds=2, epochs=3)))]
    view = StudyView(plans, workers=1)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.studyFinished, timeout=300_000) as done:
        view.start()
    assert done.args[0] == "done"
    assert "learning rates as listed" in view.heading.text() and "last 5 epochs" in view.heading.text()
    result = view.result()
    slow = next(r for r in result.rows if r.setting["lr"] == 1e-5)
    assert result.best.setting == {"lr": 0.05} and slow.ci95 is not None and slow.difference_vs_best > 0
    assert "(95% CI" in view.sentence.text()
    csv = view.export(tmp_path / "s.csv", "csv").read_text()
    assert csv.startswith("lr,n,training_samples,") and "p_value_adjusted" in csv.splitlines()[0]
    json.dumps(result.to_json(), allow_nan=False)


def test_the_dialog_offers_the_learning_curve_one_preset_at_a_time(qtbot):
    from guiapp.studies import StudyDialog
    d = StudyDialog(_spiral(400))
    qtbot.addWidget(d)
    d.preset.setChecked(True)
    d.learning_curve.setChecked(True)
    assert not d.preset.isChecked() and not d.knob1.isEnabled()
    d.seeds.setValue(2)
    with qtbot.waitSignal(d.planFinished, timeout=120_000):   # planned on the task runner
        d.accept()
    assert d.result() == 1 and d.batch.preset == "learning-curve"
    (_, plan), = d.plans
    sizes = plan.spec.values[0]
    assert plan.spec.knobs[0].name == "data_size" and len(sizes) == 6 and sizes[-1] == 1.0
    assert len(plan.tasks) == 12


@pytest.mark.xdist_group("worker_pool")  # one fork server for every study test
def test_a_real_learning_curve_in_the_window_draws_points_fit_and_sentence(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    from core.data import load_dataset
    from core.studies.curve_study import learning_curve_batch
    from guiapp.studies import StudyView
    project = _spiral(300)
    batch = learning_curve_batch(project, load_dataset(project.data, project.base_dir),
                                 sizes=[0.1, 0.2, 0.35, 0.6, 1.0], seeds=2, epochs=4)
    view = StudyView(batch, workers=2)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.studyFinished, timeout=300_000) as done:
        view.start()
    assert done.args[0] == "done"
    curve = view.curve
    assert [p.n for p in curve.points] == [24, 48, 84, 144, 240]
    assert view.sentence.text() == curve.sentence and curve.sentence
    assert view.summary.kind == ("points" if curve.fit.verdict in ("poor", "too few", "small data") else "fit")
    assert view.summary.getPlotItem().ctrl.logXCheck.isChecked()


def _verdicts(table) -> list[str]:
    col = next(j for j in range(table.columnCount())
               if table.horizontalHeaderItem(j).text().replace("\n", " ") == "vs the best")
    return [table.item(i, col).text() for i in range(table.rowCount())]


def test_settings_not_run_yet_wait_and_never_read_as_failures(qtbot, tmp_path, monkeypatch):
    """The try-out saw "lr=0.1 did not finish" at 50% of a running study: it had not started yet."""
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    from guiapp.studies import StudyView
    plans = [("", plan_study(_spiral(), StudySpec.from_vary({"lr": [1e-5, 0.01, 0.05]}, seeds=1, epochs=2)))]
    view = StudyView(plans, workers=1)
    qtbot.addWidget(view)
    assert _verdicts(view.table) == ["waiting"] * 3                # before and while it runs: waiting its turn
    seen = []
    shown = view._show_current

    def snapshot():
        shown()
        seen.append((view.state, _verdicts(view.table), view.sentence.text()))
    monkeypatch.setattr(view, "_show_current", snapshot)
    with qtbot.waitSignal(view.studyFinished, timeout=300_000) as done:
        view.start()
    assert done.args[0] == "done"
    running = [(v, s) for state, v, s in seen if state == "running"]
    assert not any("did not finish" in v or "did not finish" in s for v, s in running), running
    assert all(all(x == "waiting" or x == "best" or x.startswith(("worse", "not dist", "too few")) for x in v)
               for v, _s in running), running
    assert "waiting" not in _verdicts(view.table) and "waiting" not in view.sentence.text()
    # a cancelled study: what never ran reads "not run", never "waiting" once it has ended
    view = StudyView([("", plan_study(_spiral(), StudySpec.from_vary({"lr": [1e-5, 0.01, 0.05]}, seeds=1,
                                                                      epochs=2)))], workers=1)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.studyFinished, timeout=300_000) as done:
        view.start()
        view.cancel()
    assert done.args[0] == "cancelled"
    result = view.result()
    for row, text in zip(result.rows, _verdicts(view.table)):
        assert text != "waiting"
        if not row.scores and not row.failed and not row.cancelled:
            assert text == "not run"


def test_the_dialog_offers_the_small_data_preset_one_preset_at_a_time(qtbot):
    from guiapp.studies import StudyDialog
    d = StudyDialog(_spiral(400))
    qtbot.addWidget(d)
    d.learning_curve.setChecked(True)
    d.small_data.setChecked(True)
    assert not d.learning_curve.isChecked() and not d.preset.isChecked() and not d.knob1.isEnabled()
    assert d.request().preset == "small-data"
    d.seeds.setValue(2)
    with qtbot.waitSignal(d.planFinished, timeout=120_000):   # planned on the task runner
        d.accept()
    assert d.result() == 1 and d.batch.preset == "small-data"
    (_, plan), = d.plans
    # the spiral has no transferred layer and every row labelled: scratch against augmentation only
    assert plan.spec.values == [["scratch", "augmentation"]] and plan.baseline == {"helper": "scratch"}
    assert [t for t, _ in d.batch.skipped] == ["transfer", "pseudo-labels"]
    assert any(n.startswith("transfer not tried:") for n in plan.notes)
    d.small_data.setChecked(False)
    assert d.knob1.isEnabled()
