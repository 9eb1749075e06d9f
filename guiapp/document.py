"""The one owner of project state in the window: the project, its undo stack, file path, dirty flag.

Every edit is a :class:`EditCommand` on the undo stack holding the project document before and after
(JSON dicts, a few KB): undo/redo swap them, so every kind of edit is exactly reversible. Edits are
validated by ``Project.from_dict`` before they are pushed: an invalid edit is refused with the
reason and changes nothing. Views read ``document.project`` and listen to the signals; they never
mutate the project themselves.

The document is evented: after each edit, undo and redo it emits what changed
(``core.edit_events``), in this order: ``nodeRenamed``, ``edgeRemoved``, ``nodeRemoved``,
``nodeAdded``, ``nodeParamsChanged``, ``edgeAdded``, ``nodesMoved``, ``outputsChanged``,
``dataChanged``, ``trainingChanged``, ``nameChanged``; then ``checkUpdated`` (shapes, problems) when
the model, data or outputs changed; then the coarse ``projectChanged(kind)`` for views that redraw
as a whole. A rename is declared by the edit (``renames``), never guessed. Loading another project
emits ``projectReplaced`` instead of fine events: views rebuild.

Data: a data file of ``BACKGROUND_LOAD_BYTES`` or more (a big CSV) is read in a child process
(``core.data.process_load``) by a task on the document's task runner, whatever asked for it (File ▸ Open, an undo, a data edit): until it is in, ``dataset``
and ``check`` are None and Run says the data is not loaded yet; ``dataLoadChanged(text, fraction)``
reports the progress (``""`` once it ended), then ``datasetChanged``, ``dataErrorChanged`` and
``checkUpdated`` follow as after a load on the spot. A newer load supersedes a running one.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from core.diagnostics.lint import lint_project
from core.edit_events import edit_events, kind_of
from core.graph import GraphCheck, Problem, check_graph
from core.project import Project, ProjectError

#: a data file this big or bigger is read on a background task (about 50,000 rows of a 5-column CSV)
BACKGROUND_LOAD_BYTES = 2_000_000

#: ``projectChanged`` kinds: what part of the project an edit touched
KINDS = ("model", "data", "outputs", "training", "view", "name", "all")

_merge_ids: dict[str, int] = {}

#: ``core.edit_events`` kind -> the document's signal
_SIGNALS = {"node_added": "nodeAdded", "node_removed": "nodeRemoved", "node_renamed": "nodeRenamed",
            "node_params_changed": "nodeParamsChanged", "edge_added": "edgeAdded", "edge_removed": "edgeRemoved",
            "nodes_moved": "nodesMoved", "outputs_changed": "outputsChanged", "data_changed": "dataChanged",
            "training_changed": "trainingChanged", "name_changed": "nameChanged"}


def data_key(data: dict, base_dir) -> str:
    """What the loaded tensors depend on: the data spec but ``augment``, which changes training batches
    only (an augmentation edit reloads nothing: a big CSV would vanish from the window meanwhile)."""
    return repr({k: v for k, v in data.items() if k != "augment"}) + str(base_dir)


def _merge_id(key: str) -> int:
    return _merge_ids.setdefault(key, len(_merge_ids) + 1)


class EditCommand(QUndoCommand):
    """Swap between two project documents; consecutive edits with the same merge key merge
    (one slider drag, one node drag = one undo step)."""

    def __init__(self, doc: "ProjectDocument", text: str, before: dict, after: dict, merge_key: str | None = None,
                 renames: dict[str, str] | None = None, project: Project | None = None):
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after
        self.merge_key = merge_key
        self.renames = dict(renames or {})
        self._pending = project           # the validated project, installed by the first redo

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _merge_id(self.merge_key) if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if (not isinstance(other, EditCommand) or other.merge_key != self.merge_key or not self.merge_key
                or self.renames or other.renames):
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        project, self._pending = self._pending, None
        self.doc._install(self.after, self.renames, project, self.before if project is not None else None)

    def undo(self) -> None:
        self.doc._install(self.before, {new: old for old, new in self.renames.items()})


class ProjectDocument(QObject):
    nodeAdded = Signal(str)
    nodeRemoved = Signal(str)
    nodeRenamed = Signal(str, str)     # old id, new id
    nodeParamsChanged = Signal(str)
    edgeAdded = Signal(str, str)
    edgeRemoved = Signal(str, str)
    nodesMoved = Signal(list)          # ids whose stored position changed
    outputsChanged = Signal(list)      # ids of the nodes whose output head came, went or changed
    dataChanged = Signal()
    trainingChanged = Signal()
    nameChanged = Signal()
    projectChanged = Signal(str)       # after the events above: the kind (see KINDS); "all" after new/open
    projectReplaced = Signal()         # a different project was loaded: views rebuild entirely
    checkUpdated = Signal(object)      # GraphCheck (or None while no data is loaded)
    datasetChanged = Signal(object)    # core.data.Dataset, or None
    dataErrorChanged = Signal(str)     # "" when the data loads, else the message
    dirtyChanged = Signal(bool)
    pathChanged = Signal(str)
    editRefused = Signal(str)          # an edit was refused: the reason, for the status bar / inspector
    dataLoadChanged = Signal(str, float)  # a background data load: what it reads and the fraction; "" when done

    def __init__(self, project: Project | None = None, parent: QObject | None = None, *, load_data: bool = True):
        """``load_data=False`` defers loading the data (and importing torch) to the first
        ``replace``/``open``: the window shows before the heavy imports (see ``data_loaded``)."""
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self._project = project or default_project()
        self._path: Path | None = None
        self._dataset = None
        self._data_key: str | None = None
        self.data_error = ""
        self.check: GraphCheck | None = None
        self._lint: list = []
        self._primed = None
        self._loader = None             # guiapp.tasks.TaskRunner for big data files, made on first use
        self._loading_key: str | None = None
        if load_data:
            self._refresh("all")

    def _on_undo_stack_clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(not clean)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def dataset(self):
        return self._dataset

    @property
    def lint_findings(self) -> list:
        """The architecture-lint findings (``core.diagnostics.Finding``, kind ``"lint"``) of the latest
        check, most severe first; empty while the graph has errors or no data is loaded. They are also
        in ``check.problems`` as warnings (the canvas badges); refreshed before ``checkUpdated``."""
        return list(self._lint)

    @property
    def data_loaded(self) -> bool:
        """Whether the data has been loaded (or refused) at least once for this project."""
        return self._data_key is not None

    @property
    def data_loading(self) -> bool:
        """Whether a big data file is being read in the background (``dataset`` is None meanwhile)."""
        return self._loading_key is not None

    def can_train(self) -> tuple[bool, str]:
        """Whether Run is possible, and the reason when not."""
        if self.data_error:
            return False, f"data: {self.data_error}"
        if self.check is None:
            return False, "the data is not loaded yet"
        errors = [p for p in self.check.problems if p.severity == "error"]
        if errors:
            return False, errors[0].message + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
        return True, ""

    # -- editing ---------------------------------------------------------------------------------
    def edit(self, text: str, change: Callable[[Project], None], kind: str | None = None,
             merge_key: str | None = None, renames: dict[str, str] | None = None) -> bool:
        """Apply ``change`` to a copy of the project; push it as one undo step if it validates.

        ``renames`` (old id -> new id) declares the nodes the change renames, so views keep their
        items. ``kind`` is accepted for older callers; the events and the reported kind come from
        what really changed. Returns False (and emits ``editRefused`` with the reason) when the
        result is not a valid project.
        """
        # ``to_dict`` builds fresh containers: parsing one needs no deepcopy, and the dicts the undo
        # step keeps (before, after) are never shared with a live project
        before = self._project.to_dict()
        work = Project.from_dict(self._project.to_dict(), self._project.base_dir)
        try:
            change(work)
            after = work.to_dict()
            valid = Project.from_dict(work.to_dict(), self._project.base_dir)
        except (ProjectError, ValueError, KeyError) as e:
            self.editRefused.emit(str(e))
            return False
        if after == before:
            return True
        self.undo_stack.push(EditCommand(self, text, before, after, merge_key, renames, valid))
        return True

    def _install(self, doc: dict, renames: dict[str, str], project: Project | None = None,
                 before: dict | None = None) -> None:
        before = before if before is not None else self._project.to_dict()
        self._project = project or Project.from_dict(copy.deepcopy(doc), self._project.base_dir)
        events = edit_events(before, doc, renames)
        self._refresh(kind_of(events), events)

    # -- whole documents -------------------------------------------------------------------------
    def replace(self, project: Project, path: str | Path | None = None) -> None:
        """Install a new or opened project: clears undo history and marks it clean."""
        self._project = project
        self._path = Path(path) if path else None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._data_key = None
        self.projectReplaced.emit()
        self._refresh("all")
        self.pathChanged.emit(str(self._path or ""))
        self.dirtyChanged.emit(False)

    def open(self, path: str | Path) -> None:
        """Load a file; raises ProjectError (naming the JSON path) and leaves the current project untouched."""
        project = Project.load(path)
        self.replace(project, path)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path else self._path
        if target is None:
            raise ValueError("no file name yet: use Save As")
        self._project.save(target)
        self._path = target
        self.undo_stack.setClean()
        self.pathChanged.emit(str(target))
        return target

    # -- positions -------------------------------------------------------------------------------
    def node_position(self, node_id: str) -> tuple[float, float] | None:
        pos = ((self._project.view or {}).get("nodes") or {}).get(node_id)
        return (float(pos[0]), float(pos[1])) if isinstance(pos, (list, tuple)) and len(pos) == 2 else None

    # -- derived state -----------------------------------------------------------------------------
    def _refresh(self, kind: str, events: list | None = None) -> None:
        if kind in ("data", "all"):
            self._reload_data()
        for event in events or ():
            getattr(self, _SIGNALS[event.kind]).emit(*event.args)
        if kind in ("model", "data", "outputs", "all"):
            self._recheck()
        self.projectChanged.emit(kind)

    def _reload_data(self) -> None:
        key = data_key(self._project.to_dict()["data"], self._project.base_dir)
        if key == self._data_key:
            return
        self._data_key = key
        if self._loading_key is not None:  # superseded: its result is never used
            self._loader.cancel()
            self._end_background_load()
        from core.data import DataError, load_dataset
        primed, self._primed = self._primed, None
        if primed is not None and primed[0] == key:  # loaded on a background thread (a big CSV)
            self._dataset, self.data_error = primed[1], primed[2]
        elif big_data_file(self._project) is not None:
            self._dataset, self.data_error = None, ""
            self._start_background_load(key)
        else:
            try:
                self._dataset = load_dataset(self._project.data, self._project.base_dir)
                self.data_error = ""
            except (DataError, ValueError, OSError) as e:
                self._dataset = None
                self.data_error = str(e)
        self.datasetChanged.emit(self._dataset)
        self.dataErrorChanged.emit(self.data_error)

    def _start_background_load(self, key: str) -> None:
        import core.data.process_load

        from .tasks import TaskRunner
        if self._loader is None:
            self._loader = TaskRunner(self, name="LossLabDataLoad")
            self._loader.progressChanged.connect(self._on_loader_progressChanged)
            self._loader.taskFinished.connect(self._on_loader_taskFinished)
        self._loading_key = key
        self._loading_text = f"Reading {Path(self._project.data.path).name}…"
        # read in a child process: a parse on a thread holds the GIL the GUI thread needs (core.data.process_load);
        # looked up now, not at import: tests hold the read half way to watch the window
        self._loader.start(core.data.process_load.load_dataset_in_process, self._project.copy().data,
                           self._project.base_dir)
        self.dataLoadChanged.emit(self._loading_text, 0.0)

    def _end_background_load(self) -> None:
        self._loading_key = None
        self.dataLoadChanged.emit("", 1.0)

    def _on_loader_progressChanged(self, fraction: float, _status: str) -> None:  # noqa: N802 - the signal's name
        if self._loading_key is not None:
            self.dataLoadChanged.emit(self._loading_text, fraction)

    def _on_loader_taskFinished(self, outcome) -> None:  # noqa: N802 - the signal's name
        key = self._loading_key
        if key is None:
            return
        self._end_background_load()
        if key != self._data_key or outcome.cancelled:
            return
        self._dataset = outcome.value if outcome.error is None else None
        self.data_error = outcome.message if outcome.error is not None else ""
        self.datasetChanged.emit(self._dataset)
        self.dataErrorChanged.emit(self.data_error)
        self._recheck()

    def wait_for_data(self, timeout_ms: int | None = None) -> bool:
        """Block until a background data load has ended and been installed (scripts, close, tests)."""
        return self._loader is None or self._loader.wait(timeout_ms)

    def prime_data(self, data: dict, base_dir, dataset, error: str = "") -> None:
        """A dataset (or its error) loaded elsewhere for the data spec ``data`` (``to_dict()["data"]``):
        the next reload for that spec uses it instead of reading the file again."""
        self._primed = (data_key(data, base_dir), dataset, error)

    def _recheck(self) -> None:
        ds = self._dataset
        self.check = check_graph(self._project, ds.input_shape, ds.targets) if ds is not None else None
        self._lint = []
        if self.check is not None and self.check.ok:
            # designs that run but are probably wrong: amber badges on their nodes, Run stays enabled
            self._lint = lint_project(self._project, self.check, ds)
            for f in self._lint:
                self.check.problems.append(Problem(f"{f.message} → {f.suggestion}" if f.suggestion else f.message,
                                                   f.node, "model", "warning"))
        self.checkUpdated.emit(self.check)


def big_data_file(project: Project) -> Path | None:
    """``project``'s data file when it is big enough to be read in the background
    (``BACKGROUND_LOAD_BYTES``), else None (a generator, a small file, a missing one)."""
    path = project.data.path
    if not path:
        return None
    file = Path(path)
    if not file.is_absolute() and project.base_dir is not None:
        file = Path(project.base_dir) / file
    if project.data.source == "images":  # an image folder is decoded (or its cache read) on a task
        return file if file.is_dir() else None
    try:
        return file if file.is_file() and file.stat().st_size >= BACKGROUND_LOAD_BYTES else None
    except OSError:
        return None


def default_project() -> Project:
    """What File > New opens: the spiral set with a small MLP, ready to train."""
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "untitled",
        "data": {"source": "spiral", "params": {}},
        "model": {"nodes": [{"id": "input", "type": "Input"},
                            {"id": "linear1", "type": "Linear", "params": {"out_features": 16}},
                            {"id": "relu1", "type": "ReLU"},
                            {"id": "linear2", "type": "Linear", "params": {"out_features": 2}}],
                  "edges": [["input", "linear1"], ["linear1", "relu1"], ["relu1", "linear2"]]},
        "outputs": [{"node": "linear2", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "training": {"optimizer": {"type": "Adam", "params": {"lr": 0.01}}, "epochs": 100, "batch_size": 32},
    })
