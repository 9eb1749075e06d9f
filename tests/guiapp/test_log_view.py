"""Help ▸ Show log: the ``losslab`` logger's records in a window."""
from __future__ import annotations

import uuid

from core.log import get_logger
from core.project import Project
from guiapp import files
from guiapp.document import ProjectDocument
from guiapp.log_view import recent_records
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


def test_help_show_log_lists_the_records_and_follows_new_ones(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", f"LossLabTests-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(files, "autosave_dir", lambda: tmp_path / "autosave")
    w = MainWindow(ProjectDocument(Project.load(EXAMPLES / "spiral.losslab.json")))
    qtbot.addWidget(w)
    assert w.show_log_action in w.help_menu.actions()
    assert recent_records() is recent_records(), "one handler, however many windows"
    marker = uuid.uuid4().hex
    get_logger("tests.log_view").warning("a warning to find: %s", marker)
    w.show_log_action.trigger()
    dialog = w.log_dialog
    assert dialog.isVisible() and marker in dialog.text.toPlainText()
    assert "WARNING" in dialog.text.toPlainText() and not dialog.empty.isVisible()
    later = uuid.uuid4().hex
    get_logger("tests.log_view").info("an info line: %s", later)
    qtbot.waitUntil(lambda: later in dialog.text.toPlainText(), timeout=5000)
    dialog.close()
    w.document.undo_stack.setClean()
