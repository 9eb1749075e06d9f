"""Project files in the window: recent files, autosave and crash recovery, and the prompts they use.

The prompts are module functions (``ask_save_changes``, ``ask_stop_training``, ``ask_recover``,
``show_error``, ``choose_open_path``, ``choose_save_path``) so tests answer them with monkeypatch.
:class:`FileController` holds the New/Open/Save/close flow that the window's menus call.
"""
from __future__ import annotations

import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.paths import resources_dir
from core.project import SUFFIX, Project, ProjectError, write_atomic

from . import settings

EXAMPLES_DIR = resources_dir() / "examples"
SPIRAL_EXAMPLE = EXAMPLES_DIR / "spiral.losslab.json"
MAX_RECENT = 10
AUTOSAVE_INTERVAL_MS = 30_000
AUTOSAVE_FORMAT = "losslab-autosave"
FILE_FILTER = f"LossLab projects (*{SUFFIX});;JSON files (*.json);;All files (*)"


def examples() -> list[Path]:
    """The bundled example projects, sorted by name."""
    return sorted(EXAMPLES_DIR.glob(f"*{SUFFIX}"))


def example_title(path: Path) -> str:
    """"spiral.losslab.json" -> "spiral"."""
    return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem


def is_bundled_example(path: str | os.PathLike | None) -> bool:
    """Whether ``path`` lies in LossLab's bundled examples folder (however it was opened): such a
    file is never written over, Save asks for a new place."""
    if path is None:
        return False
    try:
        return Path(path).resolve().is_relative_to(EXAMPLES_DIR.resolve())
    except (OSError, ValueError):
        return False


def documents_dir() -> Path:
    """The person's documents folder (``QStandardPaths.DocumentsLocation``), else the home folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


# -- recent files ----------------------------------------------------------------------------------
def recent_files() -> list[Path]:
    """Recently opened or saved projects, newest first; files that no longer exist are dropped."""
    raw = settings.value("files/recent", [])
    if isinstance(raw, str):
        raw = [raw]
    paths = [Path(p) for p in (raw or []) if isinstance(p, str) and p]
    kept = [p for p in paths if p.is_file()][:MAX_RECENT]
    if len(kept) != len(paths):
        _store_recent(kept)
    return kept


def add_recent(path: str | os.PathLike) -> None:
    """Put ``path`` first in the recent list (at most ``MAX_RECENT``) and remember it as the last project."""
    p = Path(path).resolve()
    paths = [p] + [q for q in recent_files() if q.resolve() != p]
    _store_recent(paths[:MAX_RECENT])
    settings.set_value("files/last", str(p))


def clear_recent() -> None:
    _store_recent([])


def _store_recent(paths: list[Path]) -> None:
    settings.set_value("files/recent", [str(p) for p in paths])


def last_project() -> Path | None:
    """The project open when LossLab last saved or opened one, if it still exists."""
    p = settings.value("files/last", "")
    return Path(p) if isinstance(p, str) and p and Path(p).is_file() else None


def relative_data_path(data_file: str | os.PathLike, project_path: str | os.PathLike | None) -> str:
    """``data_file`` relative to the project's folder when the project is saved and it is possible,
    else absolute (e.g. on another drive)."""
    data_file = Path(data_file).resolve()
    if project_path is None:
        return str(data_file)
    try:
        return Path(os.path.relpath(data_file, Path(project_path).resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return str(data_file)


# -- prompts (monkeypatched in tests) ----------------------------------------------------------------
def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """"save", "discard" or "cancel" for a project with unsaved changes."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes", f"Save the changes to {name}?",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText("Your changes are lost if you don't save them.")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")


def ask_stop_training(parent: QWidget | None) -> bool:
    """Whether to stop the training run in progress."""
    answer = QMessageBox.question(parent, "Training in progress",
                                  "A training run is in progress. Stop it?\n\nWhat was trained so far is kept.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def ask_recover(parent: QWidget | None, record: "AutosaveRecord") -> bool:
    """Whether to recover an autosaved project (False discards it)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.saved))
    where = str(record.original) if record.original else "a project that was never saved"
    box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                      f"LossLab closed with unsaved changes to {record.name!r}. Recover them?",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(f"Autosaved {when} from {where}.")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(recover)
    box.exec()
    return box.clickedButton() is recover


def show_error(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """A warning box; ``detail`` goes in the informative text (e.g. the JSON path and the reason)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if detail:
        box.setInformativeText(detail)
    box.exec()


def choose_open_path(parent: QWidget | None, start_dir: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", start_dir, FILE_FILTER)
    return path or None


def choose_save_path(parent: QWidget | None, suggested: str = "") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save project as", suggested, FILE_FILTER)
    if not path:
        return None
    if not path.endswith(".json"):
        path += SUFFIX
    return path


# -- autosave and recovery -------------------------------------------------------------------------
def autosave_dir() -> Path:
    """``<user data dir>/autosave``: one file per window with unsaved changes."""
    from platformdirs import user_data_dir
    return Path(user_data_dir("LossLab", appauthor=False)) / "autosave"


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
    folder = autosave_dir()
    if not folder.is_dir():
        return []
    found = []
    for f in folder.glob("*.autosave.json"):
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


# -- the New / Open / Save / close flow --------------------------------------------------------------
class FileController(QObject):
    """What File > New/Open/Save/Save As/Quit do, including the prompts and error messages.

    ``training`` is the training controller (``is_running()``, ``stop_and_wait()``) or None.
    """

    recentChanged = Signal()

    def __init__(self, document, parent_widget: QWidget | None = None, training=None):
        super().__init__(parent_widget)
        self.document = document
        self.widget = parent_widget
        self.training = training
        #: set by :meth:`close_without_prompts` (Ctrl-C in the terminal): closing asks nothing and the
        #: autosave copy stays for recovery at the next start
        self.unattended = False

    def display_name(self) -> str:
        """The file name without ``.losslab.json``, or the project name when it was never saved."""
        path = self.document.path
        return example_title(path) if path else self.document.project.name

    # -- asking before the project goes away -------------------------------------------------------
    def confirm_discard(self) -> bool:
        """Before closing or replacing the project: offer to save changes, then to stop training.
        False when the person cancelled. After :meth:`close_without_prompts` it asks nothing: training
        stops and the unsaved work stays in the autosave copy."""
        ctl = self.training
        if self.unattended:
            if ctl is not None and ctl.is_running() and not ctl.stop_and_wait(timeout_s=1.0):
                ctl.stop_and_wait(timeout_s=10.0)
            return True
        if self.document.dirty:
            answer = ask_save_changes(self.widget, self.display_name())
            if answer == "cancel" or (answer == "save" and not self.save()):
                return False
        if ctl is not None and ctl.is_running():
            if not ask_stop_training(self.widget):
                return False
            if not ctl.stop_and_wait(timeout_s=1.0):
                ctl.stop_and_wait(timeout_s=10.0)  # a slow batch: never leave its thread running
        return True

    def close_without_prompts(self, autosaver: "Autosaver") -> None:
        """Ctrl-C in the terminal: write the autosave copy of unsaved work now (offered for recovery at
        the next start) and let the window close without asking."""
        autosaver.save_now()
        autosaver.keep = True
        self.unattended = True

    # -- commands ----------------------------------------------------------------------------------
    def new(self) -> bool:
        from guiapp.document import default_project
        if not self.confirm_discard():
            return False
        self.document.replace(default_project(), None)
        return True

    def open(self, path: str | os.PathLike | None = None, *, confirm: bool = True) -> bool:
        """Open ``path`` (asks for one when None). A broken file is refused with a message naming the
        JSON path; the current project stays as it was."""
        if confirm and not self.confirm_discard():
            return False
        if path is None:
            start = str(self.document.path.parent) if self.document.path else str(EXAMPLES_DIR)
            path = choose_open_path(self.widget, start)
            if path is None:
                return False
        try:
            project = Project.load(path)
        except ProjectError as e:
            show_error(self.widget, "Cannot open project", f"LossLab cannot open {Path(path).name}.",
                       f"{e.where}: {e.reason}")
            self.recentChanged.emit()  # a missing file drops out of the recent list
            return False
        self.document.replace(project, path)
        add_recent(path)
        self.recentChanged.emit()
        return True

    def open_example(self, path: str | os.PathLike, *, confirm: bool = True) -> bool:
        """Open a bundled example as an untitled copy (Save asks where, never over the example)."""
        if confirm and not self.confirm_discard():
            return False
        try:
            project = Project.load(path)
        except ProjectError as e:
            show_error(self.widget, "Cannot open example", f"The example {Path(path).name} is damaged.",
                       f"{e.where}: {e.reason}")
            return False
        self.document.replace(project, None)
        return True

    def save(self) -> bool:
        """Save to the project's file; a project never saved, or a bundled example, asks where (Save As)."""
        path = self.document.path
        if path is None or is_bundled_example(path):
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        path = choose_save_path(self.widget, str(self.suggested_save_path()))
        return self._save_to(Path(path)) if path else False

    def suggested_save_path(self) -> Path:
        """Where Save As starts: the project's own file, or for an example or a project never saved
        a file named after it in the person's documents folder."""
        doc = self.document
        if doc.path is not None and not is_bundled_example(doc.path):
            return doc.path
        name = example_title(doc.path) if doc.path is not None else doc.project.name
        return documents_dir() / f"{name}{SUFFIX}"

    def _save_to(self, path: Path) -> bool:
        doc = self.document
        if is_bundled_example(path):
            show_error(self.widget, "Cannot save project", f"{path.name} is one of LossLab's bundled examples.",
                       "The examples stay as shipped: save your copy in another folder, e.g. "
                       f"{documents_dir()}.")
            return False
        data_path = doc.project.data.path
        old_dir = doc.project.base_dir
        if data_path and not Path(data_path).is_absolute() and old_dir and old_dir != path.resolve().parent:
            absolute = str((old_dir / data_path).resolve())  # keep the data file found from the new folder
            doc.edit("Keep the data path", lambda p: setattr(p.data, "path", absolute), "data")
        try:
            doc.save(path)
        except OSError as e:
            show_error(self.widget, "Cannot save project", f"LossLab cannot write {path}.", str(e))
            return False
        add_recent(path)
        self.recentChanged.emit()
        return True

    # -- start-up -----------------------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """Offer each autosave left by a crashed LossLab, newest first; True once one is recovered."""
        for record in find_autosaves():
            if not ask_recover(self.widget, record):
                discard_autosave(record)
                continue
            try:
                project = load_autosave(record)
            except (ProjectError, OSError, ValueError, KeyError) as e:
                show_error(self.widget, "Cannot recover", "The autosaved project is damaged.", str(e))
                discard_autosave(record)
                continue
            self.document.replace(project, record.original)
            self.document.undo_stack.resetClean()  # recovered work is unsaved work
            discard_autosave(record)
            return True
        return False

    def startup(self, path: str | None = None) -> None:
        """The first project: ``path`` if given, else recovered work, else the last project, else the
        spiral example."""
        if path and self.open(path, confirm=False):
            return
        if not path and self.offer_recovery():
            return
        last = last_project()
        if last is not None and self.open(last, confirm=False):
            return
        self.open_example(SPIRAL_EXAMPLE, confirm=False)
