"""The one owner of project state in the window: the project, its undo stack, file path, dirty flag.

Every edit is an :class:`EditCommand` on the undo stack holding the project before and after and
the events between them, forward and backward, declared once by the edit (``core.edit_events``):
undo/redo install the other project and emit the other list, so every kind of edit is exactly
reversible and nothing compares whole documents. An edit runs on a copy of the project and only
the parts it declares changed are validated (``core.project_revalidate``, the file parser's rules):
an invalid edit is refused with the reason and changes nothing. Views read ``document.project`` and
listen to the signals of exactly what they show; they never mutate the project themselves.

The signals, in the order one edit, undo or redo emits them: first the items, ``nodeRenamed``,
``edgeRemoved``, ``nodeRemoved``, ``nodeAdded``, ``nodeParamsChanged``, ``edgeAdded``,
``nodesMoved`` (the canvas follows them one by one); then ``checkUpdated`` (shapes, problems) when
the model, data or outputs changed; then the parts, for views that show one as a whole and read the
fresh check: ``graphChanged`` once when the network changed (any item signal but a move),
``outputsChanged(ids)``, ``nameChanged``, ``dataChanged(fields)`` and ``trainingChanged(fields)``
(the names of the changed ``DataSpec``/``TrainingSpec`` fields, once per edit: a view redraws once).
Loading another project (new, open) emits ``projectReplaced`` (views rebuild), then, once the new
data is in and checked, every part's signal (``dataChanged``/``trainingChanged`` naming every
field, ``outputsChanged`` naming every head), so a view that follows one part needs no other signal.

Views that take long to show a whole new project or data set (the Data panel, the Runs list) show it
through :meth:`ProjectDocument.show_in_turn`: after an edit at once, while a whole project or data set
is installed in a turn of its own (``guiapp.turns``), so an Open's views are refreshed, laid out and
painted apart, and the window answers in between; the document's state is whole before any of them.

Data: a data file of ``BACKGROUND_LOAD_BYTES`` or more (a big CSV) is read in a child process
(``core.data.process_load``) by a task on the document's task runner, whatever asked for it (File ▸ Open, an undo, a data edit): until it is in, ``dataset``
and ``check`` are None and Run says the data is not loaded yet; ``dataLoadChanged(text, fraction)``
reports the progress (``""`` once it ended), then ``datasetChanged``, ``dataErrorChanged`` and
``checkUpdated`` follow as after a load on the spot. A newer load supersedes a running one.
"""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from core.diagnostics.lint import lint_project
from core.edit_events import GRAPH_KINDS, EditEvent, EditLog, inverse, ordered, validate
from core.graph import GraphCheck, Problem, check_graph
from core.project import Project, ProjectError, data_dict

#: a data file this big or bigger is read on a background task (about 50,000 rows of a 5-column CSV)
BACKGROUND_LOAD_BYTES = 2_000_000

#: what ``ProjectDocument.edit`` takes as the edit's declaration: an ``EditLog`` the change writes
#: into (it may declare parts too), a part name (``core.edit_events.PARTS``), an ``EditEvent``, or a
#: list of names and events
Declared = "EditLog | str | tuple[str, ...] | list"

_merge_ids: dict[str, int] = {}

#: ``core.edit_events`` kind -> the document's signal
_SIGNALS = {"node_added": "nodeAdded", "node_removed": "nodeRemoved", "node_renamed": "nodeRenamed",
            "node_params_changed": "nodeParamsChanged", "edge_added": "edgeAdded", "edge_removed": "edgeRemoved",
            "nodes_moved": "nodesMoved", "outputs_changed": "outputsChanged", "data_changed": "dataChanged",
            "training_changed": "trainingChanged", "name_changed": "nameChanged"}
#: the scene's item-by-item events, emitted before the check
_ITEM_SIGNALS = {k: v for k, v in _SIGNALS.items() if k.startswith(("node_", "edge_")) or k == "nodes_moved"}
#: events of one field each, emitted together as one list per edit
_FIELD_SIGNALS = {"data_changed": "dataChanged", "training_changed": "trainingChanged"}


def data_key(data: dict, base_dir) -> str:
    """What the loaded tensors depend on: the data spec but ``augment``, which changes training batches
    only (an augmentation edit reloads nothing: a big CSV would vanish from the window meanwhile)."""
    return repr({k: v for k, v in data.items() if k != "augment"}) + str(base_dir)


def _merge_id(key: str) -> int:
    return _merge_ids.setdefault(key, len(_merge_ids) + 1)


class EditCommand(QUndoCommand):
    """Swap between two projects, emitting the events between them (forward on redo, backward on
    undo, both worked out once); consecutive edits with the same merge key merge (one slider drag,
    one node drag = one undo step)."""

    def __init__(self, doc: "ProjectDocument", text: str, before: Project, after: Project,
                 events: list[EditEvent], merge_key: str | None = None):
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after
        self.merge_key = merge_key
        self.forward = events
        self.backward = inverse(events)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _merge_id(self.merge_key) if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if (not isinstance(other, EditCommand) or other.merge_key != self.merge_key or not self.merge_key
                or _renames(self.forward) or _renames(other.forward)):
            return False
        self.after = other.after
        self.forward = ordered(self.forward + other.forward)
        self.backward = inverse(self.forward)
        return True

    def redo(self) -> None:
        self.doc._install(self.after, self.forward)

    def undo(self) -> None:
        self.doc._install(self.before, self.backward)


def _renames(events: list[EditEvent]) -> bool:
    return any(e.kind == "node_renamed" for e in events)


class SavedContent:
    """The project as it was saved or opened, to say whether there are unsaved changes by content: edits
    that brought the project back to what was saved (the same CSV chosen again) leave nothing unsaved.
    Compared with the data path made absolute; recovered work (no clean state) is always unsaved."""

    def __init__(self) -> None:
        self._content: dict | None = None

    def mark(self, project: Project) -> None:
        """Remember ``project`` as it is now as the saved one (before the undo stack's ``setClean``)."""
        from core.project_paths import comparable_dict
        self._content = comparable_dict(project)

    def differs(self, project: Project, stack: QUndoStack) -> bool:
        if stack.isClean():
            return False
        if stack.cleanIndex() < 0 or self._content is None:
            return True
        from core.project_paths import comparable_dict
        return comparable_dict(project) != self._content


class ProjectDocument(QObject):
    nodeAdded = Signal(str)
    nodeRemoved = Signal(str)
    nodeRenamed = Signal(str, str)     # old id, new id
    nodeParamsChanged = Signal(str)
    edgeAdded = Signal(str, str)
    edgeRemoved = Signal(str, str)
    nodesMoved = Signal(list)          # ids whose stored position changed
    outputsChanged = Signal(list)      # ids of the nodes whose output head came, went or changed
    graphChanged = Signal()            # once per edit that changed the network (after the node/edge signals)
    dataChanged = Signal(list)         # the ``DataSpec`` fields one edit changed (every field: a new project)
    trainingChanged = Signal(list)     # the ``TrainingSpec`` fields one edit changed (every field: a new project)
    nameChanged = Signal()
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
        self.undo_stack.indexChanged.connect(self._on_undo_stack_clean_changed)
        self._project = project or default_project()
        self._saved = SavedContent()                # the project as saved or opened (see ``dirty``)
        self._dirty = False
        self._path: Path | None = None
        self._dataset = None
        self._data_key: str | None = None
        self.data_error = ""
        self.check: GraphCheck | None = None
        self._lint: list = []
        self._primed = None
        self._loader = None             # guiapp.tasks.TaskRunner for big data files, made on first use
        self._loading_key: str | None = None
        self._installing = 0            # > 0 while a whole project or data set is installed
        if load_data:
            self._refresh_all()

    def _on_undo_stack_clean_changed(self, *_args) -> None:
        dirty = self._saved.differs(self._project, self.undo_stack)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def dirty(self) -> bool:
        return self._dirty

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
    def edit(self, text: str, change: Callable[[Project], None], declared: Declared,
             merge_key: str | None = None) -> bool:
        """Apply ``change`` to a copy of the project; push it as one undo step if it validates.

        ``declared`` says what the change changes: an :class:`EditLog` that ``change`` writes its
        graph edits into (``core.graph_edits``' ``log=``), a part name (``"data"``, ``"training"``,
        ``"outputs"``, ``"name"``: its changed fields are named by comparing that part), or
        ``EditEvent``s known before the change runs (one edge, one parameter), alone or in a list
        with part names. Only the declared parts are validated and emitted. Returns False (and emits
        ``editRefused`` with the reason) when the result is not a valid project or changed a part it
        did not declare; True otherwise (also when it changed nothing: no undo step then).
        """
        log = _log_of(declared)
        work = self._project.copy()
        try:
            change(work)
            events = log.resolve(self._project, work)
            validate(work, events)
        except (ProjectError, ValueError, KeyError) as e:
            self.editRefused.emit(str(e))
            return False
        if not events:
            return True
        self.undo_stack.push(EditCommand(self, text, self._project, work, events, merge_key))
        return True

    def _install(self, project: Project, events: list[EditEvent]) -> None:
        project.base_dir = self._project.base_dir    # a save since the edit may have set it
        self._project = project
        kinds = {e.kind for e in events}
        if "data_changed" in kinds:
            self._reload_data()
        for event in events:                         # the scene follows these item by item
            if event.kind in _ITEM_SIGNALS:
                getattr(self, _ITEM_SIGNALS[event.kind]).emit(*event.args)
        if kinds & (GRAPH_KINDS | {"outputs_changed", "data_changed"}):
            self._recheck()
        # then the parts, for views that show a part as a whole (they read the fresh check)
        if kinds & GRAPH_KINDS:
            self.graphChanged.emit()
        for event in events:
            if event.kind in ("outputs_changed", "name_changed"):
                getattr(self, _SIGNALS[event.kind]).emit(*event.args)
        for kind, signal in _FIELD_SIGNALS.items():  # one emission per part: a view redraws once per edit
            fields = [e.args[0] for e in events if e.kind == kind]
            if fields:
                getattr(self, signal).emit(fields)

    # -- whole documents -------------------------------------------------------------------------
    def show_in_turn(self, job: Callable[[], None], owner: QObject) -> None:
        """A view's refresh (``job``, a bound method: asked twice before its turn, it runs once): now
        after an edit; while a whole project or data set is installed, in a turn of its own after the
        installing one, dropped if ``owner`` was deleted first."""
        if self._installing:
            from . import turns
            turns.later(job, owner=owner)
        else:
            job()

    def replace(self, project: Project, path: str | Path | None = None) -> None:
        """Install a new or opened project: clears undo history and marks it clean."""
        self._installing += 1
        try:
            self._project = project
            self._path = Path(path) if path else None
            self.undo_stack.clear()
            self.undo_stack.setClean()
            self._saved.mark(self._project)
            self._data_key = None
            self.projectReplaced.emit()
            self._refresh_all()
            self.pathChanged.emit(str(self._path or ""))
            self._dirty = False
            self.dirtyChanged.emit(False)
        finally:
            self._installing -= 1

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
        self._saved.mark(self._project)
        self.undo_stack.setClean()
        self._on_undo_stack_clean_changed()
        self.pathChanged.emit(str(target))
        return target

    # -- positions -------------------------------------------------------------------------------
    def node_position(self, node_id: str) -> tuple[float, float] | None:
        pos = ((self._project.view or {}).get("nodes") or {}).get(node_id)
        return (float(pos[0]), float(pos[1])) if isinstance(pos, (list, tuple)) and len(pos) == 2 else None

    # -- derived state -----------------------------------------------------------------------------
    def _refresh_all(self) -> None:
        """A whole new project: its data, the check, then every part's signal (naming every field)."""
        self._reload_data()
        self._recheck()
        self.graphChanged.emit()
        self.outputsChanged.emit(list(dict.fromkeys(self._project.output_nodes())))
        self.nameChanged.emit()
        self.dataChanged.emit([f.name for f in dataclasses.fields(self._project.data)])
        self.trainingChanged.emit([f.name for f in dataclasses.fields(self._project.training)])

    def _reload_data(self) -> None:
        key = data_key(data_dict(self._project.data), self._project.base_dir)
        if key == self._data_key:
            return
        self._data_key = key
        if self._loading_key is not None:  # superseded: its result is never used
            self._loader.cancel()
            self._loading_key = None
            self.dataLoadChanged.emit("", 1.0)
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
        self._loader.start(core.data.process_load.load_dataset_in_process, copy.deepcopy(self._project.data),
                           self._project.base_dir)
        self.dataLoadChanged.emit(self._loading_text, 0.0)

    def _on_loader_progressChanged(self, fraction: float, _status: str) -> None:  # noqa: N802 - the signal's name
        if self._loading_key is not None:
            self.dataLoadChanged.emit(self._loading_text, fraction)

    def _on_loader_taskFinished(self, outcome) -> None:  # noqa: N802 - the signal's name
        key = self._loading_key
        if key is None:
            return
        self._loading_key = None
        self.dataLoadChanged.emit("", 1.0)
        if key != self._data_key or outcome.cancelled:
            return
        self._installing += 1
        try:
            self._dataset = outcome.value if outcome.error is None else None
            self.data_error = outcome.message if outcome.error is not None else ""
            self.datasetChanged.emit(self._dataset)
            self.dataErrorChanged.emit(self.data_error)
            self._recheck()
        finally:
            self._installing -= 1

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


def _log_of(declared: Declared) -> EditLog:
    """The :class:`EditLog` of an edit's declaration: the log itself, or one holding the named parts
    and the given events (an edit whose events are known before it runs: one edge, one parameter)."""
    if isinstance(declared, EditLog):
        declared.clear()            # a change that runs again logs again
        return declared
    items = [declared] if isinstance(declared, (str, EditEvent)) else list(declared)
    log = EditLog(*(i for i in items if isinstance(i, str)))
    log.events = [i for i in items if isinstance(i, EditEvent)]
    return log


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
