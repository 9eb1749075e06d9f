"""GUI test fixtures: every test must leave no QThread running (napari's rule)."""
from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="losslab-test-config-"))
os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="losslab-test-data-"))


@pytest.fixture(autouse=True)
def _no_thread_left_running(qapp):
    from PySide6.QtCore import QThread
    yield
    import gc
    gc.collect()
    running = [t for t in qapp.findChildren(QThread) if t.isRunning()]
    assert not running, f"test left {len(running)} QThread(s) running"
