"""The Errors tab: filled after a Run, a clicked confusion cell lists exactly its samples (thumbnails,
rows with their column names, or points), suspect labels are searched on a task with Cancel, and a
regression model or no model says so instead of failing."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.data import load_dataset
from core.evaluation import cell_samples
from core.project import Project
from core.training import train, trained_model
from guiapp.document import ProjectDocument
from guiapp.errors import ErrorsView
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


def trained(name: str, epochs: int, **data):
    project = Project.load(EXAMPLES / f"{name}.losslab.json")
    project.training.epochs = epochs
    for k, v in data.items():
        setattr(project.data, k, v)
    dataset = load_dataset(project.data, project.base_dir)
    return project, dataset, trained_model(project, train(project, dataset=dataset, diagnose=False, health=False),
                                           dataset)


@pytest.fixture
def view(qtbot):
    v = ErrorsView()
    qtbot.addWidget(v)
    v.resize(1100, 500)
    v.show()
    yield v
    v.shutdown()
    v.search.wait(10_000)


def _off_diagonal_cell(h) -> tuple[int, int]:
    cm = h.confusion.copy()
    np.fill_diagonal(cm, 0)
    if cm.max() == 0:
        return 0, 0
    i, j = np.unravel_index(cm.argmax(), cm.shape)
    return int(i), int(j)


def test_the_window_has_an_errors_tab_filled_after_a_run(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open_example(EXAMPLES / "xor.losslab.json", confirm=False)
    w.show()
    view = w.errors_view
    assert w.errors_dock.toggleViewAction() in w.view_menu.actions()
    assert view.stack.currentWidget() is view.empty and not view.find_button.isEnabled()
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000):
        assert w.controller.run(epochs=2)
    w.errors_dock.raise_()                  # analysed once the tab is looked at (behind the plots it waits)
    qtbot.waitUntil(lambda: view.current_head() is not None, timeout=30_000)
    h = view.current_head()
    assert h is not None and view.stack.currentIndex() == 1
    assert view.heatmap.rowCount() == len(h.predictions.classes) == 2
    assert view.find_button.isEnabled()
    i, j = _off_diagonal_cell(h)
    view.heatmap.pick(i, j)
    p = h.predictions
    assert view.cell_samples.shown == cell_samples(p.labels, p.predicted, i, j, p.loss).tolist()
    assert view.cell_samples.kind == "points" and view.cell_samples.plot.isVisible()
    w.controller.reset()
    assert view.stack.currentWidget() is view.empty
    assert w.controller.stop_and_wait(2.0)


def test_a_digits_cell_shows_its_thumbnails_worst_first(view):
    project, data, model = trained("digits", 2)
    view.show_model(project, data, model)
    h = view.current_head()
    assert view.class_table.rowCount() == 10 and view.class_table.isSortingEnabled()
    i, j = _off_diagonal_cell(h)
    view.heatmap.pick(i, j)
    p = h.predictions
    expected = cell_samples(p.labels, p.predicted, i, j, p.loss).tolist()
    assert view.cell_samples.shown == expected and view.cell_samples.thumbs.count() == len(expected)
    assert view.cell_samples.thumbs.isVisible() and not view.cell_samples.rows.isVisible()
    if expected:
        first = view.cell_samples.thumbs.item(0)
        # named by its index in the bundled digits (what data.exclude takes), not its place in the split
        assert not first.icon().isNull() and first.text().startswith(f"#{int(data.index_val[expected[0]])}\n")
    view.heatmap.pick(3, 3)        # the diagonal: the right ones
    assert view.cell_samples.shown == cell_samples(p.labels, p.predicted, 3, 3, p.loss).tolist()


def test_a_table_cell_lists_its_rows_with_the_column_names(view):
    project, data, model = trained("fraud", 2)
    view.show_model(project, data, model)
    view.heatmap.pick(0, 0)
    table = view.cell_samples.rows
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    # a generated set names its samples by their index in the generated order (what data.exclude takes)
    assert headers[:5] == ["index", "given", "predicted", f"p({data.targets['fraud'].classes[0]})", "loss"]
    assert table.item(0, 0).text() == str(int(data.index_val[view.cell_samples.shown[0]]))
    assert headers[5:] == data.feature_names
    assert table.rowCount() == min(200, len(view.cell_samples.shown)) > 0


def test_suspects_are_found_on_a_task_and_listed_and_cancel_stops_a_search(view, qtbot):
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["data"].update({"source": "gauss", "params": {"samples": 120, "noise": 0.05}})
    doc["training"].update({"epochs": 15, "optimizer": {"type": "Adam", "params": {"lr": 0.05}}})
    project = Project.from_dict(doc, base_dir=EXAMPLES)
    data = load_dataset(project.data, project.base_dir)
    planted = int(np.flatnonzero(np.abs(data.raw_train.sum(axis=1)) > 4.0)[0])   # deep inside a blob
    data.y_train["label"][planted] = 1 - data.y_train["label"][planted]
    model = trained_model(project, train(project, dataset=data, diagnose=False, health=False), data)
    view.show_model(project, data, model)
    with qtbot.waitSignal(view.search.found, timeout=120_000):
        assert view.find_suspects()
        assert view.cancel_button.isVisible() and not view.find_button.isEnabled()
    assert planted in view.suspect_list.shown and view.find_button.isEnabled()
    table = view.suspect_list.rows
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:5] == ["index", "given", "suggested", "confidence", "p(given)"]
    with qtbot.waitSignal(view.search.cancelled, timeout=10_000):
        assert view.find_suspects()
        view.cancel_button.click()
    assert "cancelled" in view.suspect_list.caption.text() and not view.cancel_button.isVisible()
    assert view.search.wait(30_000)


def test_a_regression_model_shows_residuals_and_no_suspect_search(view):
    project, data, model = trained("sine", 2)
    view.show_model(project, data, model)
    assert not view.find_button.isEnabled() and not view.left.isTabVisible(0)
    assert view.class_table.horizontalHeaderItem(0).text() == "target from"
    assert len(view.cell_samples.shown) == min(50, data.n_val) and "largest errors" in view.cell_samples.caption.text()


def test_no_model_or_an_empty_split_shows_a_message(view):
    project, data, model = trained("xor", 1)
    view.show_model(project, data, None)
    assert view.stack.currentWidget() is view.empty and "no trained model" in view.empty.text()
    view.show_model(project, data, model)
    view.split_box.setCurrentIndex(view.split_box.findData("test"))     # xor has no test split
    assert view.stack.currentWidget() is view.empty and "test split is empty" in view.empty.text()


def test_suspects_are_excluded_from_training_in_a_copy_of_the_project(view, qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QMessageBox

    from core.data.exclude import sample_ids
    from guiapp.errors import exclude_copy
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["name"] = "blobs"
    doc["data"].update({"source": "gauss", "params": {"samples": 120, "noise": 0.05}})
    doc["training"].update({"epochs": 15, "optimizer": {"type": "Adam", "params": {"lr": 0.05}}})
    project = Project.from_dict(doc, base_dir=tmp_path)
    data = load_dataset(project.data, project.base_dir)
    for planted in np.flatnonzero(np.abs(data.raw_train.sum(axis=1)) > 4.0)[:3]:   # deep inside a blob
        data.y_train["label"][planted] = 1 - data.y_train["label"][planted]
    model = trained_model(project, train(project, dataset=data, diagnose=False, health=False), data)
    view.show_model(project, data, model)
    assert not view.exclude_button.isEnabled()
    with qtbot.waitSignal(view.search.found, timeout=120_000):
        assert view.find_suspects()
    assert view.exclude_button.isEnabled()
    table = view.suspect_list.rows
    assert table.rowCount() >= 2
    table.selectRow(0)
    table.selectionModel().select(table.model().index(1, 0), QItemSelectionModel.SelectionFlag.Select
                                  | QItemSelectionModel.SelectionFlag.Rows)
    chosen = [int(table.item(r, 0).text()) for r in (0, 1)]
    asked = []
    target = tmp_path / "blobs-clean.losslab.json"

    def save_dialog(_parent, _title, default, _filter):
        asked.append(default)
        return str(target), ""
    monkeypatch.setattr(exclude_copy.QFileDialog, "getSaveFileName", save_dialog)
    monkeypatch.setattr(exclude_copy.QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(view.openRequested) as opened:
        view.exclude_button.click()
    assert asked == [str(tmp_path / "blobs-clean.losslab.json")] and opened.args == [str(target)]
    copy = Project.load(target)
    assert sorted(copy.data.exclude) == sorted(chosen) and copy.model == project.model
    clean = load_dataset(copy.data, copy.base_dir)
    full = load_dataset(project.data, project.base_dir)
    assert clean.n_train == full.n_train - 2 and set(sample_ids(clean, "train")).isdisjoint(chosen)
    assert sample_ids(clean, "val") == sample_ids(full, "val")
    # nothing selected: every suspect goes; "No" writes the copy and opens nothing
    table.clearSelection()
    monkeypatch.setattr(exclude_copy.QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    assert view.exclude_in_copy() is None
    s = view.current_head().suspects
    assert sorted(Project.load(target).data.exclude) == sorted(s.suspect_ids())


def test_confusion_cells_show_the_count_and_its_share_of_the_row(qtbot):
    from guiapp.errors.heatmap import ConfusionHeatmap
    m = ConfusionHeatmap()
    qtbot.addWidget(m)
    m.show_matrix(np.array([[7, 3, 0], [1, 198, 1], [0, 0, 5]]), ["a", "b", "c"])
    assert m.item(0, 0).text() == "7\n70%" and m.item(0, 1).text() == "3\n30%" and m.item(0, 2).text() == ""
    assert m.item(1, 0).text() == "1\n<1%" and m.item(1, 1).text() == "198\n99%" and m.item(2, 2).text() == "5\n100%"


def test_a_hidden_errors_tab_analyses_the_run_when_it_is_shown(qtbot, isolated):
    """The end of a Run does not pay for a tab nobody looks at: the analysis waits until it is shown."""
    from PySide6.QtCore import QCoreApplication

    from guiapp.training.controller import TrainingController
    doc = ProjectDocument(Project.load(EXAMPLES / "xor.losslab.json"))
    controller = TrainingController(doc)
    v = ErrorsView(controller, doc)
    qtbot.addWidget(v)
    with qtbot.waitSignal(controller.runFinished, timeout=60_000):
        assert controller.run(epochs=2)
    QCoreApplication.processEvents()                 # a turn of the event loop: nothing is analysed hidden
    assert v.current_head() is None and v.stack.currentWidget() is v.empty
    v.show()
    qtbot.waitUntil(lambda: v.current_head() is not None, timeout=30_000)
    assert v.stack.currentIndex() == 1 and v.heatmap.rowCount() == 2
    assert controller.stop_and_wait(2.0)


def test_the_end_of_a_run_makes_the_scatter_plots_in_turns_before_the_analysis(qtbot, isolated):
    """The first analysis made two scatter plots (20-30 ms each) in its own turn, 80-100 ms in all at
    the first Run's end: each plot is made in a turn of its own before it."""
    from guiapp import turns
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open_example(EXAMPLES / "xor.losslab.json", confirm=False)
    w.show()
    w.errors_dock.raise_()
    view = w.errors_view
    at_analysis = []
    shown = view._show_shown_run
    view._show_shown_run = lambda: (at_analysis.append((view.cell_samples.plot is not None,
                                                        view.suspect_list.plot is not None)), shown())
    at_end = []
    w.controller.runFinished.connect(lambda _r: at_end.append(view.cell_samples.plot))
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000):
        assert w.controller.run(epochs=2)
    assert at_end == [None]                                 # not in the turn that ends the Run
    qtbot.waitUntil(lambda: view.current_head() is not None, timeout=30_000)
    qtbot.waitUntil(turns.settled)
    assert at_analysis == [(True, True)]                    # made before the analysis' turn
    assert view.cell_samples.plot.isVisible()
    assert w.controller.stop_and_wait(2.0)


def test_a_window_closed_at_the_end_of_a_run_makes_no_scatter_plots(qtbot, isolated):
    """The plots waiting for their turns belong to the analysis, which waits for the tab to be seen:
    made for a window closed meanwhile, they held the next window's File ▸ Open 20-30 ms each."""
    from guiapp import turns
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open_example(EXAMPLES / "xor.losslab.json", confirm=False)
    w.show()
    w.errors_dock.raise_()
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000):
        assert w.controller.run(epochs=1)
    w.hide()
    qtbot.waitUntil(turns.settled)
    assert w.errors_view.cell_samples.plot is None and w.errors_view.suspect_list.plot is None
    assert w.controller.stop_and_wait(2.0)


def test_at_the_width_it_has_at_1280_the_errors_tab_shows_its_words_whole(qtbot):
    """The Errors dock is ~610 px wide on a 1280x800 screen: the head's name, the summary with its
    numbers and the two list tabs' names are whole (they read "diagnosi", "accuracy 8", "Suspect la")."""
    project, data, model = trained("diagnosis", 2)
    v = ErrorsView()
    qtbot.addWidget(v)
    v.resize(610, 330)
    v.show()
    qtbot.waitExposed(v)
    v.show_model(project, data, model)
    qtbot.waitUntil(lambda: v.stack.currentIndex() == 1)
    box = v.head_box
    assert box.width() >= box.fontMetrics().horizontalAdvance(box.currentText()) + 20, box.currentText()
    summary = v.summary
    assert "accuracy" in summary.text() and summary.wordWrap()

    def whole() -> bool:      # every word painted: the wrapped lines fit the label (once the layout has run)
        room = summary.contentsRect()
        need = summary.fontMetrics().boundingRect(room, 0x1000, summary.text())   # Qt.TextWordWrap
        return need.height() <= room.height() + 1 and need.width() <= room.width() + 1
    qtbot.waitUntil(whole)
    bar = v.tabs.tabBar()
    for i in range(v.tabs.count()):
        assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(v.tabs.tabText(i)) + 8, v.tabs.tabText(i)
    assert not v.exclude_button.visibleRegion().isEmpty() or v.tabs.currentIndex() == 0
    v.shutdown()
