"""A 1280x800 screen, as a new user's laptop: the opened network says where the rest of it is, the
status bar's messages fit, the panels beside the plots keep their text whole."""
from __future__ import annotations

import pytest

from core.project import Project
from guiapp import turns
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES

DIAGNOSIS = EXAMPLES / "diagnosis.losslab.json"


@pytest.fixture
def small_window(qtbot, isolated, request):
    full = getattr(request, "param", False) == "full"     # the training UI too (Runs, Deployment)
    w = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=not full)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.width() == 1280)
    yield w
    if w.controller is not None:
        assert w.controller.stop_and_wait(5.0)
    if w.deployment_view is not None:
        w.deployment_view.shutdown()
    w.close()


def _shown(canvas, node_id: str) -> bool:
    """The node's whole card lies inside the part of the scene the view shows."""
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    return visible.contains(canvas.graph_scene.nodes[node_id].card_rect())


def test_an_opened_network_too_tall_to_read_whole_says_how_many_layers_lie_below(small_window, qtbot):
    from guiapp.editor.canvas import READABLE_ZOOM
    w, canvas = small_window, small_window.canvas
    assert w.files.open(DIAGNOSIS, confirm=False)
    ids = w.document.project.model.ids()
    qtbot.waitUntil(lambda: _shown(canvas, "input"))
    assert canvas.zoom() >= READABLE_ZOOM - 1e-6              # node text stays readable
    hidden = [n for n in ids if not _shown(canvas, n)]
    if hidden:        # what 1280x800 gives: the rest is announced, on the view, with the count
        qtbot.waitUntil(lambda: canvas.hidden_hint.isVisible())
        text = canvas.hidden_hint.text()
        assert f"{len(hidden)} more layer" in text and "below" in text, text
        assert canvas.viewport().rect().contains(canvas.hidden_hint.geometry())
        canvas.hidden_hint.click()                               # one click shows the whole network
        assert all(_shown(canvas, n) for n in ids)
        qtbot.waitUntil(lambda: not canvas.hidden_hint.isVisible())
    # another project: the hint follows the view it opens with (no hint once every layer shows)
    assert w.files.open(EXAMPLES / "xor.losslab.json", confirm=False)

    def hint_tells_the_truth() -> bool:
        hidden_now = [n for n in w.document.project.model.ids() if not _shown(canvas, n)]
        if not hidden_now:
            return not canvas.hidden_hint.isVisible()
        return canvas.hidden_hint.isVisible() and f"{len(hidden_now)} more layer" in canvas.hidden_hint.text()
    qtbot.waitUntil(hint_tells_the_truth)
    canvas.show_everything()                                     # the hint's click, View > Fit to View
    qtbot.waitUntil(lambda: all(_shown(canvas, n) for n in w.document.project.model.ids())
                    and not canvas.hidden_hint.isVisible())


def _shown_text_is_whole(label) -> bool:
    from PySide6.QtWidgets import QLabel
    return QLabel.text(label) == label.text()          # what is painted == what was set: nothing elided


def test_status_fields_fit_at_1280_with_the_whole_reason_a_click_away(small_window, qtbot):
    w = small_window
    assert w.files.open(DIAGNOSIS, confirm=False)
    qtbot.waitUntil(lambda: w.document.dataset is not None)
    qtbot.waitUntil(turns.settled)                      # the status fields follow in a turn of their own
    status = w.status
    qtbot.waitUntil(lambda: _shown_text_is_whole(status.data))
    assert "2,000 rows" in status.data.text() and "1600 train" in status.data.details
    # a long reason (a layer that does not fit its input): a short head fits, the whole on click
    w.canvas.add_layer("Conv2d", after="shared1")
    qtbot.waitUntil(lambda: status.reason.text() != "")
    full = status.reason.details or status.reason.text()
    assert full.startswith("Run is disabled: ") and "Conv2d" in full
    qtbot.waitUntil(lambda: _shown_text_is_whole(status.reason))
    assert status.reason.width() <= w.width()
    qtbot.mouseClick(status.reason, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status.reason.popup is not None and status.reason.popup.isVisible())
    assert status.reason.popup.label.text() == full
    status.reason.popup.close()


def test_short_reason_cuts_at_a_clause_and_says_there_is_more():
    from guiapp.panels.status import short_reason
    long = ("node conv2d_1 (Conv2d) expects input (C, H, W) but gets (64,): put a Reshape before it, "
            "or use a Linear layer for a flat input of 64 values")
    short = short_reason(long)
    assert len(short) < len(long) and short.endswith("(click for details)")
    assert short.startswith("node conv2d_1 (Conv2d) expects input")
    assert short_reason("a short one") == "a short one"


def test_the_confusion_caption_is_whole_in_the_panel_it_has_at_1280(qtbot):
    from types import SimpleNamespace

    import numpy as np

    from guiapp.training.confusion import ConfusionTable
    table = ConfusionTable()
    qtbot.addWidget(table)
    table.show_matrix(SimpleNamespace(classes=["healthy", "at_risk", "ill"], counts=np.eye(3, dtype=int) * 10 + 1,
                                      accuracy=0.853, epoch=14))
    for width in (260, 170):                      # the Decision boundary tab at 1280x800, and narrower
        table.resize(width, 300)
        table.show()
        qtbot.waitExposed(table)
        qtbot.waitUntil(lambda: table.title.width() <= width)
        text = table.title.text()
        assert text.startswith("85.3% correct at epoch 14")
        fm, room = table.title.fontMetrics(), table.title.contentsRect()
        # every word painted: one line when it fits, else wrapped onto lines the label is tall enough for
        lines = fm.boundingRect(room, int(table.title.alignment()) | 0x1000, text)   # Qt.TextWordWrap
        assert lines.height() <= room.height() + 1 and lines.width() <= room.width() + 1, (width, lines, room)


def test_the_export_dialog_keeps_every_row_whole_after_wrote_to(small_window, qtbot, tmp_path):
    w = small_window
    assert w.files.open_example(EXAMPLES / "csv-moons.losslab.json", confirm=False)
    qtbot.waitUntil(lambda: w.document.dataset is not None)
    dialog = w.show_export()
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    dialog.set_format("onnx")
    deep = tmp_path / ("a_rather_long_folder_name_" * 3) / "and_another_one_inside_it"
    deep.mkdir(parents=True)
    dialog.path_edit.setText(str(deep / "moons.onnx"))
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        assert dialog.start_export()
    assert "wrote onnx to" in dialog.status_label.text()
    qtbot.waitUntil(lambda: dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width()))
    for label in (dialog.weights_label, dialog.input_label, dialog.status_label):
        # each wrapped text gets the height its lines need (squeezed, lines were cut off)
        assert label.height() >= label.heightForWidth(label.width()), label.objectName()
    assert dialog.frameGeometry().height() <= dialog.screen().availableGeometry().height()
    dialog.close()


@pytest.mark.parametrize("small_window", ["full"], indirect=True)
def test_the_deployment_plots_keep_a_readable_height_at_1280x800(small_window, qtbot):
    """Docked at 1280x800 the plots once got 20-40 px; now they keep their height and the tab scrolls."""
    import torch

    w = small_window
    assert w.files.open(DIAGNOSIS, confirm=False)
    qtbot.waitUntil(lambda: w.document.dataset is not None)
    w.deployment_dock.raise_()
    qtbot.waitUntil(lambda: w.deployment_view is not None and w.deployment_view.isVisible())
    view = w.deployment_view
    from core.training.setup import prepare
    torch.manual_seed(0)
    model = prepare(w.document.project, w.document.dataset, device="cpu").model   # untrained is enough
    view.model_provider = lambda: model
    view.select_source("stream")
    with qtbot.waitSignal(view.checkFinished, timeout=120_000) as got:
        view.check_button.click()
    assert got.args[0] is not None, view.error
    qtbot.waitUntil(lambda: view.over_time.isVisible())
    for plot in (view.over_time.loss, view.over_time.drift):
        assert plot.height() >= 70, plot.height()           # the curves and the finding names readable
    assert view.over_time.loss.height() >= 110
    view.plot_tabs.setCurrentWidget(view.histogram)
    qtbot.waitUntil(lambda: view.histogram.isVisible())
    assert view.histogram.plot.height() >= 150
    # the whole tab still fits the window: what does not fit scrolls inside it
    assert w.deployment_dock.geometry().bottom() <= w.height()
    assert view.results_area.verticalScrollBar().maximum() >= 0


def test_the_deployment_view_builds_in_parts_of_at_most_80_lines():
    import inspect

    from guiapp.deployment.view import DeploymentView
    for name, fn in inspect.getmembers(DeploymentView, inspect.isfunction):
        if fn.__module__ == "guiapp.deployment.view":
            assert len(inspect.getsource(fn).splitlines()) <= 80, name


@pytest.mark.parametrize("small_window", ["full"], indirect=True)
def test_the_runs_tab_shows_best_val_and_every_action_at_1280x800(small_window, qtbot):
    w = small_window
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    w.runs_dock.raise_()
    panel = w.runs_panel
    qtbot.waitUntil(panel.isVisible)
    dock = w.runs_dock.rect()
    for name in ("continue", "undo", "delete", "rename", "tag", "diff", "open", "refresh"):
        button = next(b for b in panel.toolbar.tool_buttons if b.defaultAction() is panel.buttons[name])
        qtbot.waitUntil(lambda: button.isVisible() and button.height() >= button.sizeHint().height())
        where = button.mapTo(w.runs_dock, button.rect().topLeft())
        assert dock.contains(where) and dock.contains(where + button.rect().bottomRight()), name
    header = panel.table.horizontalHeader()
    assert header.sectionViewportPosition(1) + 30 <= panel.table.viewport().width()     # best val in view


def test_run_names_are_readable_in_the_runs_tab_at_1280x800(qtbot, isolated, tmp_path, monkeypatch):
    """Sized while the tab was hidden, the name column once came out "s…3"."""
    from tests.guiapp.test_runs_panel import record_run
    from core.runs import open_store
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    store = open_store()
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    ids = [record_run(store, "spiral", lr=lr) for lr in (0.1, 0.01, 0.001)]
    panel = w.runs_panel
    metrics = panel.table.fontMetrics()
    panel.refresh()                             # while the Runs tab is behind Findings
    w.runs_dock.raise_()
    qtbot.waitUntil(panel.table.isVisible)
    qtbot.waitUntil(lambda: panel.table.columnWidth(0) >= metrics.horizontalAdvance("spiral #3"))
    ids.append(record_run(store, "spiral"))
    panel.refresh()                             # in view: the new rows measured at once (not the header)
    panel.select_ids(ids)
    assert panel.table.columnWidth(0) >= metrics.horizontalAdvance("spiral #4")
    assert w.controller.stop_and_wait(5.0)
    store.close()
    w.close()


def test_the_export_input_line_names_the_json_beside_the_file_being_typed(qtbot, isolated, tmp_path):
    """The Input row named untitled.onnx.preprocessing.json while the file said cat.onnx."""
    from guiapp.export_dialog import ExportDialog
    table = tmp_path / "cat.csv"
    table.write_text("length,city,label\n" + "".join(f"{i * 0.1:.2f},{'LPN'[i % 3]},{i % 2}\n" for i in range(60)))
    project = Project.from_dict({"format": "losslab-project", "version": 1, "name": "untitled",
                                 "data": {"source": "csv", "path": str(table)},
                                 "model": {"nodes": [{"id": "input", "type": "Input"},
                                                     {"id": "out", "type": "Linear", "params": {"out_features": 2}}],
                                           "edges": [["input", "out"]]},
                                 "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}]}, tmp_path)
    doc = ProjectDocument(project)
    qtbot.waitUntil(lambda: doc.dataset is not None)
    dialog = ExportDialog(doc, folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_format("onnx")
    dialog.path_edit.setText(str(tmp_path / "cat.onnx"))        # typed: no editingFinished yet
    assert "cat.onnx.preprocessing.json" in dialog.input_label.text()
    assert "city is one-hot, 3 numbers" in dialog.input_label.text()


def test_the_status_bar_counts_images_as_images_and_table_rows_as_rows():
    from types import SimpleNamespace

    from guiapp.panels.status import short_data_text
    flowers = SimpleNamespace(name="flowers", input_shape=(3, 32, 32), n_train=2936, n_val=734, n_test=0)
    diagnosis = SimpleNamespace(name="diagnosis", input_shape=(8,), n_train=1600, n_val=400, n_test=0)
    from core.data.dataset import Dataset
    for ds in (flowers, diagnosis):   # the status bar words a sample as the data set does
        ds.inputs_text = (lambda d: lambda: Dataset.inputs_text(d))(ds)
    assert short_data_text(flowers) == "flowers: 3,670 images, 3x32x32 inputs"
    assert short_data_text(diagnosis) == "diagnosis: 2,000 rows, 8 features"
