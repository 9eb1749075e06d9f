"""CPU of one window: built, opened on the spiral example, shown, closed and deleted (offscreen).

Run: ``python -m pytest tests/benchmarks/bench_window_cycle.py -m benchmark -s``. Two warm-up cycles,
then the mean of eight. Most GUI tests pay this once, and so does a person opening a window.
"""
from __future__ import annotations

import time

import pytest

from core.project import Project
from tests.conftest import EXAMPLES

CYCLES = 8


@pytest.mark.benchmark
def test_one_window_cycle(qapp, monkeypatch):
    from PySide6.QtCore import QCoreApplication, QEvent

    from guiapp.document import ProjectDocument
    from guiapp.main_window import MainWindow

    def cycle() -> None:
        w = MainWindow(ProjectDocument(Project(), load_data=False))
        assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
        w.show()
        qapp.processEvents()
        w.document.undo_stack.setClean()
        w.close()
        w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", "LossLabBenchWindowCycle")   # never the person's layout
    cycle()
    cycle()
    t = time.process_time()
    for _ in range(CYCLES):
        cycle()
    ms = (time.process_time() - t) / CYCLES * 1000
    print(f"\none window built, opened on spiral, shown and closed: {ms:.0f} ms CPU (mean of {CYCLES})")
