"""The Data panel's column picker and the CSV load off the GUI thread (progress, Cancel)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox

from core.data.csvfile import Cancelled
from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.panels import data_panel
from guiapp.panels.data_panel import DataPanel
from tests.conftest import EXAMPLES


def _table(path: Path, n: int = 60) -> Path:
    colours = ["red", "green", "blue"]
    lines = ["customer,size,colour,label"] + [
        f"c{i:04d},{'' if i == 4 else i},{colours[i % 3]},{'yes' if i % 2 else 'no'}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def doc(tmp_path):
    d = ProjectDocument(Project(), load_data=False)
    p = EXAMPLES / "spiral.losslab.json"
    d.replace(Project.load(p), p)
    folder = tmp_path / "proj"
    folder.mkdir()
    d.save(folder / "p.losslab.json")
    return d


@pytest.fixture
def panel(qtbot, doc):
    w = DataPanel(doc)
    qtbot.addWidget(w)
    return w


def _load(qtbot, panel, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(path))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000) as blocker:
        panel.source.activated.emit(panel.source.findData("csv"))
    assert blocker.args == ["loaded"], panel.document.data_error


def test_column_picker_shows_kinds_and_changes_roles_by_click(qtbot, panel, doc, monkeypatch):
    _load(qtbot, panel, monkeypatch, _table(doc.path.parent / "shop.csv"))
    picker = panel.columns
    assert picker.isVisibleTo(panel) and picker.rowCount() == 4
    kinds = {picker.item(i, 0).text(): picker.item(i, 1).text() for i in range(4)}
    assert kinds == {"customer": "text id", "size": "numeric", "colour": "categorical", "label": "categorical"}
    assert picker.role("customer") == "not used" and picker.role("label") == "target"
    assert doc.dataset.feature_names == ["size", "colour=blue", "colour=green", "colour=red"]
    notes = panel.table_notes.text()
    assert "missing values filled: size 1 cell" in notes and "customer (text id)" in notes
    # one click: colour becomes the target, label a feature
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        picker.set_role("colour", "target")
    assert doc.project.data.target == ["colour", "label"]  # two targets for a moment
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        picker.set_role("label", "feature")
    assert doc.project.data.target == "colour" and doc.project.data.features == ["size", "label"]
    assert list(doc.dataset.targets) == ["colour"] and doc.dataset.targets["colour"].classes == ["blue", "green", "red"]
    assert doc.project.data.categories == {"label": ["no", "yes"]}
    # the missing-value choice, stored in the project and shown by the panel
    combo = panel.fields["missing"] if isinstance(panel.fields["missing"], QComboBox) else \
        panel.fields["missing"].findChild(QComboBox)
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        combo.setCurrentIndex(combo.findText("drop"))
        combo.activated.emit(combo.currentIndex())
    assert doc.project.data.missing == "drop" and "1 row with missing values dropped" in panel.table_notes.text()
    # reopen: the choices are in the file
    doc.save()
    again = Project.load(doc.path)
    assert again.data.missing == "drop" and again.data.categories == {"label": ["no", "yes"]}
    doc.undo_stack.undo()
    assert doc.project.data.missing == "mean"


def test_cancel_leaves_the_project_unchanged(qtbot, panel, doc, monkeypatch):
    before = doc.project.to_dict()
    path = _table(doc.path.parent / "shop.csv")
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(path))
    # Cancel is the task's cancel flag, which the reader checks at every progress report: set before
    # the first one, the load ends as cancelled (deterministic; a real click lands between two reports)
    from guiapp import tasks
    monkeypatch.setattr(tasks.TaskThread, "start", _cancel_then_start)
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000) as blocker:
        panel.source.activated.emit(panel.source.findData("csv"))
    assert blocker.args == ["cancelled"]
    assert doc.project.to_dict() == before and not panel.load_row.isVisibleTo(panel)
    assert not panel.load_row.busy


def _cancel_then_start(self, *args):
    from PySide6.QtCore import QThread
    self.state.cancel()
    QThread.start(self, *args)


def test_a_superseded_load_is_never_used(qtbot, panel, doc, monkeypatch):
    """Two loads in a row: the first is cancelled and forgotten; only the second changes the data."""
    first = _table(doc.path.parent / "first.csv")
    second = doc.path.parent / "second.csv"
    second.write_text("width,height,kind\n" + "".join(f"{i},{i % 5},{'ab'[i % 2]}\n" for i in range(60)))
    row = panel.load_row
    loads = []
    row.loadFinished.connect(loads.append)
    with qtbot.waitSignal(row.loadFinished, timeout=20_000):
        row.start("Load first.csv", lambda p: _use_csv(p, first))
        row.start("Load second.csv", lambda p: _use_csv(p, second))
    assert loads == ["loaded"] and row.runner.wait(10_000)
    assert doc.project.data.path.endswith("second.csv") and doc.dataset.feature_names[:2] == ["width", "height"]
    assert doc.undo_stack.undoText() == "Load second.csv"


def _use_csv(project, path) -> None:
    project.data.source, project.data.params, project.data.path = "csv", {}, str(path)
    project.data.target = project.data.features = None
    project.data.task, project.data.categories = "auto", {}


def test_progress_is_reported_and_cancel_raises_in_the_reader(tmp_path):
    from core.data.csvfile import read_table
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(150_000)))
    seen = []
    read_table(path, "big.csv", seen.append)
    assert seen[-1] == 1.0 and len(seen) >= 3 and seen == sorted(seen)

    def stop(fraction):
        if fraction > 0:
            raise Cancelled()
    with pytest.raises(Cancelled):
        read_table(path, "big.csv", stop)


def test_numbers_that_are_codes_can_be_categories(qtbot, panel, doc, monkeypatch):
    path = doc.path.parent / "codes.csv"
    path.write_text("store,x,label\n" + "".join(f"{[101, 205, 333][i % 3]},{i},{i % 2}\n" for i in range(60)))
    _load(qtbot, panel, monkeypatch, path)
    box = panel.columns.findChild(QComboBox, "kind.store")
    assert box.currentText() == "numeric" and doc.dataset.feature_names == ["store", "x"]
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        box.setCurrentText("categorical")
        box.activated.emit(box.currentIndex())
    assert doc.dataset.feature_names == ["store=101", "store=205", "store=333", "x"]
    assert doc.project.data.categories == {"store": ["101", "205", "333"]}
    assert panel.columns.findChild(QComboBox, "kind.store").currentText() == "categorical"
    doc.undo_stack.undo()
    assert doc.dataset.feature_names == ["store", "x"] and doc.project.data.categories == {}


def _cells(picker) -> dict[str, tuple[str, list[str]]]:
    """Each row's column name -> (the kind it shows, the object names of the row's dropdowns)."""
    rows = {}
    for i in range(picker.rowCount()):
        widgets = [picker.cellWidget(i, c) for c in (1, 2)]
        kind = widgets[0].currentText() if widgets[0] is not None else picker.item(i, 1).text()
        rows[picker.item(i, 0).text()] = (kind, [w.objectName() for w in widgets if w is not None])
    return rows


def test_a_new_table_gets_its_own_rows_never_the_previous_tables(qtbot, panel, doc, monkeypatch):
    """File ▸ New, an all-numeric table; File ▸ New, a table with a text column: every row of the
    picker (its kind dropdown included) belongs to the second table, and switching a kind works."""
    wine = doc.path.parent / "wine.csv"
    wine.write_text("alcohol,ash,proline,label\n" + "".join(
        f"{12 + i % 5},{2 + i % 3},{500 + i},{i % 3}\n" for i in range(60)))
    from guiapp.document import default_project
    doc.replace(default_project())
    _load(qtbot, panel, monkeypatch, wine)
    assert _cells(panel.columns)["ash"] == ("numeric", ["kind.ash", "role.ash"])
    doc.replace(default_project())
    towns = doc.path.parent / "towns.csv" if doc.path else wine.parent / "towns.csv"
    towns.write_text("income,city,rooms,label\n" + "".join(
        f"{30000 + 97 * i},{['Lyon', 'Paris', 'Nice'][i % 3]},{1 + i % 4},{i % 2}\n" for i in range(60)))
    _load(qtbot, panel, monkeypatch, towns)
    rows = _cells(panel.columns)
    assert list(rows) == ["income", "city", "rooms", "label"]
    assert rows["city"] == ("categorical", ["role.city"]), rows
    for name, (_kind, widgets) in rows.items():
        assert all(w.endswith("." + name) for w in widgets), (name, widgets)
    # the Target dropdown lists the table's columns, never one-hot parts
    targets = [panel.target.itemText(i) for i in range(panel.target.count())]
    assert "city" in targets and not any("=" in t for t in targets), targets
    box = next(w for w in panel.columns.findChildren(QComboBox, "kind.rooms") if w.isVisibleTo(panel.columns))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000) as blocker:
        box.setCurrentText("categorical")
        box.activated.emit(box.currentIndex())
    assert blocker.args == ["loaded"] and not doc.data_error, doc.data_error
    assert "rooms=1" in doc.dataset.feature_names and doc.can_train()[0]


def test_column_names_are_never_cut(qtbot):
    from guiapp.panels.column_picker import ColumnPicker
    picker = ColumnPicker(lambda _t, _f: None)
    qtbot.addWidget(picker)
    kinds = {"malic_acid": "numeric", "color_intensity": "numeric", "od280/od315_of_diluted_wines": "numeric",
             "label": "categorical"}
    picker.show_columns(kinds, ["label"], list(kinds)[:3], numbers=set(list(kinds)[:3]))
    picker.resize(360, 300)                      # the Data dock's width at 1280x800
    picker.show()
    qtbot.waitExposed(picker)
    metrics = picker.fontMetrics()
    for i, name in enumerate(kinds):
        assert picker.columnWidth(0) >= metrics.horizontalAdvance(name), f"{name!r} is cut"


def test_long_names_never_clip_the_dropdowns(qtbot):
    """A long name once squeezed the role column until its dropdown read "feat"."""
    from guiapp.panels.column_picker import ColumnPicker
    picker = ColumnPicker(lambda _t, _f: None)
    qtbot.addWidget(picker)
    kinds = {"od280/od315_of_diluted_wines_measured_twice": "numeric", "alcohol": "numeric", "cultivar": "categorical"}
    picker.show_columns(kinds, ["cultivar"], list(kinds)[:2], numbers=set(list(kinds)[:2]))
    picker.resize(330, 200)
    picker.show()
    qtbot.waitExposed(picker)
    for row in range(picker.rowCount()):
        for col in (1, 2):
            box = picker.cellWidget(row, col)
            if box is not None:
                assert box.width() >= box.sizeHint().width(), (row, col, box.currentText())
    assert picker.columnWidth(0) >= picker.fontMetrics().horizontalAdvance(list(kinds)[0])


def test_a_categorical_column_with_many_values_says_how_many_inputs_it_makes(qtbot, panel, doc, monkeypatch):
    path = doc.path.parent / "many.csv"
    path.write_text("price,x,label\n" + "".join(f"{100 + i * 1.37:.2f},{i % 5},{i % 2}\n" for i in range(120)))
    _load(qtbot, panel, monkeypatch, path)
    assert not panel.table_notes.isVisibleTo(panel) or "distinct values" not in panel.table_notes.text()
    box = panel.columns.findChild(QComboBox, "kind.price")
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        box.setCurrentText("categorical")
        box.activated.emit(box.currentIndex())
    n = sum(1 for f in doc.dataset.feature_names if f.startswith("price="))
    assert n > 30
    text = panel.table_notes.text()
    assert panel.table_notes.isVisibleTo(panel) and f"price has {n:,} distinct values" in text
    assert f"makes {n:,} inputs" in text and "numeric" in text


def test_the_output_heads_follow_a_newly_chosen_table(qtbot, panel, doc, monkeypatch):
    """The head kept the previous table's target and width: Run stayed disabled with no clue."""
    first = doc.path.parent / "two.csv"
    first.write_text("a,b,species\n" + "".join(f"{i},{i % 7},{'xy'[i % 2]}\n" for i in range(60)))
    doc.edit("explicit target", lambda p: setattr(p.outputs[0], "target", None), "outputs")
    _load(qtbot, panel, monkeypatch, first)
    head = doc.project.outputs[0].node
    doc.edit("name the target", lambda p: setattr(p.outputs[0], "target", "species"), "outputs")
    assert doc.can_train()[0], doc.can_train()
    second = doc.path.parent / "three.csv"
    second.write_text("u,v,w,cultivar\n" + "".join(f"{i},{i % 5},{i % 3},{'abc'[i % 3]}\n" for i in range(90)))
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(second))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        panel._on_browse_clicked()
    qtbot.waitUntil(lambda: doc.project.outputs[0].target is None)
    assert doc.project.model.node(head).params["out_features"] == 3
    assert doc.can_train()[0], doc.can_train()
    assert "follow the new data" in panel.last_message and "species" in panel.last_message
    doc.undo_stack.undo()                                   # one step back: the head as it was
    assert doc.project.outputs[0].target == "species"


def test_the_same_columns_keep_their_rows_and_a_refused_choice_is_shown_back(qtbot):
    """File ▸ Open and Runs ▸ Continue asked for the same rows twice (30-70 ms each): rows that show the
    same names, kinds and roles are kept. A dropdown the user changed but the project did not take is
    not "the same": the rows are rebuilt from the project."""
    from guiapp.panels.column_picker import ColumnPicker
    picker = ColumnPicker(lambda _t, _f: None)
    qtbot.addWidget(picker)
    kinds = {"rooms": "numeric", "city": "categorical", "price": "numeric"}
    args = (kinds, ["price"], ["rooms", "city"], {"rooms", "price"})
    picker.show_columns(*args)
    role = picker.cellWidget(0, 2)
    picker.show_columns(*args)
    assert picker.cellWidget(0, 2) is role                                    # kept
    role.setCurrentText("not used")                                           # the edit the project refused
    picker.show_columns(*args)
    assert picker.role("rooms") == "feature" and picker.cellWidget(0, 2) is not role
    picker.show_columns(*args[:3], {"rooms", "price"}, {"rooms"})            # rooms one-hot now
    assert picker.cellWidget(0, 1).currentText() == "categorical"
    picker.show_columns({"a": "numeric", "b": "numeric"}, ["b"], ["a"], {"a", "b"})
    assert [picker.item(r, 0).text() for r in range(picker.rowCount())] == ["a", "b"]
