"""A new user's first day: file dialogs that start where the files are, short dialog titles, and the
small things a first look finds (the Data set box, numbers in the preview, examples fitted on open)."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from core.project import Project
from guiapp import settings
from guiapp.document import ProjectDocument
from guiapp.files import prompts
from guiapp.panels import data_panel
from guiapp.panels.data_panel import DataPanel
from tests.conftest import EXAMPLES


def test_file_dialogs_start_in_the_last_folder_or_the_projects_never_home(qtbot, isolated, tmp_path, monkeypatch):
    data_dir = tmp_path / "tables"
    data_dir.mkdir()
    (tmp_path / "home" / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    table = data_dir / "t.csv"
    table.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    doc = ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json"))      # an example: no folder of its own
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    starts = []

    def choose(_parent, _kind, start=""):
        starts.append(start)
        return str(table)
    monkeypatch.setattr(data_panel, "choose_data_file", choose)
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        panel.source.activated.emit(panel.source.findData("csv"))
    assert starts[0] == str(tmp_path / "home" / "Documents")   # an existing Documents, not home itself
    assert settings.last_folder() == str(data_dir)
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        panel._on_browse_clicked()
    assert starts[1] == str(data_dir)                          # beside the table it reads
    # the project Open dialog: the last folder instead of the bundled examples
    assert prompts.start_folder(str(EXAMPLES)) == str(data_dir)
    assert prompts.start_folder(str(tmp_path)) == str(tmp_path)  # a project's own folder wins
    from guiapp.files import documents_dir
    assert prompts.save_suggestion(str(documents_dir() / "spiral.losslab.json")) == str(data_dir / "spiral.losslab.json")


def test_dialog_titles_are_short_enough_not_to_be_elided(monkeypatch):
    """Window managers cut titles of small dialogs ("Continue or re… rt?")."""
    titles = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: titles.append(self.windowTitle()) or 0)
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, *a, **k: titles.append(title) or 0)
    import importlib
    from types import SimpleNamespace

    from guiapp.training.run_mode import ask_continue_or_restart
    real = importlib.reload(prompts)        # the real questions (the conftest answers them for other tests)
    ask_continue_or_restart(None, 3, 10)
    real.ask_save_changes(None, "p")
    real.ask_stop_training(None)
    real.ask_recover(None, SimpleNamespace(saved=0.0, original=None, name="p"))
    assert len(titles) == 4 and all(len(t) <= 14 for t in titles), titles


def test_the_data_set_box_names_the_file_and_descriptions_have_no_markup(qtbot, tmp_path, monkeypatch):
    doc = ProjectDocument(Project.load(EXAMPLES / "demand.losslab.json"))
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    assert "`" not in panel.doc.text() and "lags" in panel.doc.text()
    table = tmp_path / "wine.csv"
    table.write_text("alcohol,ash,income,label\n" + "".join(
        f"{12 + i % 3},{2 + i % 5},{70000 + 13.7 * i:.1f},{i % 2}\n" for i in range(40)))
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(table))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        panel.source.activated.emit(panel.source.findData("csv"))
    assert panel.source.currentText() == "CSV: wine.csv"
    # numbers as people write them: no 7.001e+04 in the preview
    cells = [panel.preview.table.item(r, c).text() for r in range(panel.preview.table.rowCount())
             for c in range(panel.preview.table.columnCount())]
    assert cells and not any("e+" in c for c in cells), cells
    assert any(c.startswith("700") and len(c) == 5 for c in cells), cells        # 70014, not 7.001e+04


def test_going_back_to_the_data_a_run_used_is_not_a_change(qtbot, isolated, tmp_path, monkeypatch):
    from guiapp.main_window import MainWindow
    rows = "a,b,label\n" + "".join(f"{i % 5},{i % 7},{i % 2}\n" for i in range(60))
    (tmp_path / "wine.csv").write_text(rows)
    (tmp_path / "houses.csv").write_text(rows.replace("\n1,", "\n2,"))
    doc = Project.load(EXAMPLES / "spiral.losslab.json").to_dict()
    doc["name"] = "wine"
    doc["data"] = {"source": "csv", "path": "wine.csv", "target": "label", "task": "classification",
                   "val_fraction": 0.2, "seed": 0, "normalize": True}
    doc["training"]["epochs"] = 2
    path = tmp_path / "wine.losslab.json"
    Project.from_dict(doc, tmp_path).save(path)
    w = MainWindow(ProjectDocument(Project.load(path)))
    qtbot.addWidget(w)
    w.document.replace(Project.load(path), path)
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000):
        assert w.controller.run()
    stale, panel = w.controller.staleness, w.data_panel
    chosen = [tmp_path / "houses.csv"]
    monkeypatch.setattr(data_panel, "choose_data_file", lambda parent, kind, start="": str(chosen[0]))
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        panel._on_browse_clicked()
    assert stale.stale and "the data changed" in stale.reason and w.document.dirty and w.isWindowModified()
    chosen[0] = tmp_path / "wine.csv"                     # the exact file the run used
    with qtbot.waitSignal(panel.load_row.loadFinished, timeout=20_000):
        panel._on_browse_clicked()
    assert w.document.project.data.path == "wine.csv"
    assert not stale.stale and stale.reason == ""        # Findings and the plots are the run's again
    assert not w.document.dirty and not w.isWindowModified()   # the title is "wine", no *
    w.close()
