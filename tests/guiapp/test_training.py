"""The training controller and panel: real (short) runs on a QThread, Pause/Step, learning rate,
Stop within a second, Run continues the model until Reset or a model edit, exports."""
from __future__ import annotations

import csv
import time

import numpy as np
import pytest

from core.edit_events import EditEvent
from core.project import Project
from guiapp.training import TrainingPanel
from tests.guiapp.training_runs import SPIRAL, run_to_end, spiral_project, wait_parked


def test_short_run_fills_the_plots(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    started = []
    c.runStarted.connect(started.append)
    result = run_to_end(qtbot, c)
    qtbot.waitUntil(panel.redraws.settled)                  # the plots take turns after the end
    info = started[0]
    steps = 3 * info.steps_per_epoch
    assert result.status == "completed" and result.steps == steps
    assert c.history.n_steps == steps and c.history.n_epochs == 3
    assert panel.step_plot.point_count("raw") == steps
    assert panel.step_plot.point_count("smooth") == steps
    assert panel.optimizer_plot.point_count("grad_norm") == steps
    assert panel.epoch_plot.point_count("train_loss") == 3 and panel.epoch_plot.point_count("val_loss") == 3
    assert panel.metric_plot.point_count("val_accuracy") == 3
    assert np.array_equal(c.history.step_column("steps"), np.arange(1, steps + 1))
    assert panel.epoch_plot.marks.marker("best") is not None
    assert "Completed" in panel.progress.format()
    assert not c.is_running() and c.run_action.isEnabled()


def test_a_runs_start_and_end_change_the_plots_one_per_turn_and_leave_none_frozen(qtbot, make_controller):
    """Drawing and painting all four plots in one turn held the window 90-150 ms at a Run's start and
    end: they take turns, and each ends painted with the whole run."""
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    settled_at_the_end = []                                 # (after the panel's own slot)
    c.runFinished.connect(lambda _r: settled_at_the_end.append(panel.redraws.settled()))
    held = []
    c.historyCleared.connect(lambda: held.append([p.updatesEnabled() for p in panel.plots.values()]))
    run_to_end(qtbot, c)
    assert held and held[0].count(True) == 0                # at the start: the plots wait for their turns
    assert settled_at_the_end == [False]                     # at the end: the others wait for their turns
    qtbot.waitUntil(panel.redraws.settled)
    assert all(p.updatesEnabled() for p in panel.plots.values())
    steps = c.history.n_steps
    assert panel.step_plot.point_count("raw") == steps and panel.optimizer_plot.point_count("grad_norm") == steps
    assert panel.epoch_plot.point_count("val_loss") == 3 and panel.metric_plot.point_count("val_accuracy") == 3


def test_step_from_idle_and_pause_then_step_run_exactly_one_batch(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=50))
    with qtbot.waitSignal(c.stepsArrived, timeout=10_000):
        assert c.step()
    assert c.is_paused()
    wait_parked(qtbot, c)
    assert c.history.n_steps == 1
    with qtbot.waitSignal(c.stepsArrived, timeout=5_000):
        c.step_action.trigger()
    wait_parked(qtbot, c)
    assert c.history.n_steps == 2

    c.pause_action.setChecked(False)              # resume, then pause mid-run
    assert c.state == "running"
    qtbot.waitUntil(lambda: c.history.n_steps > 40, timeout=10_000)
    c.pause_action.setChecked(True)
    assert c.is_paused()
    wait_parked(qtbot, c)                          # the last steps before the pause are in
    before = c.history.n_steps
    with qtbot.waitSignal(c.stepsArrived, timeout=5_000):
        c.step()
    wait_parked(qtbot, c)
    assert c.history.n_steps == before + 1


def test_step_epoch_runs_to_the_end_of_the_epoch(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=50))
    with qtbot.waitSignal(c.epochEnded, timeout=10_000) as ended:
        assert c.step_epoch()
    assert ended.args[0].epoch == 1 and c.is_paused()
    wait_parked(qtbot, c)
    assert c.history.n_steps == c.history.info.steps_per_epoch and c.history.n_epochs == 1


def test_set_lr_changes_the_rate_of_later_steps(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=200, lr=0.01))
    assert not c.set_lr(0.5)                      # nothing is training
    c.run()
    qtbot.waitUntil(lambda: c.history.n_steps > 10, timeout=10_000)
    assert c.history.step_column("lr")[0] == pytest.approx(0.01)
    assert c.set_lr(0.00123)
    mark = c.history.n_steps
    qtbot.waitUntil(lambda: c.history.n_steps > mark + 40, timeout=10_000)
    lr = c.history.step_column("lr")
    assert lr[-1] == pytest.approx(0.00123)
    assert set(np.round(lr, 8)) <= {0.01, 0.00123}


def test_panel_lr_control_changes_the_running_rate(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=200))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    assert not panel.lr_control.isEnabled()
    with qtbot.waitSignal(c.runStarted, timeout=10_000):
        c.run()
    assert panel.lr_control.isEnabled()
    panel.lr_control.spin.setValue(0.002)
    mark = c.history.n_steps
    qtbot.waitUntil(lambda: c.history.n_steps > mark + 40, timeout=10_000)
    assert c.history.step_column("lr")[-1] == pytest.approx(0.002)


def test_stop_ends_a_long_run_within_a_second(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=100_000))
    c.run()
    qtbot.waitUntil(lambda: c.history.n_steps > 20, timeout=10_000)
    finished = []
    c.runFinished.connect(finished.append)
    t0 = time.perf_counter()
    assert c.stop_and_wait(timeout_s=1.0)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"stop took {elapsed:.3f} s"
    assert finished and finished[0].status == "stopped"
    assert not c.is_running() and c.state == "idle"
    assert c.run_action.isEnabled() and not c.stop_action.isEnabled()


def test_stop_while_paused_and_close_while_training(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=100_000))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    c.run()
    qtbot.waitUntil(lambda: c.history.n_steps > 20, timeout=10_000)
    c.pause()
    panel.close()                                  # what the main window does on close:
    t0 = time.perf_counter()
    assert c.stop_and_wait()                       # ... ask, then stop and wait
    assert time.perf_counter() - t0 < 1.0
    assert not c.is_running()


def test_opening_another_project_stops_and_resets(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=100_000))
    c.run()
    qtbot.waitUntil(lambda: c.history.n_steps > 5, timeout=10_000)
    with qtbot.waitSignal(c.historyCleared, timeout=3_000):
        c.document.replace(spiral_project(epochs=2))
    assert not c.is_running() and c.history.n_steps == 0 and not c.has_trained_model()


def test_run_continues_the_model_until_reset_or_a_model_edit(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=2))
    first = run_to_end(qtbot, c)
    steps = first.steps
    assert c.has_trained_model()
    started = []
    c.runStarted.connect(started.append)
    run_to_end(qtbot, c)
    assert started[0].start_epoch == 2
    assert c.history.n_epochs == 4 and c.history.n_steps == 2 * steps
    assert list(c.history.epoch_column("epoch")) == [1, 2, 3, 4]
    assert np.array_equal(c.history.step_column("steps"), np.arange(1, 2 * steps + 1))
    assert c.history.segments == [(0, 0), (steps, 2)]

    with qtbot.waitSignal(c.historyCleared):
        c.reset_action.trigger()
    assert c.history.n_steps == 0 and not c.has_trained_model()
    run_to_end(qtbot, c)
    assert c.history.n_epochs == 2

    c.document.edit("wider", lambda p: p.model.node("fc1").params.__setitem__("out_features", 32),
                    EditEvent("node_params_changed", ("fc1",)))
    assert not c.has_trained_model()
    assert "fresh" in c.run_action.toolTip()
    run_to_end(qtbot, c)
    assert c.history.n_epochs == 2 and c.history.segments == [(0, 0)]


def test_a_late_finished_signal_of_an_earlier_run_does_not_end_the_next(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=100_000))
    c.run()
    thread = c._runner._thread
    with qtbot.assertNotEmitted(c.runFailed):
        thread.finished.emit()        # what the previous Run's queued ``finished`` looks like when it comes late
    assert c.is_running() and c._runner._thread is thread
    assert c.stop_and_wait(2.0) and not c.is_running()


def test_a_model_edit_during_a_run_makes_the_next_run_fresh(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=100_000))
    c.run()
    qtbot.waitUntil(lambda: c.history.n_steps > 5, timeout=10_000)
    c.document.edit("wider", lambda p: p.model.node("fc1").params.__setitem__("out_features", 32),
                    EditEvent("node_params_changed", ("fc1",)))
    assert c.is_running()                          # the run trains its snapshot of the project
    assert c.stop_and_wait()
    assert not c.has_trained_model()
    with qtbot.waitSignal(c.historyCleared):
        c.run(epochs=1)
    assert c.stop_and_wait(5.0)


def test_run_is_disabled_with_the_reason_while_the_project_cannot_train(qtbot, make_controller):
    d = spiral_project().to_dict()
    d["outputs"][0]["loss"]["type"] = "MSELoss"
    d["data"]["task"] = "regression"
    d["data"]["source"] = "sine"
    d["data"]["params"] = {"samples": 200}
    c = make_controller(Project.from_dict(d, SPIRAL.parent))
    ok, reason = c.document.can_train()
    if ok:
        pytest.skip("this project trains after all")
    assert not c.run_action.isEnabled()
    assert reason in c.run_action.toolTip() and reason in c.run_action.statusTip()
    with qtbot.waitSignal(c.runFailed) as failed:
        assert not c.run()
    assert failed.args[0] == reason


def test_exports_png_svg_and_csv(qtbot, make_controller, tmp_path):
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    run_to_end(qtbot, c)
    png = panel.export_plot("epoch", tmp_path / "loss.png")
    svg = panel.export_plot("step", tmp_path / "steps.svg")
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in svg.read_text(encoding="utf-8")[:2000]
    rows = list(csv.DictReader(panel.export_csv(tmp_path / "history.csv").open(encoding="utf-8")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert {"train_loss", "val_loss", "val_accuracy", "lr"} <= set(rows[0])
    assert float(rows[2]["val_loss"]) == pytest.approx(c.history.records[2].val_loss)


def test_crosshair_log_scale_smoothing_and_reset_view(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    run_to_end(qtbot, c)
    text = panel.epoch_plot.crosshair.show_at(2.2)
    assert "epoch 2" in text and f"validation: {c.history.records[1].val_loss:.4g}" in text
    panel.set_log_y(True)
    assert panel.step_plot.log_y and panel.epoch_plot.log_y and not panel.metric_plot.log_y
    panel.smoothing.setValue(0)
    raw, smooth = panel.step_plot.data("raw")[1], panel.step_plot.data("smooth")[1]
    assert np.allclose(raw, smooth)
    panel.smoothing.setValue(990)
    assert np.std(np.diff(panel.step_plot.data("smooth")[1])) < np.std(np.diff(raw))
    vb = panel.epoch_plot.getPlotItem().vb
    vb.setXRange(1.5, 2.5)
    assert not vb.autoRangeEnabled()[0]
    panel.reset_view()
    assert all(vb.autoRangeEnabled())


def test_a_diverging_run_is_drawn_without_errors(qtbot, make_controller):
    d = spiral_project(epochs=30).to_dict()
    d["training"]["optimizer"] = {"type": "SGD", "params": {"lr": 100.0}}
    c = make_controller(Project.from_dict(d, SPIRAL.parent))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    result = run_to_end(qtbot, c)
    assert result.status == "diverged"
    panel.refresh()
    panel.set_log_y(True)
    assert "Diverged" in panel.progress.format()
