"""Run on a trained model: Continue (the schedule carries on) or Restart, the choice remembered, the
progress saying which; old curves and findings marked stale after an edit or a data error; the loss
plots on a log scale after a divergence; the evidence in plain words."""
from __future__ import annotations

import pytest

from core.project import Project
from guiapp import settings
from guiapp.document import ProjectDocument
from guiapp.training import FindingsPanel, TrainingController, TrainingPanel, run_mode
from tests.conftest import EXAMPLES
from core.edit_events import EditEvent

SPIRAL = EXAMPLES / "spiral.losslab.json"


def spiral(epochs: int = 2, schedule: dict | None = None, optimizer: dict | None = None) -> Project:
    d = Project.load(SPIRAL).to_dict()
    d["training"].update(epochs=epochs, schedule=schedule or {"type": "CosineAnnealingLR", "params": {}})
    if optimizer:
        d["training"]["optimizer"] = optimizer
    d["data"]["params"]["samples"] = 200
    return Project.from_dict(d, SPIRAL.parent)


@pytest.fixture
def views(qtbot, isolated):
    made = []

    def make(project: Project):
        c = TrainingController(ProjectDocument(project))
        panel, findings = TrainingPanel(c), FindingsPanel(c)
        for w in (panel, findings):
            qtbot.addWidget(w)
            w.show()
        made.append(c)
        return c, panel, findings

    yield make
    for c in made:
        assert c.stop_and_wait(2.0)


@pytest.fixture
def answers(monkeypatch):
    asked: list = []
    answer = {"value": ("continue", False)}

    def ask(parent, done, more):
        asked.append((done, more))
        return answer["value"]
    monkeypatch.setattr(run_mode, "ask_continue_or_restart", ask)
    return asked, answer


def press_run(qtbot, c):
    with qtbot.waitSignal(c.runFinished, timeout=60_000) as finished:
        c.run_action.trigger()
    return finished.args[0]


def test_continue_adds_epochs_and_the_schedule_carries_on(qtbot, views, answers):
    asked, _ = answers
    c, panel, _ = views(spiral())
    first = press_run(qtbot, c)
    assert not asked and first.epochs_run == 2             # the first Run asks nothing
    lr_end = float(c.history.step_column("lr")[-1])
    n_first = c.history.n_steps
    starts = []
    c.runStarted.connect(lambda _info: starts.append(panel.progress.format()))
    second = press_run(qtbot, c)
    assert asked == [(2, 2)]
    assert second.start_epoch == 2 and second.epochs_run == 4 and c.history.n_epochs == 4
    assert starts and starts[0].startswith("Continuing from epoch 2")
    lrs = c.history.step_column("lr")[n_first:]
    assert float(lrs[0]) <= lr_end * 1.0001, "the cosine schedule restarted at the full rate"


def test_restart_gives_fresh_weights_and_the_remembered_choice_stops_asking(qtbot, views, answers):
    asked, answer = answers
    answer["value"] = ("restart", True)
    c, panel, _ = views(spiral())
    press_run(qtbot, c)
    second = press_run(qtbot, c)
    assert second.start_epoch == 0 and c.history.n_epochs == 2
    assert run_mode.remembered() == "restart" and settings.value(run_mode.SETTING) == "restart"
    third = press_run(qtbot, c)
    assert len(asked) == 1 and third.start_epoch == 0 and c.run_mode.last_choice == "restart"


def test_cancel_runs_nothing(qtbot, views, answers):
    _, answer = answers
    c, _, _ = views(spiral())
    press_run(qtbot, c)
    answer["value"] = (None, False)
    c.run_action.trigger()
    assert not c.is_running() and c.history.n_epochs == 2


def test_an_edit_marks_the_old_curves_and_findings_stale_until_the_next_run(qtbot, views, answers):
    c, panel, findings = views(spiral())
    press_run(qtbot, c)
    assert not panel.is_stale() and panel.progress.format().startswith("Completed")
    doc = c.document
    node = next(n for n in doc.project.model.nodes if n.type == "Linear")
    with qtbot.waitSignal(c.staleness.staleChanged):
        assert doc.edit("width", lambda p: p.model.node(node.id).params.__setitem__("out_features", 24),
                        EditEvent("node_params_changed", (node.id,)))
    assert panel.is_stale() and findings.is_stale()
    assert panel.progress.format().startswith("From the previous model — Completed")
    assert all(p.getPlotItem().opacity() < 0.5 for p in panel.plots.values())
    assert "from the previous model" in findings.stale_note.text().lower()
    press_run(qtbot, c)                                        # the edited model: fresh weights, no question
    assert not panel.is_stale() and not findings.is_stale()
    assert all(p.getPlotItem().opacity() == 1.0 for p in panel.plots.values())
    assert not panel.progress.format().startswith("From the previous model")


def test_a_data_error_marks_the_run_stale_and_reset_clears_it(qtbot, views, answers, tmp_path):
    c, panel, findings = views(spiral())
    press_run(qtbot, c)
    doc = c.document
    missing = tmp_path / "gone.csv"

    def to_missing(p):
        p.data.source, p.data.path = "csv", str(missing)
    with qtbot.waitSignal(c.staleness.staleChanged):
        doc.edit("data", to_missing, "data")
    assert panel.is_stale() and "data" in c.staleness.reason
    c.reset()
    assert not panel.is_stale() and c.history.n_steps == 0
    assert all(p.point_count("raw") == 0 for p in (panel.step_plot,))


def test_after_a_divergence_the_loss_plots_switch_to_log_scale_and_say_so(qtbot, views, answers):
    c, panel, _ = views(spiral(epochs=20, schedule={"type": "Constant", "params": {}},
                               optimizer={"type": "SGD", "params": {"lr": 100.0}}))
    assert not panel.log_y.isChecked()
    result = press_run(qtbot, c)
    assert result.status == "diverged"
    assert panel.log_y.isChecked() and panel.tools.auto_log and "auto" in panel.log_y.text()
    assert panel.epoch_plot.log_y and panel.step_plot.log_y
    assert panel.banner_visible() and panel.banner.finding.kind == "divergence"
    assert panel.banner.line.text().startswith("Diverged")
    c.reset()                                     # a fresh start goes back to the person's linear axis
    assert not panel.log_y.isChecked() and panel.log_y.text() == "Log scale"


def test_evidence_shows_plain_words_with_definitions_and_keeps_raw_keys(qtbot, views):
    from core.diagnostics import Finding
    c, _, findings = views(spiral())
    f = Finding(kind="overfitting", severity="warning", message="Overfitting since epoch 37: up 12%",
                suggestion="add dropout", start_epoch=37, end_epoch=80,
                evidence={"GL": 12.3, "GL_raw": 15.0, "P5": 0.8, "PQ": 15.4, "UP": 3, "gap_at_best": 0.02,
                          "smooth_window": 5})
    c.findingsChanged.emit([f])
    top = findings.item_for(f)
    evidence = next(top.child(i) for i in range(top.childCount()) if top.child(i).text(0).startswith("Evidence"))
    rows = {evidence.child(i).data(0, findings_role()): evidence.child(i) for i in range(evidence.childCount())}
    assert set(rows) == {"GL", "GL_raw", "P5", "PQ", "UP", "gap_at_best", "smooth_window"}
    assert rows["GL"].text(0) == "generalization loss: 12.3%"
    assert "how far" in rows["GL"].toolTip(0) and "(GL)" in rows["GL"].toolTip(0)
    assert rows["P5"].text(0).startswith("training progress (5 epochs)")
    assert rows["smooth_window"].text(0) == "smoothing window: 5 epochs"
    for row in rows.values():                       # no raw key shown as the label
        assert not row.text(0).split(":")[0] in ("GL", "GL_raw", "P5", "PQ", "UP", "gap_at_best", "smooth_window")
    assert f.to_dict()["evidence"]["GL"] == 12.3    # the JSON keeps the raw keys


def findings_role():
    from guiapp.training.findings_panel import ROLE
    return ROLE


def test_when_the_data_loads_again_the_findings_no_longer_say_it_could_not_be_loaded(qtbot, views, answers, tmp_path):
    """A broken path, then the file put in place: the note says what is true now (the data changed),
    never the old "could not be loaded"."""
    c, panel, findings = views(spiral())
    press_run(qtbot, c)
    doc = c.document
    table = tmp_path / "t.csv"

    def to_csv(p):
        p.data.source, p.data.params, p.data.path = "csv", {}, str(table)
        p.data.target = p.data.features = None
    doc.edit("data", to_csv, "data")
    assert "could not be loaded" in findings.stale_note.text()
    table.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    doc.edit("data", lambda p: setattr(p.data, "val_fraction", 0.25), "data")
    assert not doc.data_error
    assert findings.is_stale() and "could not be loaded" not in findings.stale_note.text()
    assert "could not be loaded" not in panel.progress.toolTip()
