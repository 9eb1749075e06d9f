"""The guards of ``tests/guiapp/conftest.py`` catch what they promise: a thread left running and a
window left open fail the test that left them (run in an inner pytest session with the same conftest)."""
from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()

LEAKY = '''
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QDialog


class Waiter(QThread):
    def run(self):
        while not self.isInterruptionRequested():
            self.msleep(5)


class Owner(QThread):   # a parent that is not the application: findChildren(qapp) would miss it
    pass


def test_leaves_a_thread_running(qapp):
    owner = Owner()
    test_leaves_a_thread_running.keep = (owner, Waiter(owner))
    test_leaves_a_thread_running.keep[1].start()


def test_leaves_a_dialog_open(qapp):
    d = QDialog()
    d.setWindowTitle("forgotten")
    d.show()
    test_leaves_a_dialog_open.keep = d


def test_closes_what_it_opens(qtbot):
    d = QDialog()
    qtbot.addWidget(d)
    d.show()
    t = Waiter()
    t.start()
    t.requestInterruption()
    t.wait()
'''


def test_a_thread_or_window_left_behind_fails_its_test(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors") == 2 and "failed" not in outcomes, outcomes   # at teardown
    result.stdout.fnmatch_lines(["*left 1 QThread(s) running*", "- Waiter, started at:", "*test_leaky.py*in test_leaves_a_thread_running"])
    result.stdout.fnmatch_lines(["*left 1 window(s) open: QDialog 'forgotten'*"])


LITTERING = '''
import os
import tempfile


def test_leaves_a_folder_in_the_temp_directory():
    os.mkdir(os.path.join(tempfile.gettempdir(), "losslab-forgotten-xyz"))


def test_cleans_up_after_itself(tmp_path):
    fd, name = tempfile.mkstemp()
    os.close(fd)
    os.unlink(name)
    (tmp_path / "kept.txt").write_text("pytest's own tmp_path is fine")
'''


def test_a_file_left_in_the_temp_directory_fails_its_test(pytester):
    """The suite-level guard (tests/tempdir_guard.py) fails a test that leaves an entry in the temp
    directory, names it, and removes it."""
    import tempfile
    pytester.makeconftest("from tests.tempdir_guard import no_temp_files_left  # noqa: F401\n")
    pytester.makepyfile(test_littering=LITTERING)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors") == 1 and outcomes.get("passed") == 2, outcomes
    result.stdout.fnmatch_lines(["*left 1 entry in the temp directory*: losslab-forgotten-xyz*"])
    assert not (Path(tempfile.gettempdir()) / "losslab-forgotten-xyz").exists()



def test_a_registered_widget_lives_until_it_is_closed(qtbot):
    """pytest-qt holds a registered widget weakly. A view in a reference cycle (pyqtgraph's plots are)
    outlived its test as garbage, still shown, and pytest-qt then processed its paint events: a
    collection inside its own paint deleted it under the painter, and the worker died with a
    segfault. The guard holds the widget until pytest-qt has closed it."""
    import gc
    import weakref

    from PySide6.QtWidgets import QWidget
    w = QWidget()
    w.me = w                    # a cycle: only the garbage collector would free it
    qtbot.addWidget(w)
    w.show()
    alive = weakref.ref(w)
    del w
    gc.collect()
    assert alive() is not None and alive().isVisible()
