"""Start-up: ``python -m guiapp`` shows the window before torch is imported, then loads the project;
Ctrl-C in the terminal (or SIGTERM) quits without prompts, keeping unsaved work for recovery."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.project import Project
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


CTRL_C_DRIVER = r"""
import os, signal, sys
from PySide6.QtCore import QTimer
from core.project import Project
from guiapp import app as gui_app, files
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow

def asked(parent, name, training=False):
    print("ASKED save", flush=True)
    return "cancel"     # if the prompt came, the window would stay open and the run would time out
files.prompts.ask_save_changes = asked
files.prompts.ask_stop_training = lambda parent: print("ASKED stop", flush=True) or False
application = gui_app.create_application()
document = ProjectDocument(Project(), load_data=False)
window = MainWindow(document, defer_training=True)
window.show()
window.files.startup(sys.argv[1])
document.edit("lr", lambda p: p.training.optimizer.params.__setitem__("lr", 0.0123), "training")
gui_app._handle_ctrl_c(application, window)
QTimer.singleShot(200, lambda: os.kill(os.getpid(), getattr(signal, sys.argv[2])))
print("exit", application.exec(), "visible", window.isVisible(), flush=True)
print("autosave", window.autosaver.file, flush=True)
"""


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_ctrl_c_autosaves_and_quits_without_prompts(tmp_path, signame):
    """SIGINT (Ctrl-C) or SIGTERM (kill, a logout) with unsaved work: no "Save the changes?" box, the
    app quits, the work waits in the autosave for recovery at the next start."""
    project = tmp_path / "work.losslab.json"
    project.write_text((EXAMPLES / "spiral.losslab.json").read_text())
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LOSSLAB_SETTINGS_ORG="LossLabCtrlCTest",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CTRL_C_DRIVER, str(project), signame], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ASKED" not in done.stdout
    assert "exit 0 visible False" in done.stdout
    autosave = Path(next(line for line in done.stdout.splitlines() if line.startswith("autosave "))[9:])
    saved = json.loads(autosave.read_text())
    assert saved["original"] == str(project.resolve())
    assert saved["project"]["training"]["optimizer"]["params"]["lr"] == 0.0123
    assert Project.load(project).training.optimizer.params["lr"] != 0.0123  # the file itself is untouched


BOX_DRIVER = r"""
import os, signal, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from core.project import Project
from guiapp import app as gui_app
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow

def signal_when_the_box_is_up():
    if any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()):
        print("BOX up", flush=True)
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
    else:
        QTimer.singleShot(50, signal_when_the_box_is_up)
application = gui_app.create_application()
window = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=True)
window.show()
QTimer.singleShot(0, lambda: gui_app._finish_startup(application, window, sys.argv[1]))
gui_app._handle_ctrl_c(application, window)
QTimer.singleShot(0, signal_when_the_box_is_up)
print("exit", application.exec(), "visible", window.isVisible(), flush=True)
"""


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_ctrl_c_while_the_cannot_open_box_is_up_quits_cleanly(tmp_path, signame):
    """``losslab broken.losslab.json``, then Ctrl-C (or kill) while "LossLab cannot open" is shown: the
    app quits with 0, as it does without the box (it aborted: a warm-up thread started after the quit)."""
    broken = tmp_path / "broken.losslab.json"
    broken.write_text('{"format": "losslab-project",')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LOSSLAB_SETTINGS_ORG="LossLabCtrlCBoxTest",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", BOX_DRIVER, str(broken), signame], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert "BOX up" in done.stdout
    assert done.returncode == 0, done.stderr
    assert "exit 0 visible False" in done.stdout and "QThread" not in done.stderr
