"""Start-up time: from process start to the window shown, and to the project loaded.

Run with ``pytest -m benchmark tests/benchmarks/bench_startup.py -s``. Launches ``python -m guiapp``
offscreen (with its own settings and data folders, so no recovery prompt) a few times and prints the
times the app reports (``LOSSLAB_STARTUP_REPORT=1``) and the wall time measured from outside.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5
LINE = re.compile(r"startup: (?P<stage>.+?) after (?P<s>[\d.]+) s \(at (?P<at>[\d.]+); torch loaded: (?P<torch>\w+)\)")


def _launch(tmp: Path) -> dict[str, tuple[float, float, str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LOSSLAB_STARTUP_REPORT="1", LOSSLAB_STARTUP_EXIT="1",
               LOSSLAB_SETTINGS_ORG="LossLabStartupBench", XDG_CONFIG_HOME=str(tmp / "config"),
               XDG_DATA_HOME=str(tmp / "data"), PYTHONPATH=str(ROOT))
    t0 = time.time()
    done = subprocess.run([sys.executable, "-m", "guiapp"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    out = {}
    for m in LINE.finditer(done.stdout):
        out[m["stage"]] = (float(m["s"]), float(m["at"]) - t0, m["torch"])
    assert {"window shown", "project loaded"} <= set(out), done.stdout
    return out


@pytest.mark.benchmark
def test_startup_time(tmp_path):
    _launch(tmp_path)  # warm the file cache
    runs = [_launch(tmp_path) for _ in range(RUNS)]
    for stage in ("window shown", "project loaded"):
        inner = [r[stage][0] for r in runs]
        outer = [r[stage][1] for r in runs]
        print(f"\n{stage}: median {statistics.median(inner):.3f} s after process start "
              f"(min {min(inner):.3f}, max {max(inner):.3f}); {statistics.median(outer):.3f} s after Popen; "
              f"torch loaded: {runs[0][stage][2]}")
    assert all(r["window shown"][2] == "no" for r in runs), "torch was imported before the window showed"
