"""``losslab --self-test`` as the installer build runs it: a separate process, offscreen, exit 0 only
when the window, the training thread and the exports all worked."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_self_test_passes_and_says_what_it_checked(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "guiapp.launcher", "--self-test"], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=600)
    lines = r.stdout.splitlines()
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert lines[0].startswith("LossLab ") and "Qt 6" in lines[0] and "PyTorch" in lines[0]
    checked = {line.split(":")[0].split(None, 1)[1] for line in lines if line.startswith("ok ")}
    assert checked == {"window", "training", "export py", "export onnx", "no dialogs"}
    assert any("reproduces the first epoch" in line for line in lines)
    assert lines[-1] == "self-test passed: 5 of 5 checks passed"
    assert not list(tmp_path.rglob("*.onnx")) and not list(tmp_path.rglob("model.py"))  # its temp files are gone


def test_a_failing_check_exits_1_and_a_dialog_cannot_hang_it(tmp_path):
    bad = tmp_path / "bad.losslab.json"
    bad.write_text("{ not json")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    code = f"import sys, guiapp.selftest as s; s.EXAMPLE = {str(bad)!r}; sys.exit(s.run_self_test())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                       timeout=600)
    lines = r.stdout.splitlines()
    assert r.returncode == 1, r.stdout + r.stderr[-2000:]
    assert any(line.startswith("FAIL  window: RuntimeError: could not open") for line in lines)
    assert any(line.startswith("FAIL  no dialogs:") and "Cannot open example" in line for line in lines)
    assert lines[-1] == "self-test FAILED: 0 of 5 checks passed"
