"""Train > Find Learning Rate…: the range test runs off the GUI thread from the window's action, the
plot shows every tested rate with both suggestions marked, Apply is one undo step; the action is
disabled with the reason while the project cannot train or a training runs; Cancel ignores a late
result."""
from __future__ import annotations

import math
import uuid

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.lr_finder import LRFinderResult
from core.project import Project
from guiapp import files
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from guiapp.training import LRFinderView, TrainingController
from guiapp.training.lr_finder import LogSpinBox
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


def _lr(doc: ProjectDocument) -> float:
    return doc.project.training.optimizer.params["lr"]


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", f"LossLabTests-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(files.autosave, "autosave_dir", lambda: tmp_path / "autosave")
    w = MainWindow(ProjectDocument(Project.load(SPIRAL)))
    qtbot.addWidget(w)
    w.show()
    yield w
    w.lr_finder.runner.wait()
    w.controller.stop_and_wait(2.0)
    w.document.undo_stack.setClean()
    w.close()


@pytest.fixture
def view(qtbot):
    made = []

    def make(project: Project | None = None, **doc_kwargs) -> LRFinderView:
        c = TrainingController(ProjectDocument(project or Project.load(SPIRAL), **doc_kwargs))
        v = LRFinderView(c)
        qtbot.addWidget(v)
        made.append((c, v))
        return v

    yield make
    for c, v in made:
        assert v.runner.wait()
        assert c.stop_and_wait(2.0)


def test_the_menu_action_runs_the_finder_and_apply_is_one_undo_step(qtbot, window):
    finder = window.lr_finder
    assert finder.action in window.train_menu.actions() and finder.action.isEnabled()
    doc = window.document
    before = doc.project.to_dict()
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(finder.runner.is_running()))
    timer.start(5)
    points, batches = [], []
    finder.runner.pointsArrived.connect(lambda p: (points.extend(p), batches.append(finder.plot.point_count("raw"))))
    with qtbot.waitSignal(finder.runner.finderFinished, timeout=30_000) as done:
        finder.action.trigger()
        assert finder.isVisible() and finder.runner.is_running() and not finder.run_button.isEnabled()
    timer.stop()
    assert any(ticks), "the GUI thread must keep serving events while the test runs"
    result = done.args[0]
    assert finder.result is result and not finder.runner.is_running()
    assert [p[0] for p in points] == result.lrs, "the curve grows while the test runs, every rate once"
    assert batches == sorted(batches) and batches[-1] == len(points)
    assert doc.project.to_dict() == before, "the test must not change the project"

    plot = finder.plot
    assert plot.point_count("smooth") == plot.point_count("raw") == len(result.lrs) > 10
    assert plot.data("smooth")[0] == pytest.approx([math.log10(v) for v in result.lrs])
    assert plot.marker_lr("steepest") == pytest.approx(result.steepest)
    assert plot.marker_lr("valley") == pytest.approx(result.valley)
    assert "valley" in plot.marks.marker("valley").label.format and "steepest" in plot.marks.marker("steepest").label.format
    assert plot.marker_lr("current") == pytest.approx(_lr(doc))
    assert finder.summary.text().lower().startswith("suggested learning rate")
    assert finder.lr_spin.value() == pytest.approx(result.suggestion, rel=0.05)
    assert plot.chosen_lr() == pytest.approx(finder.lr_spin.value(), rel=1e-6)

    old, steps = _lr(doc), doc.undo_stack.count()
    finder.lr_spin.setValue(0.02)
    assert finder.apply_button.isEnabled()
    finder.apply_button.click()
    assert _lr(doc) == 0.02 and doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == "Set learning rate to 0.02"
    assert plot.marker_lr("current") == pytest.approx(0.02)
    doc.undo_stack.undo()
    assert _lr(doc) == old


def test_the_action_is_disabled_with_the_reason(qtbot, view):
    v = view(load_data=False)
    assert not v.action.isEnabled() and "not loaded" in v.action.statusTip()
    assert not v.start()
    v = view()
    assert v.action.isEnabled()
    c = v.controller
    assert c.run(paused=True)
    assert not v.action.isEnabled() and "training is running" in v.action.toolTip()
    assert not v.run_button.isEnabled() and not v.start()
    assert c.stop_and_wait(2.0)
    assert v.action.isEnabled() and v.run_button.isEnabled()


def test_cancel_stops_the_test_and_ignores_a_late_result(qtbot, view):
    v = view()
    v.show()
    with qtbot.assertNotEmitted(v.runner.finderFinished):
        with qtbot.waitSignal(v.runner.finderCancelled):
            assert v.start()
            v.close()                                # closing the window cancels
        assert not v.runner.is_running() and v.cancel_button.isEnabled() is False
        assert "Cancelled" in v.status.text()
        assert v.runner.wait(30_000)                 # the cancelled thread ends...
        QApplication.processEvents()                 # ...and its queued result goes nowhere
    assert v.result is None and v.plot.point_count("smooth") == 0
    with qtbot.waitSignal(v.runner.finderFinished, timeout=30_000):
        assert v.start()                             # a new test runs at once


def test_no_suggestion_says_why(qtbot, view):
    v = view()
    flat = LRFinderResult([1e-3, 1e-2, 1e-1], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], None, None, False,
                          "the loss did not fall over the sweep: widen the range or check the data")
    v.runner.finderFinished.emit(flat)
    assert "No suggestion" in v.summary.text() and "widen the range" in v.summary.text()
    assert v.plot.marks.marker("valley") is None and v.plot.marks.marker("steepest") is None
    assert not v.valley_button.isEnabled() and not v.steepest_button.isEnabled()
    assert v.plot.point_count("raw") == 3


def test_dragging_the_chosen_line_sets_the_field(view):
    v = view()
    v.plot.show_sweep(1e-7, 10.0)
    v.plot.set_chosen(1e-3)
    v.plot.chosen.setPos(math.log10(0.05))
    v.plot.chosen.sigPositionChangeFinished.emit(v.plot.chosen)
    assert v.lr_spin.value() == pytest.approx(0.05)


def test_log_spin_box_steps_a_tenth_of_a_decade(qtbot):
    spin = LogSpinBox(0.01)
    qtbot.addWidget(spin)
    assert spin.text() == "0.01"
    spin.stepBy(1)
    assert spin.value() == pytest.approx(0.013)
    spin.stepBy(-2)
    assert spin.value() == pytest.approx(0.0079)
    spin.lineEdit().setText("3e-4")
    spin.interpretText()
    assert spin.value() == pytest.approx(3e-4)
