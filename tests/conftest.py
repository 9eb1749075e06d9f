"""Test setup: Qt runs offscreen (set before Qt is imported); torch uses one thread per test process
so tests behave alike on shared 2-core machines."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One torch thread per test process (and per process a test starts): the test processes already share
# the cores (pytest-xdist runs one per core), and two torch pools spinning on two cores cost 5-8x the
# CPU of one thread on these tiny networks. Set before torch is imported; a test that sets a thread
# count itself (the window's setting, a study's workers) still does.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("LOSSLAB_SETTINGS_ORG", "LossLabTests")  # keep tests out of the user's settings
# ... and their runs, config, data and temp files out of the user's folders and out of the temp
# directory: one folder per test session (removed when the session ends) holds one folder per process
# (each pytest-xdist worker its own: two workers' tests must never see each other's runs or recent
# files) with its run store, config and data folders and temp directory (tests/tempdir_guard.py).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.tempdir_guard import no_temp_files_left, session_folders  # noqa: E402,F401 - the fixture is autouse

_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_OWN = session_folders(_WORKER)
if _WORKER or "LOSSLAB_HOME" not in os.environ:
    os.environ["LOSSLAB_HOME"] = str(_OWN / "home")
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):   # the cache stays: a cold font cache costs seconds
    os.environ[name] = str(_OWN / name.lower())
if not os.environ.get("XDG_RUNTIME_DIR"):   # else Qt makes /tmp/runtime-USER (and warns)
    (_OWN / "run").mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_OWN / "run")
os.environ.setdefault("RAY_TMPDIR", str(Path(os.environ["LOSSLAB_TEST_SESSION"]) / "ray"))
# torch makes its compile cache folder in TMPDIR whenever a process first imports torch._dynamo (the
# first optimizer; the fork server's preload). A fork server still importing when the session ended
# made it again after the session folder was removed, and left losslab-tests-*/main/t behind in the
# temp directory: the folder lives in the checkout's pytest cache instead (as the app's lives under
# its own data folder, guiapp/launcher.py), where a late process finds it and makes nothing.
os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(ROOT / ".pytest_cache" / "torchinductor"))

# A shell that starts a job in the background (a CI runner, `cmd &`) makes it ignore SIGINT, and an
# ignored signal stays ignored across exec: the Ctrl-C tests' subprocesses would never see theirs.
# A Python handler is reset to the default on exec, so the children get Ctrl-C back.
import signal  # noqa: E402

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Bytecode is written for the test session even where the environment says not to
# (PYTHONDONTWRITEBYTECODE=1, as on the development machines): without it pytest rewrites the
# asserts of every test module again in every worker on every run (~3 s of each worker's start), and
# every CLI subprocess compiles LossLab again. The files go to __pycache__/, which git ignores.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

EXAMPLES = ROOT / "resources" / "examples"


import pytest  # noqa: E402


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Benchmarks measure time: ``-m benchmark`` runs them one at a time in this process (never on
    parallel pytest-xdist workers, which would share the cores and hide their printed figures)."""
    markexpr = getattr(config.option, "markexpr", "") or ""
    if "benchmark" in markexpr and "not benchmark" not in markexpr and hasattr(config.option, "numprocesses"):
        config.option.numprocesses = 0
        config.option.dist = "no"
