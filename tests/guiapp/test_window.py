"""The main window: examples open checked, broken files are refused, save/reopen, title and dirty
marker, the close prompts, menus and the remembered layout."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.project import Project
from guiapp import files, settings, turns
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES
from core.edit_events import EditEvent

SPIRAL = EXAMPLES / "spiral.losslab.json"


@pytest.fixture
def prompts(monkeypatch):
    """Answer every prompt programmatically and record it."""
    p = SimpleNamespace(save="discard", stop=True, recover=False, save_path=None, open_path=None,
                        asked=[], errors=[])
    monkeypatch.setattr(files.prompts, "ask_save_changes",
                        lambda parent, name, training=False: p.asked.append(("save", name)) or p.save)
    monkeypatch.setattr(files.prompts, "ask_stop_training", lambda parent: p.asked.append(("stop",)) or p.stop)
    monkeypatch.setattr(files.prompts, "ask_recover", lambda parent, rec: p.asked.append(("recover", rec)) or p.recover)
    monkeypatch.setattr(files.prompts, "show_error", lambda parent, title, text, detail="": p.errors.append((text, detail)))
    monkeypatch.setattr(files.prompts, "choose_save_path", lambda parent, suggested="": p.save_path)
    monkeypatch.setattr(files.prompts, "choose_open_path", lambda parent, start="": p.open_path)
    return p


@pytest.fixture
def window(qtbot, isolated, prompts):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(SPIRAL, confirm=False)
    w.show()
    qtbot.waitUntil(turns.settled)                      # the views show an Open in turns of their own
    yield w
    if w.controller is not None:
        w.controller.stop_and_wait(2.0)
    w.document.undo_stack.setClean()
    w.close()


def _set_lr(doc, lr: float) -> None:
    doc.edit("lr", lambda p: p.training.optimizer.params.__setitem__("lr", lr), "training")


def test_each_example_opens_with_a_checked_graph(window, prompts, qtbot):
    """Every bundled example, opened one after another in the same window as a person browsing them."""
    for example in sorted(EXAMPLES.glob("*.losslab.json")):
        name = example.name[:-len(".losslab.json")]
        assert window.files.open(example), name
        doc = window.document
        assert doc.wait_for_data(120_000), name  # an image folder (flowers) is read on a background task
        qtbot.waitUntil(turns.settled)
        assert doc.data_error == "", name
        assert doc.check is not None and doc.check.ok, (name, [p.message for p in doc.check.problems])
        assert window.status.params.text() == f"{doc.check.total_params:,} parameters", name
        assert window.status.reason.text() == "", name
        assert window.windowTitle() == f"{name}[*] — LossLab"
        assert not prompts.errors, name


def test_a_mismatch_badges_the_node_and_disables_run_until_undone(window):
    canvas, run = window.canvas, window.controller.run_action
    assert run.isEnabled()
    canvas.add_layer("Conv2d", after="fc1")          # the same path as a drop onto fc1
    conv = next(n for n in window.document.project.model.ids() if n.startswith("conv2d"))
    badge = canvas.scene().nodes[conv].badge
    assert badge.isVisible() and "expects input (C, H, W) but gets (64,)" in badge.toolTip()
    assert not run.isEnabled() and f"node {conv} (Conv2d)" in run.toolTip()
    assert f"node {conv}" in window.status.reason.text()
    window.document.undo_stack.undo()
    assert conv not in window.document.project.model.ids() and run.isEnabled()


def test_build_connect_edit_undo_redo_save_and_reopen(window, prompts, tmp_path):
    """A small network built through the drop and port-drag code paths, then every step undone
    and redone, saved, reopened and compared."""
    from PySide6.QtCore import QPointF

    from guiapp.editor import commands
    doc, canvas = window.document, window.canvas
    assert window.files.open_example(EXAMPLES / "starter.losslab.json")  # File > New's old network
    states = [doc.project.to_dict()]
    relu = canvas.scene().nodes["relu1"]
    dropped = canvas.drop_layer("Dropout", relu.sceneBoundingRect().center())   # drop onto relu1
    states.append(doc.project.to_dict())
    loose = canvas.drop_layer("Linear", QPointF(900, 900))                      # drop on empty canvas
    states.append(doc.project.to_dict())
    assert commands.connect(doc, dropped, loose)                                # end of a port drag
    states.append(doc.project.to_dict())
    assert commands.set_param(doc, loose, "out_features", 2)
    assert commands.toggle_output(doc, loose)
    states.append(doc.project.to_dict())
    assert (dropped, loose) in doc.project.model.edges and ("relu1", dropped) in doc.project.model.edges
    n_steps = doc.undo_stack.count()
    for _ in range(n_steps):
        doc.undo_stack.undo()
    assert doc.project.to_dict() == states[0]
    for _ in range(n_steps):
        doc.undo_stack.redo()
    assert doc.project.to_dict() == states[-1]
    path = tmp_path / "built.losslab.json"
    prompts.save_path = str(path)
    assert window.files.save_as()
    assert window.files.new() and window.files.open(path)
    assert window.document.project.to_dict() == {**states[-1], "name": "built"}  # named after its file


def test_examples_menu_lists_every_example(window):
    titles = [a.text().partition(" — ")[0] for a in window.examples_menu.actions()]
    assert sorted(titles) == sorted(p.name[:-len(".losslab.json")] for p in EXAMPLES.glob("*.losslab.json"))
    window.examples_menu.actions()[0].trigger()
    assert window.document.path is None  # an example opens as an untitled copy: Save never overwrites it
    assert window.document.check.ok


@pytest.mark.parametrize("content, where", [
    ('{"format": "losslab-project", "version": 1,', "line 1"),
    (None, "version"),
    (None, "training.optimizer.params.lr"),
])
def test_a_broken_file_is_refused_and_the_project_stays(window, prompts, tmp_path, content, where):
    _set_lr(window.document, 0.05)  # an unsaved change that must survive
    before = window.document.project.to_dict()
    doc = json.loads(SPIRAL.read_text())
    if where == "version":
        doc["version"] = 99
    elif content is None:
        doc["training"]["optimizer"]["params"]["lr"] = -1
    bad = tmp_path / "bad.losslab.json"
    bad.write_text(content if content is not None else json.dumps(doc))
    prompts.save = "discard"
    assert not window.files.open(bad)
    (text, detail), = prompts.errors
    assert where in detail and "bad.losslab.json" in text
    assert window.document.project.to_dict() == before
    assert window.document.dirty and window.document.path == SPIRAL


def test_save_and_reopen_gives_the_same_project(window, prompts, tmp_path):
    _set_lr(window.document, 0.02)
    prompts.save_path = str(tmp_path / "mine.losslab.json")
    assert window.files.save_as()
    assert not window.document.dirty and not window.isWindowModified()
    assert window.windowTitle() == "mine[*] — LossLab"
    other = ProjectDocument(Project.load(prompts.save_path))
    assert other.project.to_dict() == window.document.project.to_dict()
    assert files.recent_files()[0] == Path(prompts.save_path).resolve()


def test_dirty_marker_title_and_undo(window):
    assert not window.isWindowModified() and window.status.dirty.text() == ""
    _set_lr(window.document, 0.03)
    assert window.isWindowModified() and "modified" in window.status.dirty.text()
    window.undo_action.trigger()
    assert not window.isWindowModified()
    stored = Project.load(SPIRAL).training.optimizer.params["lr"]
    assert window.document.project.training.optimizer.params["lr"] == stored
    window.redo_action.trigger()
    assert window.document.project.training.optimizer.params["lr"] == 0.03


def test_undo_redo_shortcuts(window):
    assert [s.toString() for s in window.undo_action.shortcuts()] == ["Ctrl+Z"]
    assert [s.toString() for s in window.redo_action.shortcuts()] == ["Ctrl+Shift+Z", "Ctrl+Y"]


@pytest.mark.parametrize("answer, closes, saved", [("cancel", False, False), ("discard", True, False),
                                                   ("save", True, True)])
def test_closing_a_dirty_project_asks(window, prompts, tmp_path, answer, closes, saved):
    target = tmp_path / "spiral.losslab.json"
    target.write_text(SPIRAL.read_text())
    assert window.files.open(target)
    _set_lr(window.document, 0.04)
    prompts.save = answer
    assert window.close() is closes
    assert prompts.asked == [("save", "spiral")]
    assert (Project.load(target).training.optimizer.params["lr"] == 0.04) is saved
    if not closes:
        assert window.isVisible() and window.document.dirty


def test_a_clean_project_closes_without_asking(window, prompts):
    assert window.close()
    assert prompts.asked == []


def test_opening_another_project_while_dirty_can_be_cancelled(window, prompts):
    _set_lr(window.document, 0.05)
    prompts.save = "cancel"
    assert not window.files.open(EXAMPLES / "xor.losslab.json")
    assert window.document.path == SPIRAL and window.document.dirty


def test_closing_while_training_asks_then_stops(window, prompts, qtbot):
    if window.controller is None:
        pytest.skip("this build has no training UI")
    window.document.edit("long", lambda p: setattr(p.training, "epochs", 100_000), "training")
    window.document.undo_stack.setClean()
    assert window.controller.run()
    qtbot.waitUntil(window.controller.is_running)
    prompts.stop = False
    assert not window.close()
    assert window.controller.is_running()
    prompts.stop = True
    assert window.close()
    assert ("stop",) in prompts.asked
    assert not window.controller.is_running()


def test_new_project(window, prompts):
    _set_lr(window.document, 0.05)
    assert window.new_action.isEnabled()
    window.new_action.trigger()
    assert prompts.asked == [("save", "spiral")]
    assert window.document.path is None and not window.document.dirty
    assert window.windowTitle() == "untitled[*] — LossLab"


def test_recent_menu(window, tmp_path):
    paths = []
    for i in range(3):
        p = tmp_path / f"p{i}.losslab.json"
        p.write_text(SPIRAL.read_text())
        assert window.files.open(p)
        paths.append(p)
    paths[0].unlink()
    window.recent_menu.aboutToShow.emit()
    names = [a.text() for a in window.recent_menu.actions() if not a.isSeparator()]
    assert names == ["p2.losslab.json", "p1.losslab.json", "spiral.losslab.json", "Clear Menu"]


def test_layout_is_remembered_and_can_be_reset(window, qtbot, prompts):
    window.findings_dock.hide()
    window.resize(760, 660)  # (the plots' 120 px each hold the window above ~610 px)
    assert window.close()
    again = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(again)
    again.show()
    assert not again.findings_dock.isVisible()
    assert again.height() == 660  # (the width is held at the docks' minimum offscreen)
    again.reset_layout()
    assert again.findings_dock.isVisible()
    again.close()


def test_status_bar_fields(window):
    s = window.status
    assert s.device.text().startswith("device: auto")
    n = settings.torch_threads()
    assert s.threads.text() == f"{n} torch thread" + ("" if n == 1 else "s")
    assert s.data.text() == "spiral: 800 rows, 2 features"          # short; the whole on click
    assert s.data.details == window.document.dataset.summary()
    # a head that does not fit the target: Run is disabled and the status bar says why
    window.document.edit("bad", lambda p: p.model.node("out").params.__setitem__("out_features", 3),
                         EditEvent("node_params_changed", ("out",)))
    assert s.reason.text().startswith("Run is disabled:")
    assert "out_features" in s.reason.toolTip()


def test_edit_refused_reaches_the_status_bar(window):
    window.document.edit("bad", lambda p: setattr(p.data, "val_fraction", 0.9) or
                         setattr(p.data, "test_fraction", 0.5), "data")
    assert "Change refused" in window.statusBar().currentMessage()


def test_train_menu_and_toolbar(window):
    if window.controller is None:
        pytest.skip("this build has no training UI")
    texts = [a.text() for a in window.train_menu.actions()]
    assert {"Run", "Pause", "Stop", "Step"} <= set(texts)
    assert window.controller.run_action in window.train_toolbar.actions()


def test_view_menu_dock_toggles_show_their_check_state(window):
    toggles = [d.toggleViewAction() for d in (window.palette_dock, window.inspector_dock, window.data_dock,
                                              window.outputs_dock, window.settings_dock, window.plots_dock,
                                              window.boundary_dock, window.findings_dock)]
    assert all(a in window.view_menu.actions() for a in toggles)
    # an icon would replace the check mark in the menu (Fusion), so the toggles have none
    assert all(a.isCheckable() and a.icon().isNull() for a in toggles)
    window.findings_dock.hide()
    assert not window.findings_dock.toggleViewAction().isChecked()
    window.findings_dock.toggleViewAction().trigger()
    assert window.findings_dock.isVisible() and window.findings_dock.toggleViewAction().isChecked()


def _shown_on_canvas(canvas, node_id: str) -> bool:
    card = canvas.mapFromScene(canvas.graph_scene.nodes[node_id].card_rect()).boundingRect()
    return canvas.viewport().rect().contains(card)


def test_default_layout_gives_the_inspector_room_and_fits_the_graph(window, qtbot):
    from guiapp.editor.canvas import READABLE_ZOOM
    window.resize(1500, 1000)
    qtbot.waitUntil(lambda: window.height() == 1000)
    assert window.files.open(SPIRAL)
    canvas = window.canvas
    column = window.inspector_dock.height() + window.data_dock.height()
    assert window.inspector_dock.height() >= 0.4 * column          # editors visible without scrolling
    assert window.plots_dock.height() < canvas.height()             # the canvas keeps the larger share
    # a six-layer stack shows whole, its output head and loss included, at a readable zoom
    qtbot.waitUntil(lambda: all(_shown_on_canvas(canvas, n) for n in window.document.project.model.ids()))
    assert canvas.zoom() >= READABLE_ZOOM
    # a taller network shows its top at the readable zoom rather than shrinking to illegible
    assert window.files.open(EXAMPLES / "digits.losslab.json")
    qtbot.waitUntil(lambda: _shown_on_canvas(canvas, "input"))
    assert canvas.zoom() == pytest.approx(READABLE_ZOOM)
    assert not all(_shown_on_canvas(canvas, n) for n in window.document.project.model.ids())


def test_a_layout_saved_by_an_older_version_is_dropped(window, qtbot):
    from guiapp.main_window import STATE_VERSION
    window.inspector_dock.hide()
    settings.set_value("window/state", window.saveState(STATE_VERSION - 1))
    again = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=True)
    qtbot.addWidget(again)
    again.show()
    assert again.inspector_dock.isVisible()
    again.close()


def test_the_deployment_tab_is_built_when_first_raised_and_stays_in_front(window, qtbot):
    from guiapp.deployment import DeploymentView
    dock = window.deployment_dock
    qtbot.waitExposed(window)
    assert not isinstance(dock.widget(), DeploymentView)      # behind the Training tab: not built
    dock.raise_()
    qtbot.waitUntil(lambda: isinstance(dock.widget(), DeploymentView))
    assert dock.widget() is window.deployment_view
    qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty())  # the tab a person clicked stays in front
    assert window.plots_dock.visibleRegion().isEmpty()


@pytest.mark.parametrize("name, behind", [("runs_dock", "findings_dock"), ("deployment_dock", "plots_dock")])
def test_view_menu_brings_a_hidden_tab_to_the_front(window, qtbot, name, behind):
    dock, other = getattr(window, name), getattr(window, behind)
    qtbot.waitExposed(window)
    dock.toggleViewAction().trigger()                  # View ▸ Runs: hidden
    other.raise_()
    qtbot.waitUntil(lambda: not dock.isVisible() and not other.visibleRegion().isEmpty())
    dock.toggleViewAction().trigger()                  # View ▸ Runs again: shown, and in front
    qtbot.waitUntil(lambda: dock.isVisible() and not dock.visibleRegion().isEmpty())
    assert other.visibleRegion().isEmpty()


LAPTOP = (0, 0, 1280, 770)        # a 1280x800 screen less a 30 px panel


def _inside(window, free, frame) -> bool:
    g = window.geometry()
    return (g.left() - frame.left() >= free.left() and g.top() - frame.top() >= free.top()
            and g.right() + frame.right() <= free.right() and g.bottom() + frame.bottom() <= free.bottom())


def test_the_first_window_and_a_restored_one_fit_a_laptop_screen(qtbot, isolated, prompts, monkeypatch):
    """1280x800: the first window (never the 1400x900 default) and a layout saved on a large monitor
    both fit the free screen area, frame included."""
    from PySide6.QtCore import QRect
    from guiapp.widgets import screen_fit
    free = QRect(*LAPTOP)
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _w: free)
    first = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(first)
    assert _inside(first, free, screen_fit.FRAME_ALLOWANCE), first.geometry()
    assert first.width() >= 1200 and first.height() >= 700         # and it uses the room it has
    first.resize(1800, 1150)                                         # as on a large monitor
    assert first.close()
    again = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(again)
    assert _inside(again, free, screen_fit.FRAME_ALLOWANCE), again.geometry()
    again.close()


def test_a_window_is_fitted_with_its_real_frame_and_keeps_its_minimum():
    from PySide6.QtCore import QMargins, QRect, QSize
    from guiapp.widgets.screen_fit import fit_rect
    free = QRect(*LAPTOP)
    frame = QMargins(2, 28, 2, 2)
    r = fit_rect(QSize(1400, 900), QRect(300, 200, 1400, 900), free, frame, QSize(1080, 638))
    assert (r.width(), r.height()) == (1276, 740) and (r.x(), r.y()) == (2, 28)
    r = fit_rect(QSize(1100, 700), QRect(500, 300, 1100, 700), free, frame, QSize(1080, 638))
    assert r == QRect(178, 68, 1100, 700)                            # moved in, size kept
    r = fit_rect(QSize(1400, 900), QRect(0, 0, 1400, 900), QRect(0, 0, 1024, 600), frame, QSize(1080, 638))
    assert (r.width(), r.height()) == (1080, 638) and (r.x(), r.y()) == (2, 28)  # a minimum larger than the screen


def test_no_stray_tab_bar_shows_after_a_resize(window, qtbot):
    """Tabifying the late docks (Deployment, Runs) left a second "Training | Deployment" bar where the
    window first laid it out: it showed over the canvas once the window grew."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTabBar
    window.resize(1920, 1200)
    qtbot.waitUntil(lambda: window.height() == 1200)
    bars = [b for b in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if b.isVisible()]
    texts = [tuple(b.tabText(i) for i in range(b.count())) for b in bars]
    assert len(texts) == len(set(texts)), texts
    assert all(b.geometry().bottom() >= window.height() - 80 for b in bars), [b.geometry() for b in bars]
