"""``losslab --self-test``: prove that this installation works end to end, without a person.

It opens the window offscreen, loads a bundled example, trains a few epochs through the window's
training thread, exports the trained model as a PyTorch script (and runs that script's first epoch
in-process, comparing it with LossLab's) and as ONNX when the extra is installed (checked in
onnxruntime), printing one line per check. Exit status 0 only when every check passed. The installer
build runs it on the finished bundle (like numpy's PyInstaller smoke script, for LossLab's parts).
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import runpy
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

EXAMPLE = "xor.losslab.json"
EPOCHS = 3
TIMEOUT_S = 180
CHECKS = 5


def _close_dialogs(app, state: dict) -> None:
    """Nobody is there to answer a modal dialog: close any that opens and remember its text (a
    failure), so the self-test never hangs."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def sweep() -> None:
        w = app.activeModalWidget()
        if w is not None:
            text = w.text() if isinstance(w, QMessageBox) else w.windowTitle()
            state.setdefault("dialogs", []).append(f"{w.windowTitle()}: {text}")
            w.reject()

    timer = state["dialog_timer"] = QTimer(app)
    timer.timeout.connect(sweep)
    timer.start(200)


class _Checks:
    def __init__(self, out: Callable[[str], None]):
        self.out, self.passed, self.failed = out, 0, 0

    def run(self, name: str, fn: Callable[[], str]) -> bool:
        t0 = time.perf_counter()
        try:
            detail = fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, the next checks still run
            self.failed += 1
            self.out(f"FAIL  {name}: {type(e).__name__}: {e}")
            if os.environ.get("LOSSLAB_SELFTEST_TRACE"):
                self.out(traceback.format_exc())
            return False
        self.passed += 1
        self.out(f"ok    {name}: {detail} ({time.perf_counter() - t0:.1f} s)")
        return True


def _wait(app, signal_ok, signal_fail, start: Callable[[], bool], timeout_s: float):
    """Run ``start`` and spin the event loop until ``signal_ok`` or ``signal_fail`` fires."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop, got = QEventLoop(), {}
    signal_ok.connect(lambda r: (got.setdefault("ok", r), loop.quit()))
    signal_fail.connect(lambda why: (got.setdefault("fail", why), loop.quit()))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    if not start():
        raise RuntimeError("the Run did not start")
    loop.exec()
    if "fail" in got:
        raise RuntimeError(f"training failed: {got['fail']}")
    if "ok" not in got:
        raise TimeoutError(f"no result after {timeout_s:.0f} s")
    return got["ok"]


def _run_script(script: Path) -> list[dict]:
    """The exported script's first epoch, in this process (a bundle has no separate Python)."""
    import torch
    threads, argv = torch.get_num_threads(), sys.argv
    buf = io.StringIO()
    try:
        sys.argv = [str(script), "--epochs", "1", "--threads", "1", "--json"]
        with contextlib.redirect_stdout(buf):
            runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
    return json.loads(buf.getvalue().strip().splitlines()[-1])["history"]


# -- the checks: each returns what it saw, or raises saying what went wrong; ``state`` carries the window --
def _check_window(state: dict) -> str:
    example = state["example"]
    from .app import create_application
    from .main_window import MainWindow
    if not example.is_file():
        raise FileNotFoundError(f"the bundled example {example} is missing")
    app = state["app"] = create_application([])
    _close_dialogs(app, state)
    w = state["window"] = MainWindow()
    if not w.files.open_example(example, confirm=False):
        raise RuntimeError(f"could not open {example}")
    w.show()
    app.processEvents()
    if not w.isVisible() or w.document.dataset is None:
        raise RuntimeError("the window or its data did not load")
    return (f"{app.platformName()} window, example {w.document.project.name!r} "
            f"({w.document.dataset.summary()})")


def _check_training(state: dict) -> str:
    epochs = state["epochs"]
    w = state["window"]
    c = w.controller
    result = _wait(state["app"], c.runFinished, c.runFailed, lambda: c.run(epochs=epochs), TIMEOUT_S)
    if result.status != "completed" or result.epochs_run != epochs or c.history.n_epochs != epochs:
        raise RuntimeError(f"run ended {result.status} after {result.epochs_run} epochs ({result.message})")
    losses = [r.train_loss for r in result.history]
    if not all(math.isfinite(v) for v in losses):
        raise RuntimeError(f"non-finite losses {losses}")
    state["result"] = result
    return (f"{epochs} epochs on the training thread, train loss {losses[0]:.4f} -> {losses[-1]:.4f}, "
            f"the plots got {c.history.n_steps} steps")


def _check_export_py(state: dict) -> str:
    work = state["work"]
    from core.export import export
    from core.training import train
    w = state["window"]
    project = w.document.project
    script = export(project, "py", work / "model.py", dataset=w.document.dataset).path
    compile(script.read_text(encoding="utf-8"), str(script), "exec")
    history = _run_script(script)
    import torch
    threads = torch.get_num_threads()
    try:
        ours = train(project.copy(), epochs=1, threads=1, diagnose=False).history[0].train_loss
    finally:
        torch.set_num_threads(threads)
    theirs = history[0]["train_loss"]
    if not math.isclose(ours, theirs, rel_tol=1e-5):
        raise RuntimeError(f"the script's first epoch {theirs!r} differs from LossLab's {ours!r}")
    return f"{script.name} compiles and reproduces the first epoch (train loss {theirs:.6f})"


def _check_export_onnx(state: dict) -> str:
    work = state["work"]
    from core.export import export
    from core.export.model_formats import onnx_available
    why = onnx_available()
    if why:
        return f"skipped: {why}"
    w = state["window"]
    model = state["window"].controller.trained_model()
    done = export(w.document.project, "onnx", work / "model.onnx", model=model, dataset=w.document.dataset)
    try:
        import onnxruntime as ort
    except ImportError:
        return f"{done.path.name} written and passes onnx.checker (onnxruntime not installed: not run)"
    import numpy as np
    import torch
    ds = w.document.dataset
    x = ds.x_val[:7]
    model.eval()
    with torch.no_grad():
        want = model(x)[0].numpy()
    # the file takes raw samples (its preprocessing is built in): the xor points as generated
    raw = np.ascontiguousarray(ds.raw_val[:7], dtype=np.float32)
    got = ort.InferenceSession(str(done.path), providers=["CPUExecutionProvider"]).run(None, {"input": raw})[0]
    if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
        raise RuntimeError(f"onnxruntime differs from torch by {np.abs(got - want).max():g}")
    return f"{done.path.name} passes onnx.checker and matches torch in onnxruntime"


def _check_no_dialogs(state: dict) -> str:
    if state.get("dialogs"):
        raise RuntimeError("a dialog interrupted the checks: " + " | ".join(state["dialogs"]))
    return "no dialog asked for a person"


def run_self_test(out: Callable[[str], None] = print, epochs: int = EPOCHS) -> int:
    """All checks; 0 when every one passed, 1 otherwise."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="losslab-selftest-"))
    os.environ["LOSSLAB_HOME"] = str(work / "home")              # nothing of a person's data is touched
    os.environ["LOSSLAB_SETTINGS_ORG"] = "LossLabSelfTest"
    checks = _Checks(out)
    state: dict = {}
    try:
        import torch  # noqa: F401 - torch before Qt (Windows loads c10.dll only that way)
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from core import __version__
        from core.paths import resources_dir
        out(f"LossLab {__version__} self-test (Python {sys.version.split()[0]}, Qt {qVersion()}, "
            f"PySide6 {pyside_version}, PyTorch {torch.__version__}{', frozen' if getattr(sys, 'frozen', False) else ''})")

        state.update(example=resources_dir() / "examples" / EXAMPLE, epochs=epochs, work=work)
        if checks.run("window", lambda: _check_window(state)):
            if checks.run("training", lambda: _check_training(state)):
                checks.run("export py", lambda: _check_export_py(state))
                checks.run("export onnx", lambda: _check_export_onnx(state))
        checks.run("no dialogs", lambda: _check_no_dialogs(state))
    finally:
        w = state.get("window")
        if w is not None:
            if w.controller is not None:
                w.controller.stop_and_wait(2.0)
            w.hide()
            w.deleteLater()
        shutil.rmtree(work, ignore_errors=True)
    ok = checks.failed == 0 and checks.passed == CHECKS
    out(f"self-test {'passed' if ok else 'FAILED'}: {checks.passed} of {CHECKS} checks passed")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run_self_test(lambda s: print(s, flush=True))
