"""The views around a training: decision boundary and confusion matrix, fitted curve, findings panel,
and the overfitting banner on real runs (an oversized network on small noisy moons overfits; a
small one with early stopping does not)."""
from __future__ import annotations


import numpy as np
import pytest

from core.diagnostics import Finding
from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.training import BoundaryView, FindingsPanel, TrainingController, TrainingPanel
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


def mlp_project(source: str, hidden: list[int], *, params: dict | None = None, epochs: int = 150,
                patience: int = 0, activation: str = "ReLU", out: int = 2, loss: str = "CrossEntropyLoss",
                seed: int = 0) -> Project:
    nodes, edges, prev = [{"id": "input", "type": "Input"}], [], "input"
    for i, width in enumerate(hidden):
        nodes += [{"id": f"fc{i}", "type": "Linear", "params": {"out_features": width}},
                  {"id": f"act{i}", "type": activation}]
        edges += [[prev, f"fc{i}"], [f"fc{i}", f"act{i}"]]
        prev = f"act{i}"
    nodes.append({"id": "out", "type": "Linear", "params": {"out_features": out}})
    edges.append([prev, "out"])
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": source,
        "data": {"source": source, "params": dict(params or {}, seed=seed), "val_fraction": 0.2},
        "model": {"nodes": nodes, "edges": edges},
        "outputs": [{"node": "out", "loss": {"type": loss, "params": {}}}],
        "training": {"optimizer": {"type": "Adam", "params": {"lr": 0.01}}, "epochs": epochs, "batch_size": 32,
                     "seed": seed, "early_stopping": {"patience": patience, "min_delta": 0.0, "restore_best": True}},
    })


@pytest.fixture
def controller(qtbot):
    made = []

    def make(project: Project) -> TrainingController:
        c = TrainingController(ProjectDocument(project))
        made.append(c)
        return c

    yield make
    for c in made:
        assert c.stop_and_wait(2.0)


def run_to_end(qtbot, c: TrainingController, timeout: int = 30_000, **kwargs):
    with qtbot.waitSignal(c.runFinished, timeout=timeout) as finished:
        assert c.run(**kwargs)
    return finished.args[0]


def test_decision_boundary_has_the_grid_shape_and_changes_with_training(qtbot, controller):
    c = controller(mlp_project("spiral", [32, 32], params={"samples": 400}, epochs=1))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.resize(500, 700)
    view.show()
    assert view.kind == "classes"
    assert len(view.train_points.data) + len(view.val_points.data) == 400
    snaps = []
    c.boundaryUpdated.connect(snaps.append)
    run_to_end(qtbot, c)
    first = view.image.copy()
    assert first.shape == (80, 80, 4) and first.dtype == np.uint8
    assert snaps[-1].values.shape == (80, 80, 2)
    assert np.allclose(snaps[-1].values.sum(axis=-1), 1.0, atol=1e-5)
    run_to_end(qtbot, c, epochs=30)                # Run continues the same model
    assert view.image.shape == (80, 80, 4)
    assert np.abs(view.image.astype(int) - first.astype(int)).mean() > 1.0
    assert snaps[-1].epoch == 31
    cm = view.confusion.matrix
    assert cm is not None and cm.counts.shape == (2, 2) and cm.counts.sum() == c.history.info.n_val
    assert cm.epoch == 31 and "correct" in view.confusion.title.text()
    with qtbot.waitSignal(c.historyCleared):
        c.reset()
    assert view.image is None and view.confusion.matrix is None


def test_boundary_snapshots_stop_while_no_view_is_visible(qtbot, controller):
    c = controller(mlp_project("moons", [8], params={"samples": 100}, epochs=3))
    snaps = []
    c.boundaryUpdated.connect(snaps.append)
    run_to_end(qtbot, c)
    assert snaps == []
    assert c.last_confusion is not None               # the confusion matrix is cheap: always there


def test_fitted_curve_for_1d_regression(qtbot, controller):
    c = controller(mlp_project("sine", [16], params={"samples": 200}, epochs=5, out=1, loss="MSELoss",
                               activation="Tanh"))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.show()
    assert view.kind == "curve" and not view.confusion.isVisibleTo(view)
    run_to_end(qtbot, c)
    xs, ys = view.curve.getData()
    assert xs.size == 200 and np.isfinite(ys).all()


def test_no_picture_for_data_with_many_inputs(qtbot, controller):
    c = controller(mlp_project("diagnosis", [16], params={"samples": 200}, epochs=1, out=3))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.show()
    assert view.kind is None
    assert not view.plot.isVisibleTo(view) and view.message.isVisibleTo(view)


def test_findings_panel_lists_findings_and_clicks_highlight(qtbot, controller):
    c = controller(mlp_project("moons", [8], epochs=2))
    panel = TrainingPanel(c)
    findings = FindingsPanel(c)
    qtbot.addWidget(panel)
    qtbot.addWidget(findings)
    panel.show()
    findings.show()
    run_to_end(qtbot, c)

    class Canvas:
        highlighted: list = []

        def highlight_node(self, node):
            self.highlighted.append(node)

    canvas = Canvas()
    findings.set_canvas(canvas)
    plateau = Finding("plateau", "info", "Plateau from epoch 1 to 2", "Raise the learning rate",
                      {"epochs": 2.0, "drop_pct": 0.5}, start_epoch=1, end_epoch=2)
    dead = Finding("dead_units", "warning", "60% of act0's units never fire", "Use LeakyReLU",
                   {"share": 0.6}, node="act0")
    c.findingsChanged.emit([plateau, dead])
    assert findings.tree.topLevelItemCount() == 2 and not findings.placeholder.isVisibleTo(findings)
    item = findings.item_for(plateau)
    assert item.text(0).replace("\n", " ") == plateau.message and item.childCount() == 3
    assert any("Try: Raise" in item.child(i).text(0) for i in range(item.childCount()))
    evidence = [item.child(i) for i in range(item.childCount()) if item.child(i).text(0).startswith("Evidence")]
    rows = [evidence[0].child(i).text(0) for i in range(evidence[0].childCount())] if evidence else []
    assert "drop pct: 0.5" in rows     # plain words (an unlabelled key: its words), the raw key in the tooltip

    with qtbot.waitSignal(c.findingSelected):
        findings.tree.itemClicked.emit(item, 0)
    region = panel.epoch_plot.marks.region("selected")
    assert region is not None and region.getRegion() == pytest.approx((1.0, 2.0))
    findings.tree.itemClicked.emit(findings.item_for(dead), 0)
    assert canvas.highlighted == ["act0"]
    c.findingsChanged.emit([])
    assert findings.placeholder.isVisibleTo(findings)


def test_overfitting_banner_on_an_oversized_network(qtbot, controller):
    c = controller(mlp_project("moons", [256, 256], params={"samples": 60, "noise": 0.35}, epochs=150))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    seen = []
    c.findingsChanged.connect(lambda fs: seen.append(any(f.kind == "overfitting" for f in fs)))
    result = run_to_end(qtbot, c)
    assert result.status == "completed"
    assert any(seen[:-1]), "the banner should appear while training, not only at the end"
    over = next(f for f in c.history.findings if f.kind == "overfitting")
    assert panel.banner_visible()
    assert "Overfitting" in panel.banner.text.text() and str(over.start_epoch) in panel.banner.text.text()
    region = panel.epoch_plot.marks.region("overfitting")
    assert region is not None
    start, end = region.getRegion()
    assert start == over.start_epoch and end >= over.end_epoch
    assert panel.step_plot.marks.region("overfitting") is not None
    best = panel.epoch_plot.marks.marker("best")
    assert best is not None and best.value() == c.history.best_epoch()[0] == result.best_epoch
    # the banner names both numbers, so a shaded onset and a later marker do not look like a contradiction
    text = panel.banner.text.text()
    assert f"overfitting since epoch {over.start_epoch}" in text and f"best val epoch {result.best_epoch}" in text
    assert best.label.format == f"best val epoch {result.best_epoch}"


def test_no_banner_on_a_well_sized_network_with_early_stopping(qtbot, controller):
    c = controller(mlp_project("moons", [8], params={"samples": 60, "noise": 0.35}, epochs=150, patience=5,
                               activation="Tanh"))
    panel = TrainingPanel(c)
    qtbot.addWidget(panel)
    panel.show()
    result = run_to_end(qtbot, c)
    assert result.status == "early_stopped"
    assert not any(f.kind == "overfitting" for f in c.history.findings)
    assert not panel.banner_visible() and panel.epoch_plot.marks.region("overfitting") is None


def test_a_continued_run_is_diagnosed_over_the_whole_curve(qtbot, controller):
    c = controller(mlp_project("spiral", [32, 32], params={"samples": 400}, epochs=2))
    run_to_end(qtbot, c)
    second = run_to_end(qtbot, c)
    assert second.start_epoch == 2 and second.epochs_run == 4
    assert [h.epoch for h in second.history] == [1, 2, 3, 4]   # the trainer saw the whole history
    assert second.best_epoch in (1, 2, 3, 4)


def test_the_decision_boundary_fills_the_axes_and_the_view_stops_at_the_data(qtbot, controller):
    from guiapp.training.snapshots import data_extent
    c = controller(mlp_project("spiral", [16], params={"samples": 300}, epochs=2))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.resize(420, 640)                         # a tall, narrow dock: aspect locking left blank bands
    view.show()
    extent = data_extent(c.document.dataset)
    vb = view.plot.getPlotItem().vb
    (x0, x1), (y0, y1) = vb.viewRange()
    assert (x0, x1, y0, y1) == pytest.approx(extent)
    run_to_end(qtbot, c)
    rect = view.image_item.mapRectToParent(view.image_item.boundingRect())
    assert (rect.left(), rect.right(), rect.top(), rect.bottom()) == pytest.approx(extent, abs=1e-6)
    vb.scaleBy((4.0, 4.0))                        # zooming out stops at the picture
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 >= extent[0] - 1e-6 and x1 <= extent[1] + 1e-6 and y0 >= extent[2] - 1e-6 and y1 <= extent[3] + 1e-6
    assert view.plot.getPlotItem().legend is None   # the legend is in the title row, above the data
    title = view.plot.getPlotItem().titleLabel.item.toPlainText()
    assert "train" in title and "validation" in title


def test_a_fitted_curve_is_ranged_to_the_data(qtbot, controller):
    c = controller(mlp_project("spiral", [16], params={"samples": 200}, epochs=1))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.show()
    d = mlp_project("sine", [16], params={"samples": 200}, epochs=3, out=1, loss="MSELoss", activation="Tanh")
    c.document.replace(d)                         # from a 2-D classification to a 1-D regression
    run_to_end(qtbot, c)
    ds = c.document.dataset
    y = np.concatenate([ds.y_train[ds.default_target].numpy().ravel(), ds.y_val[ds.default_target].numpy().ravel()])
    (_x0, _x1), (y0, y1) = view.plot.getPlotItem().vb.viewRange()
    span = y.max() - y.min()
    assert y0 <= y.min() and y1 >= y.max() and (y1 - y0) <= 1.3 * span, (y0, y1, y.min(), y.max())
    assert "model" in view.plot.getPlotItem().titleLabel.item.toPlainText()


def test_the_confusion_matrix_follows_the_projects_classes_and_fits_ten(qtbot, controller):
    c = controller(mlp_project("spiral", [8], params={"samples": 200}, epochs=1))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.resize(340, 520)
    view.show()
    run_to_end(qtbot, c)
    assert view.confusion.table.rowCount() == 2
    c.document.replace(Project.load(EXAMPLES / "digits.losslab.json"))
    table = view.confusion.table
    assert table.rowCount() == 10 and table.columnCount() == 10 and view.confusion.matrix is None
    assert not view.picture.isVisibleTo(view) and view.message.isVisibleTo(view)
    assert view.confusion.isVisibleTo(view)
    assert table.horizontalHeaderItem(9).text() == "9" and table.verticalHeaderItem(0).text() == "0"
    rows = table.verticalHeader().length() + table.horizontalHeader().height()
    assert rows <= view.confusion.height(), "all ten rows are visible"
    assert view.message.height() < 80, "the no-picture note is one small line, not an empty area"


def test_long_class_names_are_shortened_in_the_headers(qtbot):
    from guiapp.training.confusion import ConfusionTable, short_label
    from guiapp.training.payloads import ConfusionMatrix
    table = ConfusionTable()
    qtbot.addWidget(table)
    classes = ("healthy", "at_risk", "critically_ill")
    table.show_matrix(ConfusionMatrix(np.eye(3, dtype=np.int64) * 5, classes, 4))
    header = table.table.horizontalHeaderItem(2)
    assert header.text() == short_label("critically_ill") and len(header.text()) <= 7
    assert "critically_ill" in header.toolTip()
    assert table.table.item(1, 1).text() == "5" and "100.0% correct" in table.title.text()


def test_a_diverged_models_nan_probabilities_draw_as_no_confidence():
    import warnings

    from guiapp.training.boundary import classes_to_rgba
    probs = np.full((4, 4, 2), np.nan)
    probs[0, 0] = (0.9, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgba = classes_to_rgba(probs, ("#1f77b4", "#ff7f0e"))
    assert rgba[1, 1, 3] == 0 and rgba[0, 0, 3] > 0


def test_the_boundary_and_the_confusion_matrix_name_the_same_epoch_the_weights_kept(qtbot, controller):
    """Early stopping with restore_best: both show the best epoch's model and say so; never one the
    last epoch and the other the best."""
    c = controller(mlp_project("moons", [64, 64], params={"samples": 120, "noise": 0.35}, epochs=200, patience=3))
    view = BoundaryView(c)
    qtbot.addWidget(view)
    view.resize(500, 700)
    view.show()
    result = run_to_end(qtbot, c, timeout=60_000)
    assert result.status == "early_stopped" and result.best_epoch < result.epochs_run
    qtbot.waitUntil(lambda: view.confusion.matrix is not None and view.snapshot is not None)
    assert view.snapshot.epoch == view.confusion.matrix.epoch == result.best_epoch
    assert f"epoch {result.best_epoch}," in view.caption.text()
    assert f"at epoch {result.best_epoch} " in view.confusion.title.text()


def test_the_confusion_caption_keeps_its_numbers_in_a_narrow_panel(qtbot):
    from types import SimpleNamespace

    from guiapp.training.confusion import ConfusionTable
    table = ConfusionTable()
    qtbot.addWidget(table)
    table.show_matrix(SimpleNamespace(classes=["healthy", "at_risk", "ill"], counts=np.eye(3, dtype=int) * 10 + 1,
                                      accuracy=0.853, epoch=14))
    table.resize(260, 300)                        # the Decision boundary tab at 1280x800
    table.show()
    qtbot.waitExposed(table)
    shown = QLabelText(table.title)
    assert shown.startswith("85.3% correct at epoch 14") and "Confusion matrix" in table.title.toolTip()
    assert table.title.fontMetrics().horizontalAdvance(shown) <= table.title.contentsRect().width() + 1


def QLabelText(label) -> str:  # noqa: N802 - what Qt paints, not the whole text ElidedLabel.text() gives
    from PySide6.QtWidgets import QLabel
    return QLabel.text(label)


def test_an_epochs_confusion_matrix_is_made_from_its_evaluation_not_a_second_pass(monkeypatch):
    """The window's confusion matrix after an epoch counts the validation predictions the epoch's
    evaluation made (the same numbers a second pass gives), without running the model over the
    validation rows again on the training thread."""
    import core.training.evaluate as evaluate_module
    from core.training.evaluate import evaluate
    from core.training.events import EpochRecord
    from core.training.setup import prepare
    from guiapp.training.payloads import ConfusionMatrix
    from guiapp.training.snapshots import compute_confusion
    from guiapp.training.worker import QueueObserver
    setup = prepare(mlp_project("spiral", [16], params={"samples": 300}))
    evaluate(setup)
    again = compute_confusion(setup, 1)
    passes = []
    shipped = evaluate_module.predict_heads
    monkeypatch.setattr(evaluate_module, "predict_heads", lambda *a: passes.append(1) or shipped(*a))
    observer = QueueObserver()
    observer.attach(setup, None)
    observer.on_epoch_end(EpochRecord(1, 10, 0.7, 0.7, 0.01, 0.1, 0.1, {}, {}, 0.0, {}))
    matrices = [e for _kind, e in observer.state.take() if isinstance(e, ConfusionMatrix)]
    assert len(matrices) == 1 and not passes
    assert np.array_equal(matrices[0].counts, again.counts) and matrices[0].counts.sum() == setup.x_val.shape[0]


def test_each_new_matrix_of_a_run_shows_its_own_counts_and_shares(qtbot):
    """Matrices twice a second while training: only changed cells are set again, and every cell still
    reads the newest counts and its share of the row (a row whose total changed too)."""
    from guiapp.training.confusion import ConfusionTable
    from guiapp.training.payloads import ConfusionMatrix
    table = ConfusionTable()
    qtbot.addWidget(table)
    classes = ("a", "b", "c")
    first = np.array([[8, 2, 0], [1, 9, 0], [0, 0, 10]])
    table.show_matrix(ConfusionMatrix(first, classes, 1))
    second = first.copy()
    second[0] = [9, 1, 0]                        # same row total, two cells changed
    second[2] = [0, 1, 12]                       # another total (a split that grew), so every share changed
    table.show_matrix(ConfusionMatrix(second, classes, 2))
    for i in range(3):
        for j in range(3):
            item = table.table.item(i, j)
            assert item.text() == str(second[i, j])
            share = round(100 * second[i, j] / second[i].sum())
            assert f"({share}% of {classes[i]})" in item.toolTip(), (i, j, item.toolTip())
    assert "at epoch 2" in table.title.text()
