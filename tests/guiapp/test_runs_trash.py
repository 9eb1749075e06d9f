"""The Runs panel's trash (deleted runs' weights, kept for Undo) lives under the run store, is made
only when something is deleted, and goes away with the panel; a killed window's trash is removed by
the next one. Nothing lands in the temp directory (the suite's guard fails a test that leaves any)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent

from core.project import Project
from core.runs import RunRecorder, open_store
from core.training import train
from guiapp.runs import RunsPanel
from guiapp.runs.panel import TRASH_FOLDER
from tests.conftest import EXAMPLES
from tests.tempdir_guard import leftovers


def _trained_run(store) -> str:
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    project.data.params["samples"] = 100
    rec = RunRecorder(store, project)
    train(project, observer=rec, epochs=1, threads=1)
    return rec.run_id


def test_the_trash_sits_in_the_run_store_and_goes_with_the_panel(qtbot, tmp_path):
    temp = Path(tempfile.gettempdir())
    temp_before = set(os.listdir(temp))
    store = open_store(tmp_path / "store")
    run = _trained_run(store)
    panel = RunsPanel(store_dir=tmp_path / "store")
    panel.refresh()
    trash_root = tmp_path / "store" / TRASH_FOLDER
    assert not trash_root.exists()                     # nothing made before a Delete
    panel.select_ids([run])
    panel.delete_selected()
    (trash,) = trash_root.iterdir()
    assert (trash / run / "final.pt").is_file()        # the weights wait there for an Undo
    panel.undo_delete()
    assert store.load_weights(run)
    panel.select_ids([run])
    panel.delete_selected()
    assert leftovers(temp_before, temp) == []
    panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(panel)
    assert not trash.exists()                          # gone with the panel
    store.close()


def test_a_killed_windows_trash_is_removed_by_the_next_one(qtbot, tmp_path):
    store = open_store(tmp_path / "store")
    run = _trained_run(store)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / "store" / TRASH_FOLDER / f"{int(gone.stdout)}-deadbeef"
    (orphan / "some-run").mkdir(parents=True)
    panel = RunsPanel(store_dir=tmp_path / "store")
    qtbot.addWidget(panel)
    panel.refresh()
    panel.select_ids([run])
    panel.delete_selected()
    assert not orphan.exists()
    assert len(list((tmp_path / "store" / TRASH_FOLDER).iterdir())) == 1   # this panel's own
    store.close()
