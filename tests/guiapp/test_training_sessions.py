"""A new user's session with the training panel: opening other projects (the learning rate, a zoom,
the plots for another task), every head's metric, the progress line and best-epoch marker against
the result, exports at any size, and Reset then Run in one go."""
from __future__ import annotations

import pytest

from core.project import Project
from guiapp import turns
from guiapp.training import TrainingPanel
from tests.conftest import EXAMPLES
from tests.guiapp.training_runs import SPIRAL, example, run_to_end, spiral_project, training_edit


def test_lr_control_shows_the_projects_rate_after_open_and_edits(qtbot, make_controller):
    c = make_controller(spiral_project(lr=0.01))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    assert panel.lr_control.value() == pytest.approx(0.01)
    with qtbot.waitSignal(c.document.projectReplaced):
        c.document.replace(example("xor"))                  # lr 0.03
    assert panel.lr_control.value() == pytest.approx(0.03)
    assert panel.lr_control.spin.text() == "0.03"
    training_edit(c, lr=0.2)
    assert panel.lr_control.value() == pytest.approx(0.2)
    c.document.undo_stack.undo()
    assert panel.lr_control.value() == pytest.approx(0.03)
    c.document.replace(spiral_project(lr=50.0))             # the catalog allows 1e-8 .. 100
    assert panel.lr_control.value() == pytest.approx(50.0) and panel.lr_control.spin.value() == pytest.approx(50.0)
    c.document.replace(spiral_project(lr=2e-8))
    assert panel.lr_control.spin.value() == pytest.approx(2e-8) and panel.lr_control.spin.text() == "2e-08"
    run_to_end(qtbot, c, epochs=1)
    assert panel.lr_control.value() == pytest.approx(2e-8)  # after a Run: the project's rate again


def test_a_findings_zoom_does_not_stick_after_another_project(qtbot, make_controller):
    from core.diagnostics import Finding
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    run_to_end(qtbot, c)
    vb = panel.epoch_plot.getPlotItem().vb
    plateau = Finding("plateau", "info", "Plateau from epoch 1 to 2", "", {}, start_epoch=1, end_epoch=2)
    c.findingsChanged.emit([plateau])
    with qtbot.waitSignal(c.findingSelected):
        c.select_finding(plateau)
    assert not vb.autoRangeEnabled()[0] and vb.viewRange()[0][1] < 5
    with qtbot.waitSignal(c.historyCleared):
        c.document.replace(spiral_project(epochs=12))
    assert all(vb.autoRangeEnabled()) and panel.epoch_plot.marks.region("selected") is None
    run_to_end(qtbot, c)
    x0, x1 = vb.viewRange()[0]
    assert x0 <= 1 and x1 >= 12, "the new project's epochs must all be in view"


def test_a_fresh_run_after_a_zoom_auto_ranges_again(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    run_to_end(qtbot, c)
    vb = panel.step_plot.getPlotItem().vb
    vb.setXRange(1, 5)
    c.reset()
    run_to_end(qtbot, c, epochs=4)
    qtbot.waitUntil(panel.redraws.settled)
    assert all(vb.autoRangeEnabled()) and vb.viewRange()[0][1] >= c.history.n_steps


def test_plots_rebuild_for_the_task_of_a_new_project(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=3))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    run_to_end(qtbot, c)
    metric = panel.metric_plot
    assert metric.title_text().startswith("Accuracy") and not metric.getPlotItem().getAxis("right").isVisible()
    with qtbot.waitSignal(c.document.datasetChanged):
        c.document.replace(example("sine"))                 # regression, before any training
    qtbot.waitUntil(turns.settled)                          # the plots are set up in a turn of their own
    assert metric.title_text().startswith("R²") and set(metric.curves) == {"val_r2", "val_mae"}
    assert metric.getPlotItem().getAxis("right").isVisible()
    assert panel.epoch_plot.getPlotItem().vb.viewRange()[0] == pytest.approx([0.0, 1.0])
    assert panel.epoch_plot.marks.marker("best") is None and panel.epoch_plot.point_count("train_loss") == 0
    c.document.replace(example("digits"))
    qtbot.waitUntil(turns.settled)
    assert metric.title_text().startswith("Accuracy") and set(metric.curves) == {"train_accuracy", "val_accuracy"}
    assert not metric.getPlotItem().getAxis("right").isVisible()   # no stale MAE axis


def test_each_head_has_its_metric_and_the_legends_fit(qtbot, make_controller):
    d = example("diagnosis").to_dict()
    d["training"]["epochs"] = 3
    d["training"]["early_stopping"] = {"patience": 0, "min_delta": 0.0, "restore_best": True}
    c = make_controller(Project.from_dict(d, EXAMPLES))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.resize(700, 600)                                  # narrow plots: the legends must wrap, not be cut
    panel.show()
    metric = panel.metric_plot
    heads = {"diagnosis_head/val_accuracy", "severity_head/val_r2", "severity_head/val_mae"}
    assert set(metric.curves) == heads
    assert c.document.edit("one head", lambda p: p.outputs.pop(), "outputs")
    assert set(metric.curves) == {"train_accuracy", "val_accuracy"}
    c.document.undo_stack.undo()
    assert set(metric.curves) == heads
    run_to_end(qtbot, c)
    qtbot.waitUntil(panel.redraws.settled)
    assert all(metric.point_count(k) == 3 for k in metric.curves)
    text = metric.title_text()
    assert "diagnosis_head accuracy" in text and "severity_head R²" in text and "severity_head MAE" in text
    for plot in panel.plots.values():
        title = plot.getPlotItem().titleLabel.item.boundingRect().width()
        assert title <= plot.width(), f"{plot.title_text()!r} is wider than its plot"


def test_progress_counts_the_steps_and_time_of_this_run(qtbot, make_controller):
    c = make_controller(spiral_project(epochs=2))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    first = run_to_end(qtbot, c)
    steps = first.steps
    assert panel.progress.format().startswith(f"Completed: 2 epochs, {steps:,} steps in ")
    second = run_to_end(qtbot, c, epochs=3)
    assert second.steps_per_second * second.seconds == pytest.approx(second.steps - steps, rel=1e-6)
    text = panel.progress.format()
    assert text.startswith(f"Completed: epoch 5 (3 this run), {second.steps - steps:,} steps in "), text
    assert f"{second.steps_per_second:,.0f} steps/s" in text
    assert f"best val epoch {second.best_epoch}" in text


def test_best_epoch_marker_and_progress_agree_with_the_run_result(qtbot, make_controller):
    d = spiral_project(epochs=12).to_dict()
    d["training"]["early_stopping"] = {"patience": 0, "min_delta": 0.05, "restore_best": False}
    c = make_controller(Project.from_dict(d, SPIRAL.parent))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    result = run_to_end(qtbot, c)
    marker = panel.epoch_plot.marks.marker("best")
    assert result.best_epoch is not None and marker.value() == result.best_epoch
    assert marker.label.format == f"best val epoch {result.best_epoch}"
    assert f"best val epoch {result.best_epoch}" in panel.progress.format()


def test_exported_png_is_large_whatever_the_size_on_screen(qtbot, make_controller, tmp_path):
    from PySide6.QtGui import QImage
    c = make_controller(spiral_project(epochs=2))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.resize(600, 260)                                  # plots about 290 x 100 on screen
    panel.show()
    run_to_end(qtbot, c)
    plot = panel.optimizer_plot
    before = plot.getPlotItem().geometry()
    image = QImage(str(panel.export_plot("optimizer", tmp_path / "grad.png")))
    assert image.width() >= 1200 and image.height() >= 500
    assert plot.getPlotItem().geometry() == before           # the plot on screen is untouched
    svg = panel.export_plot("metric", tmp_path / "metric.svg").read_text(encoding="utf-8")
    assert 'viewBox="0 0 800 400"' in svg[:1000]               # laid out at 800 x 400, drawn at 1200 x 600


def test_reset_then_run_in_one_go_clears_the_views_once(qtbot, make_controller):
    """A Run from fresh weights clears the views; right after a Reset (the benchmark's, or a Reset
    button and a Run in one turn) they are clear already, and a second clear cost that turn its paints."""
    c = make_controller(spiral_project(epochs=2))
    cleared = []
    c.historyCleared.connect(lambda: cleared.append(1))
    run_to_end(qtbot, c)
    assert cleared == [1]                                   # the first Run from fresh weights
    c.reset()
    run_to_end(qtbot, c)
    assert cleared == [1, 1]                                # Reset cleared; its Run did not again
    c.reset()
    qtbot.waitUntil(lambda: not c.feed.cleared_this_turn())  # a turn later (Reset, then the person clicks Run)
    run_to_end(qtbot, c)
    assert cleared == [1, 1, 1, 1]                          # the Run clears what was shown since (a zoom)

