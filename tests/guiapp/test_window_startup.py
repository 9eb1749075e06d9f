"""Start-up: ``python -m guiapp`` shows the window before torch is imported, then loads the project."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import EXAMPLES, ROOT


def _launch(tmp_path, *args: str) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LOSSLAB_STARTUP_REPORT="1", LOSSLAB_STARTUP_EXIT="1",
               LOSSLAB_SETTINGS_ORG="LossLabStartupTest", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "guiapp", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_window_shows_before_torch_is_imported(tmp_path):
    out = _launch(tmp_path, str(EXAMPLES / "xor.losslab.json"))
    shown = next(line for line in out.splitlines() if "window shown" in line)
    loaded = next(line for line in out.splitlines() if "project loaded" in line)
    assert "torch loaded: no" in shown
    assert "torch loaded: yes" in loaded
