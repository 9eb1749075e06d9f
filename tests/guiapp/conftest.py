"""GUI test fixtures: every test must leave no QThread running (napari's rule)."""
from __future__ import annotations

import os
import tempfile
import uuid

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


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Own settings (recent files, layout) and autosave folder for this test."""
    from guiapp import files
    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", f"LossLabTests-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(files, "autosave_dir", lambda: tmp_path / "autosave")
    return tmp_path
