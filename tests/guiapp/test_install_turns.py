"""An Open, New or Continue installs a whole project: the document's state is whole at once, and the views
that take long to show it (the Data panel, the Runs list, the settings panels, the status fields, the
training plots' set-up) show it in turns of their own (``ProjectDocument.show_in_turn``), once each,
so the window answers between them. An edit still shows at once."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.project import Project
from guiapp import turns
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


def test_a_view_asked_three_times_by_a_replace_shows_once_after_it_and_an_edit_shows_at_once(qtbot):
    doc = ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json"))
    owner = QObject()
    shown = []

    def show() -> None:
        shown.append(doc.project.name)

    for signal in (doc.projectReplaced, doc.nameChanged, doc.dataChanged):
        signal.connect(lambda *_a: doc.show_in_turn(show, owner))
    doc.replace(Project.load(EXAMPLES / "csv-moons.losslab.json"))
    assert shown == []                                   # not in the turn that installs the project
    qtbot.waitUntil(turns.settled)
    assert shown == [doc.project.name]                   # once, with the new project
    doc.edit("name", lambda p: setattr(p, "name", "renamed"), "name")
    assert shown[-1] == "renamed" and len(shown) == 2    # an edit: at once


def test_a_view_deleted_before_its_turn_is_not_shown(qtbot):
    doc = ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json"))
    owner = QObject()
    shown = []
    doc.projectReplaced.connect(lambda: doc.show_in_turn(lambda: shown.append(1), owner))
    doc.replace(Project.load(EXAMPLES / "csv-moons.losslab.json"))
    owner.deleteLater()
    qtbot.waitUntil(turns.settled)
    assert shown == []


def test_file_open_shows_the_new_data_in_the_panels_after_the_opening_turn(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json")))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(turns.settled)
    panel, status = w.data_panel, w.status
    assert "spiral" in panel.summary.text() and "spiral" in status.data.text()
    follows = []
    real = w.runs_panel.set_open_project
    w.runs_panel.set_open_project = lambda label: follows.append(label) or real(label)
    assert w.files.open(EXAMPLES / "csv-moons.losslab.json", confirm=False)
    assert w.document.project.data.source == "csv"                     # the document is whole at once
    assert "spiral" in panel.summary.text() and follows == []          # the views: not in this turn
    qtbot.waitUntil(turns.settled)
    assert panel.summary.text() == w.document.dataset.summary()
    assert status.data.details == w.document.dataset.summary()
    assert len(follows) == 1                                            # asked three times, once
    w.document.undo_stack.setClean()
    w.close()


def test_the_rebuilt_canvas_is_painted_in_a_turn_of_its_own_and_painted_after_it(qtbot, isolated):
    """Qt paints every changed widget of a window in one go: the canvas's new cards wait for their turn."""
    w = MainWindow(ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json")))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(turns.settled)
    assert w.files.open(EXAMPLES / "csv-moons.losslab.json", confirm=False)
    assert not w.canvas.updatesEnabled()                 # its old pixels, in the opening turn
    qtbot.waitUntil(turns.settled)
    assert w.canvas.updatesEnabled()
    assert not w.canvas.grab().toImage().isNull()
    w.document.undo_stack.setClean()
    w.close()
