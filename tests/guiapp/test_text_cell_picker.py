"""One text cell in a column of numbers: the column picker stays (from the file's header) and the
message names the column, the line and the fix in the window's words, so the person fixes it with a
click (the try-out's picker vanished and the message pointed at data.features)."""
from __future__ import annotations

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.panels import data_panel
from guiapp.panels.data_panel import DataPanel
from tests.conftest import EXAMPLES


def _table(path) -> None:
    rows = [f"{50 + i % 30},{'Lyon' if i % 3 else 'Nice'},{30000 + 917 * i},{'buy' if i % 2 else 'rent'}"
            for i in range(60)]
    rows[10] = "55,Lyon,unknown,buy"                # line 12 of the file: the header is line 1
    path.write_text("size,city,income,label\n" + "\n".join(rows) + "\n")


def _panel(qtbot, monkeypatch, table):
    doc = ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json"))
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    monkeypatch.setattr(data_panel, "choose_data_file", lambda *_a, **_k: str(table))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000) as got:
        panel.source.activated.emit(panel.source.findData("csv"))
    assert got.args[0] == "failed"
    return doc, panel


def test_the_picker_stays_and_making_the_column_categorical_fixes_it(qtbot, isolated, tmp_path, monkeypatch):
    _table(tmp_path / "houses.csv")
    doc, panel = _panel(qtbot, monkeypatch, tmp_path / "houses.csv")
    text = panel.error.text()
    assert "line 12" in text and "'income'" in text and "'unknown'" in text, text
    assert "data.features" not in text and "kind to categorical" in text and "not used" in text, text
    assert panel.columns.isVisibleTo(panel)
    assert [panel.columns.item(i, 0).text() for i in range(panel.columns.rowCount())] == \
        ["size", "city", "income", "label"]
    assert panel.columns.role("label") == "target" and panel.columns.role("income") == "feature"
    box = panel.columns.findChild(type(panel.source), "kind.income")
    assert box is not None
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000) as got:
        box.setCurrentText("categorical")
        box.activated.emit(box.currentIndex())
    assert got.args[0] == "loaded" and doc.dataset is not None and not doc.data_error
    assert "income" in doc.project.data.categories and not panel.error.isVisibleTo(panel)


def test_leaving_the_column_out_in_the_picker_fixes_it(qtbot, isolated, tmp_path, monkeypatch):
    _table(tmp_path / "houses.csv")
    doc, panel = _panel(qtbot, monkeypatch, tmp_path / "houses.csv")
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000) as got:
        panel.columns.set_role("income", "not used")
    assert got.args[0] == "loaded" and doc.dataset is not None
    assert "income" not in doc.project.data.features and not panel.error.isVisibleTo(panel)
