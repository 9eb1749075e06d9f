"""What File > New/Open/Save/Save As/Quit do, including the prompts and error messages."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from core.project import SUFFIX, Project, ProjectError

from . import prompts, recent
from .autosave import Autosaver, discard_autosave, find_autosaves, load_autosave
from .examples import blank_project
from .recent import EXAMPLES_DIR, SPIRAL_EXAMPLE, add_recent, example_title, is_bundled_example, last_project


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
        #: the title of the file or example the project came from: a project name equal to it (or
        #: "untitled") was not chosen by the person, and follows the file name on Save As
        self.origin_title: str | None = None
        #: a big data file is read in the background after Open: its progress in the status bar
        self.data_progress = None
        if parent_widget is not None and hasattr(parent_widget, "statusBar"):
            from .data_progress import DataLoadProgress
            self.data_progress = DataLoadProgress(document, parent_widget.statusBar())

    def display_name(self) -> str:
        """The file name without ``.losslab.json``, or the project name when it was never saved."""
        path = self.document.path
        return example_title(path) if path else self.document.project.name

    # -- asking before the project goes away -------------------------------------------------------
    def confirm_discard(self) -> bool:
        """Before closing or replacing the project: one question (save the changes, or stop the
        training), with the training paused while it is open and resumed on Cancel. False when the
        person cancelled. After :meth:`close_without_prompts` it asks nothing: training stops and the
        unsaved work stays in the autosave copy."""
        ctl = self.training
        running = ctl is not None and ctl.is_running()
        if self.unattended:
            if running and not ctl.stop_and_wait(timeout_s=1.0):
                ctl.stop_and_wait(timeout_s=10.0)
            return True
        if not self.document.dirty and not running:
            return True
        paused_here = running and not ctl.is_paused()
        if paused_here:
            ctl.pause()                      # nothing trains behind the dialog
        if self.document.dirty:
            answer = prompts.ask_save_changes(self.widget, self.display_name(), training=running)
            go_on = answer == "discard" or (answer == "save" and self.save())
        else:
            go_on = prompts.ask_stop_training(self.widget)
        if not go_on:
            if paused_here and ctl.is_running():
                ctl.resume()
            return False
        if running and not ctl.stop_and_wait(timeout_s=1.0):
            ctl.stop_and_wait(timeout_s=10.0)  # a slow batch: never leave its thread running
        return True

    def close_without_prompts(self, autosaver: Autosaver) -> None:
        """Ctrl-C in the terminal: write the autosave copy of unsaved work now (offered for recovery at
        the next start) and let the window close without asking."""
        autosaver.save_now()
        autosaver.keep = True
        self.unattended = True

    # -- commands ----------------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.confirm_discard():
            return False
        self.document.replace(blank_project(), None)
        self.origin_title = None
        return True

    def open(self, path: str | os.PathLike | None = None, *, confirm: bool = True, instead: str = "") -> bool:
        """Open ``path`` (asks for one when None). A broken file is refused with a message naming the
        JSON path (and, at start-up, ``instead``: what the window opens in its place); the current project
        stays as it was. A big data file is read in the background
        (the document's task; the status bar shows the progress): this returns before it is in."""
        if confirm and not self.confirm_discard():
            return False
        if path is None:
            start = str(self.document.path.parent) if self.document.path else str(EXAMPLES_DIR)
            path = prompts.choose_open_path(self.widget, start)
            if path is None:
                return False
        try:
            project = Project.load(path)
        except ProjectError as e:
            prompts.show_error(self.widget, "Cannot open project", f"LossLab cannot open {Path(path).name}.",
                               f"{e.where}: {e.reason}" + (f"\n\nThe window opens {instead} instead: nothing "
                                                           "is saved over the file you asked for." if instead else ""))
            self.recentChanged.emit()  # a missing file drops out of the recent list
            return False
        self.document.replace(project, path)
        self.origin_title = example_title(Path(path))
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
            prompts.show_error(self.widget, "Cannot open example",
                               f"The example {Path(path).name} is damaged.", f"{e.where}: {e.reason}")
            return False
        self.document.replace(project, None)
        self.origin_title = example_title(Path(path))
        return True

    def save(self) -> bool:
        """Save to the project's file; a project never saved, or a bundled example, asks where (Save As)."""
        path = self.document.path
        if path is None or is_bundled_example(path):
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        path = prompts.choose_save_path(self.widget, str(self.suggested_save_path()))
        return self._save_to(Path(path)) if path else False

    def suggested_save_path(self) -> Path:
        """Where Save As starts: the project's own file, or for an example or a project never saved
        a file named after it in the person's documents folder."""
        doc = self.document
        if doc.path is not None and not is_bundled_example(doc.path):
            return doc.path
        name = example_title(doc.path) if doc.path is not None else doc.project.name
        return recent.documents_dir() / f"{name}{SUFFIX}"

    def _save_to(self, path: Path) -> bool:
        doc = self.document
        if is_bundled_example(path):
            prompts.show_error(self.widget, "Cannot save project",
                               f"{path.name} is one of LossLab's bundled examples.",
                               "The examples stay as shipped: save your copy in another folder, e.g. "
                               f"{recent.documents_dir()}.")
            return False
        # Project.save stores the data path for the new folder (relative when the data sits in it or
        # below, else the same file's absolute path): core.project_paths
        self._name_after_file(path)
        try:
            doc.save(path)
        except OSError as e:
            prompts.show_error(self.widget, "Cannot save project", f"LossLab cannot write {path}.", str(e))
            return False
        add_recent(path)
        self.recentChanged.emit()
        return True

    def _name_after_file(self, path: Path) -> None:
        """Save As "mnist-small.losslab.json": a project still named "untitled" (or after the file or
        example it came from) takes the new file's name; a name the person chose stays."""
        doc, title = self.document, example_title(path)
        name = doc.project.name
        if name != title and name in ("", "untitled", self.origin_title):
            doc.edit("Name the project after its file", lambda p: setattr(p, "name", title), "name")
        self.origin_title = title

    # -- start-up -----------------------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """Offer each autosave left by a crashed LossLab, newest first; True once one is recovered."""
        for record in find_autosaves():
            if not prompts.ask_recover(self.widget, record):
                discard_autosave(record)
                continue
            try:
                project = load_autosave(record)
            except (ProjectError, OSError, ValueError, KeyError) as e:
                prompts.show_error(self.widget, "Cannot recover", "The autosaved project is damaged.", str(e))
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
        last = last_project()
        if path and last is not None and Path(last).resolve() == Path(path).resolve():
            last = None                    # (the refused file was the last one: not asked twice)
        if path:       # a refused file's box says what the window shows instead (not a silent swap)
            instead = f"your last project, {example_title(last)}," if last is not None else "the spiral example"
            if self.open(path, confirm=False, instead=instead) or self.unattended:
                return                     # (or the app is quitting: Ctrl-C came while the box was open)
        elif self.offer_recovery():
            return
        if (last is not None and self.open(last, confirm=False)) or self.unattended:
            return
        self.open_example(SPIRAL_EXAMPLE, confirm=False)
