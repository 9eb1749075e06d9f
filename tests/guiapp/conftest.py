"""GUI test fixtures and the guards every GUI test runs under.

* **No thread left running** (napari's ``_dangling_qthreads``): ``QThread.start`` is patched to record
  every started thread, wherever it is parented (the training worker belongs to its controller, not
  to the application, so ``qapp.findChildren`` misses it), with the stack that started it. A test
  that leaves one running fails, naming that stack; the thread is then stopped so the next test
  starts clean.
* **No window left open**: after pytest-qt has closed the widgets a test registered, a top-level
  widget the test created that is still *visible* fails the test (a dialog nobody closed). Windows
  that are closed but still alive are deleted: PySide keeps a window whose child signals hold
  lambdas over it alive for good (that cycle runs through C++, which Python's garbage collector
  cannot see), and thousands of dead windows with their menus made every later ``gc`` pass and
  teardown slower.
* **A registered widget lives until it is closed**: pytest-qt keeps only a weak reference to a widget
  given to ``qtbot.addWidget``. A view whose signals and pyqtgraph items form a reference cycle
  outlives the test function as garbage, still shown, and pytest-qt then processes events before it
  closes it: when Python's garbage collector ran inside that garbage view's own ``paintEvent``, it
  deleted the view under its painter and the worker died with a segfault (1 run in 4-8). The fixture
  below holds each registered widget until pytest-qt has closed it.
"""
from __future__ import annotations

import os
import traceback
import uuid
import weakref

import pytest



def _alive(obj) -> bool:
    import shiboken6
    return shiboken6.isValid(obj)



#: how long the thread guard waits for a thread it found still running, after the test has already
#: failed for it: a bound so a hung thread cannot hang the suite (no passing test ever waits here)
CLEANUP_WAIT_MS = 5_000

@pytest.fixture(autouse=True)
def _no_thread_left_running(monkeypatch):
    """Fail a test that leaves a QThread running (every ``QThread.start`` is recorded)."""
    from PySide6.QtCore import QThread
    started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    base_start = QThread.start

    def recording_start(self, *args, **kwargs):
        frames = [f for f in traceback.extract_stack()[:-1] if "site-packages" not in f.filename]
        started[self] = "".join(traceback.format_list(frames[-6:]))
        return base_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield started
    dangling = []
    for thread, where in list(started.items()):
        try:
            if _alive(thread) and thread.isRunning():
                dangling.append((thread, where))
        except RuntimeError:            # its C++ object is gone: it is not running
            continue
    for thread, _ in dangling:          # leave a clean slate for the next test
        try:
            thread.requestInterruption()
            thread.quit()
            thread.wait(CLEANUP_WAIT_MS)
        except RuntimeError:
            pass
    if dangling:
        text = "\n".join(f"- {t.objectName() or type(t).__name__}, started at:\n{w}" for t, w in dangling)
        pytest.fail(f"the test left {len(dangling)} QThread(s) running:\n{text}", pytrace=False)


def _top_level(qapp) -> list:
    return [w for w in qapp.topLevelWidgets() if w.parentWidget() is None]


@pytest.fixture(autouse=True)
def _registered_widgets_held(monkeypatch):
    """Keep every widget given to ``qtbot.addWidget`` alive until teardown has closed it (set up before
    ``qtbot``'s widgets are closed, so torn down after)."""
    from pytestqt.qtbot import QtBot
    held: list = []
    base_add = QtBot.addWidget

    def add_and_hold(self, widget, *args, **kwargs):
        held.append(widget)
        return base_add(self, widget, *args, **kwargs)

    monkeypatch.setattr(QtBot, "addWidget", add_and_hold)
    yield held
    held.clear()


@pytest.fixture(autouse=True)
def _no_widget_left(qapp):
    """Fail a test that leaves a window shown; delete the closed windows it leaves alive.

    Autouse and independent of ``qtbot``, so it is torn down after pytest-qt has closed the widgets
    registered with ``qtbot.addWidget``."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent
    before = {shiboken6.getCppPointer(w)[0] for w in _top_level(qapp)}
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    left = [w for w in _top_level(qapp) if shiboken6.getCppPointer(w)[0] not in before]
    shown = [f"{type(w).__name__} {w.windowTitle()!r}" for w in left if w.isVisible()]
    for w in left:
        w.close()
        w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if shown:
        pytest.fail(f"the test left {len(shown)} window(s) open: {', '.join(shown)} "
                    "(register them with qtbot.addWidget or close them)", pytrace=False)


@pytest.fixture(autouse=True)
def _no_modal_question(monkeypatch):
    """A question the window asks while a test closes it must never block the suite on a modal box
    that nobody answers (closing a window whose Stop has not finished yet asks whether to stop the
    run). Defaults: stop the training, discard changes, no recovery; a test that checks a question
    patches it itself, which overrides these."""
    from guiapp.files import prompts
    monkeypatch.setattr(prompts, "ask_stop_training", lambda parent: True)
    monkeypatch.setattr(prompts, "ask_save_changes", lambda parent, name, training=False: "discard")
    monkeypatch.setattr(prompts, "ask_recover", lambda parent, record: False)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Own settings (recent files, layout) and autosave folder for this test."""
    from guiapp import files
    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", f"LossLabTests-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(files.autosave, "autosave_dir", lambda: tmp_path / "autosave")
    return tmp_path


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The run store the window and its views use, in ``tmp_path`` (``LOSSLAB_HOME``)."""
    from core.runs import open_store
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    s = open_store()
    yield s
    s.close()


@pytest.fixture
def make_controller(qtbot):
    """Training controllers on a document of ``project`` (a short spiral run by default), each stopped
    at the test's end."""
    made = []

    def make(project=None):
        from guiapp.document import ProjectDocument
        from guiapp.training import TrainingController
        from tests.guiapp.training_runs import spiral_project
        c = TrainingController(ProjectDocument(project or spiral_project()))
        made.append(c)
        return c

    yield make
    for c in made:
        assert c.stop_and_wait(2.0)
        assert not c.is_running()
