"""The window keeps pace: the run store is written beside the trainer, big data is read in a child process.

No timing here (the speed figures are in ``tests/benchmarks/bench_window_pace.py``): these tests check
*where* the work runs, and that the window goes on handling events while it runs.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

from core.project import Project
from guiapp import turns
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


@pytest.fixture
def home(tmp_path, monkeypatch, isolated):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _window(qtbot, project: Project | None = None):
    from guiapp.document import ProjectDocument
    from guiapp.main_window import MainWindow
    w = MainWindow(ProjectDocument(project or Project(), load_data=project is not None))
    qtbot.addWidget(w)
    return w


def test_the_run_recorder_writes_on_the_training_thread_never_the_gui_thread(qtbot, home, monkeypatch):
    from core.runs import open_store
    from PySide6.QtCore import QThread

    from core.runs.store import RunStore
    writers: list[tuple[threading.Thread, str]] = []
    for name in ("begin_run", "write_progress", "finish_run"):
        original = getattr(RunStore, name)

        def spy(self, *args, _original=original, **kwargs):
            writers.append((threading.current_thread(), QThread.currentThread().objectName()))
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(RunStore, name, spy)
    doc = Project.load(SPIRAL).to_dict()
    doc["training"]["epochs"] = 3
    doc["data"]["params"]["samples"] = 200
    w = _window(qtbot, Project.from_dict(doc, SPIRAL.parent))
    with qtbot.waitSignal(w.run_recorder.runRecorded, timeout=60_000) as recorded:
        assert w.controller.run()
    assert len(writers) >= 5                         # begin, one per epoch, finish
    assert threading.main_thread() not in {t for t, _ in writers}
    assert {name for _, name in writers} == {"LossLabTrainingWorker"}     # the controller's training thread
    with open_store(home) as store:
        run = store.get(recorded.args[0])
    assert run.status == "completed" and run.epochs == 3


def test_a_run_store_that_cannot_open_is_said_and_the_training_goes_on(qtbot, home, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store folder should be")
    monkeypatch.setenv("LOSSLAB_HOME", str(blocked))
    doc = Project.load(SPIRAL).to_dict()
    doc["training"]["epochs"] = 2
    doc["data"]["params"]["samples"] = 200
    w = _window(qtbot, Project.from_dict(doc, SPIRAL.parent))
    failures = []
    w.run_recorder.storeFailed.connect(failures.append)
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000) as done:
        assert w.controller.run()
    assert done.args[0].status == "completed"
    assert len(failures) == 1 and str(blocked) in failures[0]


def _csv_project(folder, rows: int):
    """A real CSV of ``rows`` rows and a project that reads it."""
    import json
    rng = np.random.default_rng(1)
    x = rng.normal(size=(rows, 3)).round(3)
    with open(folder / "table.csv", "w") as f:
        f.write("a,b,c,label\n")
        f.writelines(f"{a},{b},{c},{'yes' if a + b > 0 else 'no'}\n" for a, b, c in x.tolist())
    doc = json.loads((EXAMPLES / "csv-moons.losslab.json").read_text())
    doc["data"].update(path="table.csv", target="label", features=["a", "b", "c"])
    path = folder / "table.losslab.json"
    path.write_text(json.dumps(doc))
    return path


def test_file_open_reads_a_big_csv_in_a_child_process_while_the_window_goes_on(qtbot, home, tmp_path, monkeypatch):
    """The read is held at half way until the window has shown its 50% (through its event loop): it can
    only finish if the window kept running while the file was read, in a process of its own."""
    import functools
    import os

    import core.data.process_load

    import guiapp.document
    from tests.core import process_gate
    path = _csv_project(tmp_path, 3000)
    monkeypatch.setattr(guiapp.document, "BACKGROUND_LOAD_BYTES", 10_000)   # this file counts as big
    real = core.data.process_load.load_dataset_in_process
    monkeypatch.setattr(core.data.process_load, "load_dataset_in_process",
                        functools.partial(real, fn=process_gate.held_read))
    gate = process_gate.open_gate(tmp_path)
    w = _window(qtbot)
    w.show()
    progress, handled = [], []

    def on_progress(text, fraction):
        # the child said 50% and waits at the gate: the window got that through its event loop while the
        # file was being read; it opens the gate (the read can only finish if the window went on)
        progress.append((text, fraction))
        if fraction == 0.5 and not handled:
            handled.append((w.document.data_loading, w.files.data_progress.bar.isVisible(),
                            w.files.data_progress.label.text()))
            process_gate.release(gate)
    w.document.dataLoadChanged.connect(on_progress)
    try:
        assert w.files.open(path, confirm=False)        # returns while the table is read
        assert w.document.data_loading and w.document.dataset is None
        assert not w.document.can_train()[0]
        qtbot.waitUntil(lambda: w.document.dataset is not None, timeout=60_000)
    finally:
        os.close(gate)
    assert handled == [(True, True, "Reading table.csv…")]
    assert int((tmp_path / process_gate.PID).read_text()) != os.getpid()     # read in a child process
    assert ("Reading table.csv…", 0.5) in progress and progress[-1][0] == ""
    assert not w.files.data_progress.bar.isVisible()
    assert w.document.dataset.n_train + w.document.dataset.n_val + w.document.dataset.n_test == 3000
    assert w.document.can_train() == (True, "") and w.controller.run_action.isEnabled()


def test_a_big_csv_that_fails_to_load_says_why_and_a_newer_open_supersedes_it(qtbot, home, tmp_path, monkeypatch):
    import guiapp.document
    path = _csv_project(tmp_path, 3000)
    monkeypatch.setattr(guiapp.document, "BACKGROUND_LOAD_BYTES", 10_000)
    text = (tmp_path / "table.csv").read_text().replace("yes", "yes,extra", 1)   # a ragged row
    (tmp_path / "table.csv").write_text(text)
    w = _window(qtbot)
    assert w.files.open(path, confirm=False)
    qtbot.waitUntil(lambda: not w.document.data_loading, timeout=60_000)
    assert w.document.dataset is None and "line 2" in w.document.data_error
    assert "data:" in w.document.can_train()[1]
    assert w.files.open(path, confirm=False)        # a second Open of a big file, then a small project
    assert w.document.data_loading
    assert w.files.open(SPIRAL, confirm=False)
    assert not w.document.data_loading and w.document.dataset is not None
    assert w.document.wait_for_data(60_000)
    assert w.document.project.data.source == "spiral" and w.document.data_error == ""


def test_while_a_big_table_loads_the_data_panel_does_not_read_it(qtbot, home, tmp_path, monkeypatch):
    """The column picker of a table that loads in the background comes with the data (with its summary
    and preview: they stayed empty when the data arrived from the task): reading a sample
    of the file for it on the GUI thread held File ▸ Open of a 300,000-row CSV for ~70 ms. Only a table
    that cannot be prepared has its picker read from the file (test_first_day covers that)."""
    import core.data.csv_sample
    import guiapp.document
    import guiapp.panels.column_picker
    path = _csv_project(tmp_path, 3000)
    monkeypatch.setattr(guiapp.document, "BACKGROUND_LOAD_BYTES", 10_000)   # this file counts as big
    monkeypatch.setattr(guiapp.panels.column_picker, "_FILE_COLUMNS", {})
    read = []
    real = core.data.csv_sample.header_columns
    monkeypatch.setattr(core.data.csv_sample, "header_columns", lambda *a, **k: read.append(a) or real(*a, **k))
    w = _window(qtbot)
    w.show()
    assert w.files.open(path, confirm=False)
    assert w.document.data_loading and read == []
    qtbot.waitUntil(lambda: w.document.dataset is not None, timeout=60_000)
    qtbot.waitUntil(turns.settled)                       # the Data panel shows it in a turn of its own
    picker = w.data_panel.columns
    assert read == [] and picker.isVisibleTo(w.data_panel) and picker.rowCount() == 4
    assert w.data_panel.summary.text() == w.document.dataset.summary() != ""   # the panel shows the data
