"""The Runs panel, the overlay of runs on the plots, the settings diff, the window's runs recorded,
Runs ▸ Continue (the Study dialog and view: ``test_study_window.py``)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.project import Project
from core.runs import RunRecorder
from core.training.events import EpochRecord, RunInfo, RunResult, StepRecords
from guiapp import turns
from guiapp.runs import RunOverlay, RunsPanel
from guiapp.runs.model import STARTED
from guiapp.training.loss_plots import EpochLossPlot, StepLossPlot
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


def record_run(store, name: str, lr: float = 0.01, epochs: int = 5, val0: float = 1.0, tags=()) -> str:
    """A run written through the recorder from synthetic trainer events (fast, no training)."""
    doc = Project.load(SPIRAL).to_dict()
    doc["training"]["optimizer"]["params"]["lr"] = lr
    project = Project.from_dict(doc, SPIRAL.parent)
    rec = RunRecorder(store, project, name=name, save_weights=False)
    rec.on_run_start(RunInfo(name, epochs, 4, 100, 20, 10, "cpu", 1, ("out",), "classification", lr))
    for e in range(1, epochs + 1):
        rec.on_steps(StepRecords(4 * e - 3, e, (val0 / e,) * 4, (lr,) * 4, (1.0,) * 4))
        rec.on_epoch_end(EpochRecord(e, 4 * e, val0 / e, val0 * 1.1 / e, lr, 0.01, 0.01 * e, {"val_accuracy": 0.5}))
    rec.on_run_end(RunResult("completed", epochs, epochs, val0 * 1.1 / epochs, [], 4 * epochs, 0.05 * epochs, 80.0))
    if tags:
        store.set_tags(rec.run_id, list(tags))
    return rec.run_id


@pytest.fixture
def panel(qtbot, store):
    epoch_plot, step_plot = EpochLossPlot(), StepLossPlot()
    qtbot.addWidget(epoch_plot)
    qtbot.addWidget(step_plot)
    p = RunsPanel(RunOverlay(epoch_plot, step_plot))
    qtbot.addWidget(p)
    return p


def _visible_names(panel) -> list[str]:
    return [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())]


def test_the_panel_lists_filters_sorts_renames_and_tags(panel, store):
    ids = [record_run(store, n, val0=v, tags=t) for n, v, t in
           (("alpha", 1.0, ("baseline",)), ("beta", 0.5, ()), ("gamma", 2.0, ("baseline",)))]
    panel.refresh()
    assert sorted(_visible_names(panel)) == ["alpha", "beta", "gamma"]
    panel.filter_edit.setText("baseline")
    assert sorted(_visible_names(panel)) == ["alpha", "gamma"]
    panel.filter_edit.clear()
    panel.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)      # best val loss
    assert _visible_names(panel) == ["beta", "alpha", "gamma"]
    panel.select_ids([ids[1]])
    panel.rename("beta (lr 0.01)")
    panel.tag(["keep", "good"])
    got = store.get(ids[1], steps=False)
    assert got.name == "beta (lr 0.01)" and got.tags == ["good", "keep"]
    assert panel.selected_ids() == [ids[1]]


def test_delete_and_undo_bring_the_run_back_whole(panel, store, tmp_path):
    project = Project.load(SPIRAL)
    project.data.params["samples"] = 200
    from core.training import train
    rec = RunRecorder(store, project)
    train(project, observer=rec, epochs=2, threads=1)
    before = store.get(rec.run_id)
    panel.refresh()
    panel.select_ids([rec.run_id])
    panel.delete_selected()
    assert panel.model.rowCount() == 0 and store.list() == []
    assert panel.buttons["undo"].isEnabled()
    panel.undo_delete()
    after = store.get(rec.run_id)
    assert after.history == before.history and np.array_equal(after.step_loss, before.step_loss)
    assert set(after.weights) == {"final", "best"} and store.load_weights(rec.run_id)
    assert panel.selected_ids() == [rec.run_id]


def test_selected_runs_overlay_the_plots_each_in_its_colour_with_a_legend(panel, store):
    ids = [record_run(store, f"run {i}", val0=1.0 + i) for i in range(3)]
    panel.refresh()
    panel.select_ids(ids)
    ep, sp = panel.overlay.epoch_plot, panel.overlay.step_plot
    val_keys = [k for k in ep.curves if k.startswith("overlay:") and k.endswith(":val")]
    assert len(val_keys) == 3 and len([k for k in sp.curves if k.startswith("overlay:")]) == 3
    colors = {ep.curves[k].opts["pen"].color().name() for k in val_keys}
    assert len(colors) == 3
    title = ep.title_text()
    assert all(f"run {i} (val)" in title for i in range(3))
    x, y = ep.data(f"overlay:{ids[2]}:val")
    assert x.tolist() == [1, 2, 3, 4, 5] and y[0] == pytest.approx(3.3)
    panel.select_ids(ids[:1])
    assert len([k for k in ep.curves if k.startswith("overlay:") and k.endswith(":val")]) == 1
    panel.overlay_box.setChecked(False)
    assert not [k for k in ep.curves if k.startswith("overlay:")]


def test_diff_shows_only_the_settings_that_differ(panel, store, qtbot):
    a, b = record_run(store, "a", lr=0.01), record_run(store, "b", lr=0.1)
    panel.refresh()
    panel.select_ids([a, b])
    assert panel.buttons["diff"].isEnabled()
    rows = panel.diff_rows()
    assert [r[0] for r in rows] == ["training.optimizer.params.lr"]
    assert {rows[0][1], rows[0][2]} == {0.01, 0.1}
    dialog = panel.show_diff()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 0).text() == "training.optimizer.params.lr"
    from PySide6.QtWidgets import QLabel
    assert [w.text() for w in dialog.findChildren(QLabel)] == ["1 setting differs:"]


def test_open_project_hands_over_the_runs_project(panel, store, qtbot):
    rid = record_run(store, "a", lr=0.03)
    panel.refresh()
    panel.select_ids([rid])
    with qtbot.waitSignal(panel.openProjectRequested) as got:
        panel.buttons["open"].trigger()
    project = got.args[0]
    assert project.training.optimizer.params["lr"] == 0.03 and project.name == "spiral"


def test_a_damaged_store_is_shown_in_the_panel_not_raised(panel, store, tmp_path, monkeypatch):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "runs.sqlite3").write_bytes(b"garbage" * 500)
    panel.store_dir, panel._store = bad, None
    panel.refresh()
    assert not panel.message.isHidden() and str(bad / "runs.sqlite3") in panel.message.text()


def test_the_window_records_its_runs_and_lists_them(qtbot, isolated, store, monkeypatch):
    from guiapp.document import ProjectDocument
    from guiapp.main_window import MainWindow
    doc = Project.load(SPIRAL).to_dict()
    doc["training"]["epochs"] = 3
    doc["data"]["params"]["samples"] = 200
    w = MainWindow(ProjectDocument(Project.from_dict(doc, SPIRAL.parent)))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.run_recorder.runRecorded, timeout=60_000) as recorded:
        assert w.controller.run()
    run = store.get(recorded.args[0])
    assert run.status == "completed" and run.epochs == 3 and run.step_index.tolist() == list(range(1, 16))
    assert [r.id for r in w.runs_panel.model.runs] == [run.id]
    assert w.study_action in w.train_menu.actions() and w.learning_curve_action in w.train_menu.actions()


def test_continue_loads_the_runs_project_and_weights_so_run_trains_them_on(qtbot, isolated, store, monkeypatch):
    """Two moons learned at lr 0.05, stored with lr 1e-7 in its project: after Runs ▸ Continue one
    epoch stays where that run ended (from fresh weights it would be back near chance)."""
    import torch

    from core.training import train
    from guiapp.document import ProjectDocument
    from guiapp.main_window import MainWindow
    doc = Project.load(SPIRAL).to_dict()
    doc["data"].update(source="moons", params={"samples": 300})
    doc["training"].update(schedule={"type": "Constant", "params": {}}, optimizer={"type": "Adam", "params": {"lr": 0.05}})
    learned = Project.from_dict(doc, SPIRAL.parent)
    doc["training"]["optimizer"]["params"]["lr"] = 1e-7
    slow = Project.from_dict(doc, SPIRAL.parent)
    rec = RunRecorder(store, slow, name="moons learned")
    result = train(learned, observer=rec, epochs=6, threads=1)
    end = result.history[-1].val_loss
    assert end < 0.45
    w = MainWindow(ProjectDocument(Project.load(SPIRAL)))
    qtbot.addWidget(w)
    panel = w.runs_panel
    panel.refresh()
    panel.select_ids([rec.run_id])
    assert panel.buttons["continue"].isEnabled()
    panel.buttons["continue"].trigger()
    qtbot.waitUntil(lambda: w.controller.loaded_run == rec.run_id, timeout=60_000)   # loaded on a task
    qtbot.waitUntil(turns.settled)          # the views, then the continued run's curves, in turns of their own
    assert w.document.project.data.source == "moons"
    assert w.document.project.training.optimizer.params["lr"] == 1e-7
    assert w.controller.has_trained_model()
    w.document.project.training.epochs = 1
    from guiapp.training import run_mode
    monkeypatch.setattr(run_mode, "ask_continue_or_restart", lambda *a: pytest.fail("Continue already chose"))
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000) as done:
        assert w.controller.run_mode.run()      # the Run button: no Continue-or-Restart question
    first = done.args[0].history[-1]
    # the epochs number on from the run it continued, which is drawn beside it and stored as its parent
    assert first.epoch == 7 and first.val_loss == pytest.approx(end, abs=0.01)
    assert first.step > result.steps
    assert w.controller.loaded_run is None
    assert f"overlay:{rec.run_id}:val" in w.training_panel.epoch_plot.curves
    assert not w.statusBar().currentMessage().startswith("Loaded run")   # it said "Run trains them on": done
    child = next(r for r in store.list() if r.id != rec.run_id)
    assert child.parent == rec.run_id
    panel.refresh()
    row = next(r for r in range(panel.proxy.rowCount()) if panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) == child.id)
    assert panel.proxy.index(row, 0).data().startswith("↳ ")
    assert "continues moons learned" in panel.proxy.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert store.history(child.id)[0]["epoch"] == 7
    w.document.undo_stack.setClean()
    w.close()
    stored = store.load_weights(rec.run_id)
    assert all(torch.equal(stored[k], v) for k, v in result.state_dict().items())


def test_continue_is_refused_in_the_panel_for_a_run_without_weights(panel, store):
    rid = record_run(store, "no weights")
    panel.refresh()
    panel.select_ids([rid])
    got = []
    panel.continueRequested.connect(lambda *a: got.append(a))
    panel.buttons["continue"].trigger()
    assert not got and "kept no final weights" in panel.message.text() and not panel.message.isHidden()


def test_runs_of_one_project_are_told_apart_and_the_overlay_follows_rename_and_delete(panel, store):
    """Three runs all named after the project: the legend says what differs; a rename renames the curve,
    a delete takes it off the plots; the started column has seconds."""
    import re
    ids = [record_run(store, "wine", lr=lr) for lr in (0.1, 0.01, 0.001)]
    panel.refresh()
    panel.select_ids(ids)
    ep = panel.overlay.epoch_plot
    names = [n for n in ep.legend_names() if n.startswith("wine")]
    assert sorted(names) == ["wine #1 · lr=0.1 (val)", "wine #2 · lr=0.01 (val)", "wine #3 · lr=0.001 (val)"], names
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", panel.proxy.index(0, STARTED).data())
    # each row drawn carries its curves' colour, so a folded legend still says which curve is which
    swatches = {panel.proxy.index(r, 0).data(Qt.ItemDataRole.DecorationRole).name() for r in range(3)}
    pens = {ep.curves[f"overlay:{i}:val"].opts["pen"].color().name() for i in ids}
    assert swatches == pens and len(pens) == 3
    panel.select_ids([ids[0]])
    panel.rename("wine fast")
    assert "wine fast (val)" in ep.legend_names() and not [n for n in ep.legend_names() if " · " in n]
    panel.select_ids(ids[:2])
    panel.delete_selected()
    assert not [k for k in ep.curves if k.startswith("overlay:")], list(ep.curves)
    assert not [n for n in ep.legend_names() if n.startswith("wine")]


def test_runs_alike_in_every_setting_are_told_apart_by_when_they_started(panel, store):
    from guiapp.runs.overlay import distinct_labels
    ids = [record_run(store, "spiral") for _ in range(2)]
    runs = [panel.store.get(i) for i in ids]
    from guiapp.runs.overlay import OverlayRun
    labels = distinct_labels([OverlayRun.from_record(r) for r in runs])
    assert len(set(labels)) == 2 and all(lab.startswith("spiral · ") for lab in labels), labels


def test_a_new_project_draws_no_run_of_the_previous_one(qtbot, isolated, store):
    from guiapp.document import ProjectDocument, default_project
    from guiapp.main_window import MainWindow
    rid = record_run(store, "old project")
    w = MainWindow(ProjectDocument(Project.load(SPIRAL)))
    qtbot.addWidget(w)
    w.runs_panel.refresh()
    w.runs_panel.select_ids([rid])
    plot = w.training_panel.epoch_plot
    assert any(k.startswith("overlay:") for k in plot.curves)
    w.document.replace(default_project())              # File ▸ New
    qtbot.waitUntil(turns.settled)                       # the panel follows in a turn of its own
    assert not any(k.startswith("overlay:") for k in plot.curves) and not w.runs_panel.selected_ids()
    w.close()


def test_the_rename_dialog_is_wide_enough_for_its_title_and_a_long_name(qtbot, monkeypatch):
    """A window manager elided the narrow dialog's title to "Rena… ssLab"."""
    from PySide6.QtWidgets import QDialog, QInputDialog

    from guiapp.runs.panel import ask_text
    seen = {}

    def accept(dialog):
        seen.update(width=dialog.width(), title=dialog.windowTitle(), text=dialog.textValue())
        dialog.setTextValue("renamed")
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(QInputDialog, "exec", accept)
    long_name = "wine · lr=0.01 · batch 32 · dropout 0.5 · a long name"
    assert ask_text(None, "Rename Run", "Name:", long_name) == ("renamed", True)
    assert seen["title"] == "Rename Run" and seen["text"] == long_name and seen["width"] >= 420


def test_run_again_continue_records_the_run_it_continues(qtbot, isolated, store, monkeypatch):
    """The Run-again question's Continue trained on with no link to the run it continued."""
    from guiapp.document import ProjectDocument
    from guiapp.main_window import MainWindow
    from guiapp.training import run_mode
    doc = Project.load(SPIRAL).to_dict()
    doc["data"]["params"]["samples"] = 200
    doc["training"]["epochs"] = 2
    w = MainWindow(ProjectDocument(Project.from_dict(doc, SPIRAL.parent)))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.run_recorder.runRecorded, timeout=60_000) as first:
        assert w.controller.run_mode.run()
    monkeypatch.setattr(run_mode, "ask_continue_or_restart", lambda *a: ("continue", False))
    with qtbot.waitSignal(w.run_recorder.runRecorded, timeout=60_000) as second:
        assert w.controller.run_mode.run()
    assert store.get(second.args[0], steps=False).parent == first.args[0]
    monkeypatch.setattr(run_mode, "ask_continue_or_restart", lambda *a: ("restart", False))
    with qtbot.waitSignal(w.run_recorder.runRecorded, timeout=60_000) as third:
        assert w.controller.run_mode.run()
    assert store.get(third.args[0], steps=False).parent is None          # Restart: fresh weights, no parent


def test_at_1280_the_key_columns_and_every_action_are_in_sight(panel, store, qtbot):
    """The Runs tab at 1280x800 is about 260 px wide: best val sat past the edge and Continue and
    Undo Delete were folded into a ">>" menu."""
    ids = [record_run(store, "a rather long project name for a run", lr=lr) for lr in (0.1, 0.01, 0.001)]
    panel.resize(260, 330)
    panel.show()
    qtbot.waitExposed(panel)
    panel.refresh()
    panel.select_ids(ids[:1])
    header, view = panel.table.horizontalHeader(), panel.table.viewport().rect()
    for column in (0, 1):                     # name and best val, without scrolling sideways
        left = header.sectionViewportPosition(column)
        assert left >= 0 and left + min(header.sectionSize(column), 40) <= view.width(), column
    assert header.model().headerData(1, Qt.Orientation.Horizontal) == "best val"
    for name in ("continue", "undo", "delete", "rename", "diff"):
        button = next(b for b in panel.toolbar.tool_buttons if b.defaultAction() is panel.buttons[name])
        qtbot.waitUntil(lambda: button.isVisible() and button.height() >= button.sizeHint().height()
                        and button.width() >= button.fontMetrics().horizontalAdvance(button.text()))
        assert panel.rect().contains(button.geometry().translated(panel.toolbar.pos())), name


def test_runs_of_one_project_have_names_that_differ(panel, store):
    ids = [record_run(store, "wine", lr=lr) for lr in (0.1, 0.01, 0.001)]
    record_run(store, "moons")
    panel.refresh()
    names = _visible_names(panel)
    assert sorted(names) == ["moons", "wine #1", "wine #2", "wine #3"]
    panel.select_ids(ids[1:2])
    panel.rename("wine, smaller lr")                     # a name of one's own is shown as given
    assert "wine, smaller lr" in _visible_names(panel)
    assert sorted(n for n in _visible_names(panel) if n.startswith("wine #")) == ["wine #1", "wine #2"]


def test_a_run_has_one_name_in_the_table_the_legend_rename_and_the_continue_tooltip(panel, store, monkeypatch):
    """The try-out read `diagnosis #3` in the table, `diagnosis (val)` in the legend, `diagnosis` in Rename
    and "continues diagnosis (20261207)" in the tooltip, all for runs of one project."""
    from guiapp.runs import panel as panel_module
    ids = [record_run(store, "diagnosis", lr=lr) for lr in (0.1, 0.01, 0.001)]
    child = record_run(store, "diagnosis", lr=0.01)
    store.set_parent(child, ids[1])
    panel.refresh()
    table = {panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole): panel.proxy.index(r, 0).data()
             for r in range(panel.proxy.rowCount())}
    assert table[ids[2]] == "diagnosis #3" and table[child] == "↳ diagnosis #4"
    panel.select_ids([ids[2]])                                       # one run selected: its legend entry
    assert panel.overlay.epoch_plot.legend_names() == ["diagnosis #3 (val)"]
    asked = []
    monkeypatch.setattr(panel_module, "ask_text", lambda _p, _t, _l, text: (asked.append(text), (text, False))[1])
    panel.rename()
    assert asked == ["diagnosis #3"]
    row = next(r for r in range(panel.proxy.rowCount()) if panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) == child)
    tip = panel.proxy.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert f"continues {table[ids[1]]}" in tip and "\ncontinues diagnosis #2" in tip, tip
    panel.select_ids(ids)                                            # several: each led by its table name
    legend = panel.overlay.epoch_plot.legend_names()
    assert sorted(n.split(" · ")[0] for n in legend) == ["diagnosis #1", "diagnosis #2", "diagnosis #3"], legend


def record_run_of(store, project_name: str, run_name: str) -> str:
    """A run like :func:`record_run`, of a project named ``project_name``."""
    doc = Project.load(SPIRAL).to_dict()
    doc["name"] = project_name
    rec = RunRecorder(store, Project.from_dict(doc, SPIRAL.parent), name=run_name, save_weights=False)
    rec.on_run_start(RunInfo(run_name, 2, 4, 100, 20, 10, "cpu", 1, ("out",), "classification", 0.01))
    for e in (1, 2):
        rec.on_steps(StepRecords(4 * e - 3, e, (1.0 / e,) * 4, (0.01,) * 4, (1.0,) * 4))
        rec.on_epoch_end(EpochRecord(e, 4 * e, 1.0 / e, 1.1 / e, 0.01, 0.01, 0.01 * e, {"val_accuracy": 0.5}))
    rec.on_run_end(RunResult("completed", 2, 2, 0.55, [], 8, 0.1, 80.0))
    return rec.run_id


def test_the_runs_panel_lists_and_draws_the_open_projects_runs_unless_all_projects_is_asked(
        qtbot, isolated, store):
    from guiapp.document import ProjectDocument
    from guiapp.main_window import MainWindow
    from guiapp.runs.panel import RunsPanel as Panel
    ours = record_run_of(store, "spiral", "spiral")
    theirs = record_run_of(store, "xor", "xor")
    w = MainWindow(ProjectDocument(Project.load(SPIRAL)))
    qtbot.addWidget(w)
    panel, plot = w.runs_panel, w.training_panel.epoch_plot
    panel.refresh()
    assert not panel.all_box.isChecked()                     # the default: this project's runs only
    assert [panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(panel.proxy.rowCount())] == [ours]
    panel.select_ids([ours, theirs])                         # the xor run is not there to pick
    assert panel.selected_ids() == [ours]
    assert [k for k in plot.curves if k.startswith("overlay:") and theirs in k] == []
    # one click shows every project's runs; another project's is greyed and says whose it is
    panel.all_box.setChecked(True)
    assert panel.proxy.rowCount() == 2
    panel.select_ids([ours, theirs])
    row = next(r for r in range(panel.proxy.rowCount())
               if panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) == theirs)
    assert panel.proxy.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "from another project: xor" in panel.proxy.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert f"overlay:{theirs}:val" in plot.curves
    assert "xor · from xor (val)" in plot.title_text() and "spiral · from" not in plot.title_text()
    # remembered across restarts
    assert Panel(None).all_box.isChecked()
    # back to this project's runs: the xor curve leaves the plots
    panel.all_box.setChecked(False)
    assert not [k for k in plot.curves if k.startswith(f"overlay:{theirs}")]
    assert f"overlay:{ours}:val" in plot.curves
    # another project opened: its runs are the ones listed
    w.document.replace(Project.from_dict({**Project.load(SPIRAL).to_dict(), "name": "xor"}, SPIRAL.parent))
    qtbot.waitUntil(turns.settled)
    assert [panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(panel.proxy.rowCount())] == [theirs]
    w.close()
