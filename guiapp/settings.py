"""GUI settings stored in ``QSettings`` (never in the project): the torch thread cap, window layout, files.

The organization name comes from ``LOSSLAB_SETTINGS_ORG`` when set (tests use their own), so a test
run never touches a person's settings.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Signal

APP_NAME = "LossLab"
DEFAULT_ORG = "LossLab"


def organization() -> str:
    """The QSettings organization: ``LOSSLAB_SETTINGS_ORG`` or "LossLab"."""
    return os.environ.get("LOSSLAB_SETTINGS_ORG") or DEFAULT_ORG


_kept: dict[str, QSettings] = {}


def settings() -> QSettings:
    """A QSettings for LossLab's GUI. On the GUI thread it is one kept object per organization: a
    QSettings destroyed with a change in it writes its file at once (2-15 ms of the GUI thread per
    ``set_value``, more on a busy disk); the kept one writes from the event loop and at quit. Other
    threads get an object of their own (a QSettings is not shared between threads)."""
    if threading.current_thread() is not threading.main_thread():
        return QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, organization(), APP_NAME)
    org = organization()
    kept = _kept.get(org)
    if kept is None:
        kept = _kept[org] = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, org, APP_NAME)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(kept.sync)
    return kept


@atexit.register
def _write_kept() -> None:
    """Whatever the event loop has not written yet (a script that never ran one)."""
    for kept in list(_kept.values()):
        try:
            kept.sync()
        except RuntimeError:  # its C++ object is already gone at exit: Qt wrote it when it went
            pass


def value(key: str, default: Any = None, type_: type | None = None) -> Any:
    """Read one setting; ``type_`` converts what some backends store as text (e.g. int)."""
    s = settings()
    if type_ is None:
        return s.value(key, default)
    try:
        return s.value(key, default, type=type_)
    except (TypeError, ValueError):
        return default


def set_value(key: str, val: Any) -> None:
    # no sync(): QSettings objects of one process share their values at once and Qt writes them to disk
    # from the event loop and at exit; a sync on every write cost 40-100 ms of the GUI thread per Open
    settings().setValue(key, val)


class SettingsSignals(QObject):
    """Tells views that a GUI setting changed (the status bar shows the thread cap)."""
    torchThreadsChanged = Signal(int)


_signals: SettingsSignals | None = None


def signals() -> SettingsSignals:
    """The process-wide notifier for settings changes."""
    global _signals
    if _signals is None:
        _signals = SettingsSignals()
    return _signals


# -- torch threads ---------------------------------------------------------------------------------
def cpu_count() -> int:
    return os.cpu_count() or 1


def default_torch_threads() -> int:
    """Leave one core to the GUI thread (two torch threads beside a busy GUI were slower than one)."""
    return max(1, cpu_count() - 1)


def torch_threads() -> int:
    """The torch intra-op thread cap the training controller applies (1 .. cores)."""
    n = value("training/torch_threads", default_torch_threads(), int)
    try:
        n = int(n)
    except (TypeError, ValueError):
        n = default_torch_threads()
    return min(max(1, n), cpu_count())


def set_torch_threads(n: int) -> None:
    """Store the thread cap, apply it when torch is already loaded, and notify views."""
    n = min(max(1, int(n)), cpu_count())
    if n == torch_threads():
        return
    set_value("training/torch_threads", n)
    apply_torch_threads()
    signals().torchThreadsChanged.emit(n)


def apply_torch_threads() -> None:
    """Apply the cap to torch if it is imported (never imports torch: start-up stays fast)."""
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "set_num_threads"):
        torch.set_num_threads(torch_threads())


# -- folders ---------------------------------------------------------------------------------------
def last_folder() -> str:
    """The folder of the file last opened or saved through a file dialog ("" if none or gone): where
    the next dialog starts when the project has no folder of its own (not the home folder)."""
    folder = value("files/last_folder", "")
    return folder if isinstance(folder, str) and folder and os.path.isdir(folder) else ""


def remember_folder(path: str) -> None:
    """Remember the folder of ``path`` (a file chosen in a dialog) for :func:`last_folder`."""
    if path:
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(folder):
            set_value("files/last_folder", folder)
