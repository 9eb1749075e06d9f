"""Autosave and crash recovery: a copy of unsaved work in the user data folder, offered at the next start."""
from __future__ import annotations

import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from core.project import Project, write_atomic

AUTOSAVE_INTERVAL_MS = 30_000
AUTOSAVE_FORMAT = "losslab-autosave"


def autosave_dir() -> Path:
    """``<LossLab's data folder>/autosave``: one file per window with unsaved changes, beside the run
    store (``LOSSLAB_HOME`` when set, else the platform's user data folder, see
    :func:`core.paths.user_data_dir`)."""
    from core.paths import user_data_dir
    return user_data_dir() / "autosave"


def _legacy_autosave_dir() -> Path | None:
    """Where LossLab up to 0.1 wrote autosaves (the platform's folder named "LossLab", beside the run
    store's "losslab"): still searched at start-up so no unsaved work is lost; None with LOSSLAB_HOME."""
    if os.environ.get("LOSSLAB_HOME"):
        return None
    from platformdirs import user_data_dir
    old = Path(user_data_dir("LossLab", appauthor=False)) / "autosave"
    return None if old == autosave_dir() else old


@dataclass
class AutosaveRecord:
    """An autosave file found at start-up."""
    file: Path
    name: str
    original: Path | None
    base_dir: Path | None
    saved: float
    pid: int


def find_autosaves() -> list[AutosaveRecord]:
    """Autosaves left behind by LossLab processes that are gone, newest first."""
    folders = [f for f in (autosave_dir(), _legacy_autosave_dir()) if f is not None and f.is_dir()]
    found = []
    for f in (file for folder in folders for file in folder.glob("*.autosave.json")):
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
            if doc.get("format") != AUTOSAVE_FORMAT:
                continue
            pid = int(doc.get("pid", 0))
            if pid == os.getpid() or _pid_alive(pid):
                continue  # this window's own file, or another LossLab window still running
            found.append(AutosaveRecord(
                f, str(doc.get("project", {}).get("name", "untitled")),
                Path(doc["original"]) if doc.get("original") else None,
                Path(doc["base_dir"]) if doc.get("base_dir") else None, float(doc.get("saved", 0.0)), pid))
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            continue
    return sorted(found, key=lambda r: r.saved, reverse=True)


def load_autosave(record: AutosaveRecord) -> Project:
    """The autosaved project; raises ProjectError naming the JSON path when it is damaged."""
    doc = json.loads(record.file.read_text(encoding="utf-8"))
    return Project.from_dict(doc["project"], record.base_dir)


def discard_autosave(record: AutosaveRecord) -> None:
    try:
        record.file.unlink()
    except OSError:
        pass


def _pid_alive(pid: int) -> bool:
    if pid <= 0 or sys.platform == "win32":  # os.kill(pid, 0) terminates the process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class Autosaver(QObject):
    """Every ``interval_ms`` while the document is dirty, write a copy to :func:`autosave_dir`;
    remove it once the project is saved, replaced or closed cleanly."""

    def __init__(self, document, parent: QObject | None = None, interval_ms: int = AUTOSAVE_INTERVAL_MS):
        super().__init__(parent)
        self.document = document
        self.file = autosave_dir() / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.autosave.json"
        #: keep the file when the window closes (a close without prompts: the work is recovered later)
        self.keep = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()
        document.dirtyChanged.connect(self._on_document_dirtyChanged)
        document.projectReplaced.connect(self._on_document_projectReplaced)

    def save_now(self) -> Path | None:
        """Write the autosave now if the document has unsaved changes; returns the file written."""
        doc = self.document
        if not doc.dirty:
            return None
        project = doc.project
        payload = {"format": AUTOSAVE_FORMAT, "pid": os.getpid(), "saved": time.time(),
                   "original": str(doc.path.resolve()) if doc.path else None,
                   "base_dir": str(project.base_dir) if project.base_dir else None,
                   "project": project.to_dict()}
        try:
            write_atomic(self.file, json.dumps(payload) + "\n")
        except OSError:
            return None  # a full disk must not interrupt the person's work
        return self.file

    def remove(self) -> None:
        """Delete this window's autosave (after a clean save or close); nothing while ``keep`` is set."""
        if self.keep:
            return
        try:
            self.file.unlink()
        except OSError:
            pass

    def _on_timer_timeout(self) -> None:
        self.save_now()

    def _on_document_dirtyChanged(self, dirty: bool) -> None:
        if not dirty:
            self.remove()

    def _on_document_projectReplaced(self) -> None:
        if not self.document.dirty:
            self.remove()


