"""The LossLab GUI entry point: build the application, show the window fast, then load.

The window is on screen before torch is imported: the document starts without data, and the
project (whose data set is torch tensors) and the training UI are loaded by a zero-delay timer
once the event loop runs. ``LOSSLAB_STARTUP_REPORT=1`` prints the time from process start to the
window shown and to the project loaded (``tests/benchmarks/bench_startup.py`` reads it).
"""
from __future__ import annotations

import gc
import os
import signal
import sys
import time

if sys.platform == "win32":  # torch >= 2.9 fails to load c10.dll when Qt's DLLs are loaded first
    import torch  # noqa: F401  (pyflakes: imported for its side effect)

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from . import settings, theme

_IMPORTED_AT = time.time()


def process_start_time() -> float:
    """When this process started (epoch seconds): from /proc on Linux, else when this module loaded."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: seconds after boot
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return time.time() - (uptime - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED_AT


def report(stage: str) -> None:
    """Print the start-up time of ``stage`` when ``LOSSLAB_STARTUP_REPORT=1``."""
    if os.environ.get("LOSSLAB_STARTUP_REPORT") == "1":
        now = time.time()
        loaded = "yes" if "torch" in sys.modules else "no"
        print(f"startup: {stage} after {now - process_start_time():.3f} s (at {now:.3f}; torch loaded: {loaded})",
              flush=True)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with LossLab's names and theme (reuses an existing one)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "losslab", *(argv or [])])
    app.setOrganizationName(settings.organization())
    app.setApplicationName(settings.APP_NAME)
    app.setApplicationDisplayName(settings.APP_NAME)
    theme.apply_theme(app)
    from .widgets import wheel_guard
    wheel_guard.install(app)  # after the theme's style: the guard wraps it
    app.setWindowIcon(theme.icon("logo"))
    return app


def project_argument(argv: list[str]) -> str | None:
    """The project path among the arguments (the first that is not an option)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    """Open the window (with the project in ``argv`` if any) and run until it closes."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from .xcb_check import check as check_xcb
    problem = check_xcb()
    if problem:                 # one line instead of Qt's abort (see guiapp/xcb_check.py)
        print(problem, file=sys.stderr)
        return 1
    path = project_argument(argv)
    app = create_application([a for a in argv if a.startswith("-")])
    from core.project import Project

    from .document import ProjectDocument
    from .main_window import MainWindow
    # An empty placeholder project until the event loop runs and the real one (with its data) loads.
    document = ProjectDocument(Project(), load_data=False)
    window = MainWindow(document, defer_training=True)
    window.show()
    app.processEvents()  # paint once before the heavy imports
    report("window shown")
    QTimer.singleShot(0, lambda: _finish_startup(app, window, path))
    _handle_ctrl_c(app, window)
    return app.exec()


def _finish_startup(app: QApplication, window, path: str | None) -> None:
    window.files.startup(path)
    if window.files.unattended:     # Ctrl-C or SIGTERM came while a start-up box was open: the window is
        return                      # closed and the app quits (a warm-up thread started now aborted it)
    window.add_training_ui()
    settings.apply_torch_threads()
    report("project loaded")
    from .tasks import TaskRunner
    from .warm_up import warm_up
    # on the task runner like every background job (joined at quit, an error logged): the first Run starts at once
    window.warm_up_runner = TaskRunner(window, name="LossLabWarmUp")
    # once the heavy imports are in, freeze the long-lived heap (torch, Qt, the catalog: ~350,000 objects)
    # out of the garbage collector: a full collection while training walked it all holding the GIL, ~200 ms
    # of CPU with both the GUI and the training thread stopped (tests/benchmarks/bench_window_pace.py)
    window.warm_up_runner.taskFinished.connect(lambda _outcome: gc.freeze())
    window.warm_up_runner.start(warm_up)
    if os.environ.get("LOSSLAB_STARTUP_EXIT") == "1":  # the start-up benchmark: measure, then leave
        QTimer.singleShot(0, app.quit)


def quit_without_prompts(app: QApplication, window) -> None:
    """Autosave unsaved work (recovered at the next start), then close the window without asking
    (its close stops training) and leave the event loop."""
    window.files.close_without_prompts(window.autosaver)
    window.close()  # Qt 6's quit() closes the windows too: the close must not ask
    app.quit()


def _handle_ctrl_c(app: QApplication, window) -> None:
    """Ctrl-C in the terminal, and SIGTERM / SIGHUP (``kill``, a logout, a closed terminal):
    :func:`quit_without_prompts`. The interpreter then exits normally, so the work is autosaved and
    the child processes' temp folders (``pymp-*``) are removed instead of left behind."""
    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, lambda _signum, _frame: quit_without_prompts(app, window))
    # Python runs signal handlers only between bytecodes: wake the interpreter now and then.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
