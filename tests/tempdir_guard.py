"""The suite leaves nothing in the temp directory: one folder per test session holds everything.

* :func:`session_folders` (called by ``tests/conftest.py`` before anything else is imported) makes one
  folder per test session in the real temp directory (``losslab-tests-XXXX``; the pytest-xdist workers
  inherit it through ``LOSSLAB_TEST_SESSION``) and, inside it, one folder per process holding that
  process's run store (``LOSSLAB_HOME``), its config and data folders (``XDG_*``) and its temp
  directory (``TMPDIR``, which subprocesses inherit, and ``tempfile.tempdir``). The process that made
  the session folder removes it when it exits. pytest's own ``tmp_path`` folders are made inside the
  session folder too (``PYTEST_DEBUG_TEMPROOT``), so they leave with it.
* :func:`no_temp_files_left` (an autouse fixture) lists the temp directory before and after each test
  and fails a test that leaves a new entry there (a file the product or the test forgot), naming it.
  The entries are then removed so the next test starts clean.
"""
from __future__ import annotations

import atexit
import fnmatch
import os
import shutil
import tempfile
from pathlib import Path

import pytest

SESSION_ENV = "LOSSLAB_TEST_SESSION"
#: what libraries keep in the temp directory for the life of the process (a multiprocessing
#: manager's socket folder, torch's compile cache, the file onnxruntime writes when it is imported):
#: not a test's leftover; it goes with the session
PROCESS_LIFETIME = ("pymp-*", "torchinductor_*", "ray", "ray_*", ".ses")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def session_folders(worker: str | None) -> Path:
    """Make (or join) the session folder and this process's folder in it; point the environment at
    them. Returns this process's temp directory."""
    real_tmp = tempfile.gettempdir()
    session = os.environ.get(SESSION_ENV)
    if not session or not Path(session).is_dir():
        # short names: Ray puts its sockets under TMPDIR, and a socket path is limited to 107 bytes
        session = tempfile.mkdtemp(prefix="losslab-tests-", dir=real_tmp)
        os.environ[SESSION_ENV] = session
        atexit.register(shutil.rmtree, session, True)   # the process that made it removes it
    # pytest's own tmp_path folders (pytest-of-USER/pytest-N, which pytest would keep three of in the
    # real temp directory) go inside the session folder too, and leave with it
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", session)
    name = worker or "main"
    own = Path(session) / name
    if own.exists():             # a pytest started inside a test of this session
        own = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=session))
    own.mkdir(exist_ok=True)
    tmp = own / "t"
    tmp.mkdir()
    os.environ["TMPDIR"] = str(tmp)          # subprocesses (and Qt) use it too
    tempfile.tempdir = str(tmp)
    return own


def leftovers(before: set[str], folder: Path) -> list[str]:
    """Entries of ``folder`` that were not in ``before`` and are not a library's process-lifetime folder."""
    now = set(os.listdir(folder))
    return sorted(n for n in now - before if not any(fnmatch.fnmatch(n, p) for p in PROCESS_LIFETIME))


@pytest.fixture(autouse=True)
def no_temp_files_left():
    """Fail a test that leaves files in the temp directory (outside its ``tmp_path``)."""
    folder = Path(tempfile.gettempdir())
    before = set(os.listdir(folder))
    yield
    left = leftovers(before, folder)
    for name in left:
        _remove(folder / name)
    if left:
        pytest.fail(f"the test left {len(left)} entr{'y' if len(left) == 1 else 'ies'} in the temp directory "
                    f"{folder}: {', '.join(left)} (use tmp_path, or remove what the code creates)", pytrace=False)
