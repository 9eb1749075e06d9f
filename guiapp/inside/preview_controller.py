"""``NodePreviewer``: which node the preview shows (the hovered one, else the selected one), when it
is computed again (an edit, new data, new weights), and where (on the GUI thread when quick, else on
a :class:`~guiapp.tasks.TaskRunner` with stale results dropped).

A preview that took more than :data:`SLOW_MS` moves the next ones to the task thread; while one
computes there, new requests wait and only the newest is computed next (each request carries a
generation number, and a result whose generation is not the newest is dropped).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal

from ..tasks import TaskRunner
from .preview_engine import PreviewEngine, PreviewRequest, PreviewResult

#: a preview slower than this (ms) is computed off the GUI thread from then on
SLOW_MS = 30.0
#: hovering settles for this long before the preview follows the pointer
HOVER_MS = 120
#: new weights during training refresh the preview at most this often
WEIGHTS_MS = 250

#: ``() -> (state_dict or None, tag, label)``: the weights a preview runs with
WeightsSource = Callable[[], tuple]


def _initial() -> tuple:
    return None, "", "initial weights (untrained)"


class NodePreviewer(QObject):
    """Follows the canvas (selection and hover) and the document; emits ``previewReady`` results."""

    previewReady = Signal(object)       # PreviewResult
    targetChanged = Signal(object)      # the node id shown now, or None

    def __init__(self, document, canvas=None, parent=None):
        super().__init__(parent)
        self.document = document
        self.canvas = canvas
        self.engine = PreviewEngine(document.dataset)
        self.weights_source: WeightsSource = _initial
        self.enabled = True                 # False while nobody can see the preview (a hidden dock)
        self.generation = 0
        self.estimate_ms = 0.0              # the last preview's time: decides GUI thread or task
        self.selected: str | None = None
        self.hovered: str | None = None
        self.last: PreviewResult | None = None
        self._pending: PreviewRequest | None = None
        self._data_pending = False
        self._stale = True
        self.runner = TaskRunner(self, interval_ms=15, name="LossLabPreview")
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
        self._hover_timer = QTimer(self, singleShot=True, interval=HOVER_MS, timeout=self.refresh)
        self._weights_timer = QTimer(self, singleShot=True, interval=WEIGHTS_MS, timeout=self._on_weights_timeout)
        self._weights_again = False
        document.graphChanged.connect(self._on_document_graphChanged)      # the network the preview runs
        document.trainingChanged.connect(self._on_document_trainingChanged)
        document.datasetChanged.connect(self._on_document_datasetChanged)
        document.nodeRenamed.connect(self._on_document_nodeRenamed)
        if canvas is not None:
            canvas.selectionChangedTo.connect(self._on_canvas_selectionChangedTo)
            canvas.viewport().setMouseTracking(True)
            canvas.viewport().installEventFilter(self)

    @property
    def target(self) -> str | None:
        """The node shown: the one under the pointer, else the first selected one."""
        return self.hovered or self.selected

    # -- what to show -----------------------------------------------------------------------------
    def show_node(self, node_id: str | None) -> None:
        """Preview ``node_id`` (as if it were selected)."""
        self.selected = node_id
        self.refresh()

    def weights_changed(self) -> None:
        """New weights (an epoch, a run's end): refresh soon, at most every :data:`WEIGHTS_MS`."""
        if self._weights_timer.isActive():
            self._weights_again = True       # once more after this one: the last change is never missed
        else:
            self._weights_timer.start()

    def _on_weights_timeout(self) -> None:
        self.refresh()
        if self._weights_again:
            self._weights_again = False
            self._weights_timer.start()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled and self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Compute the target's preview now (or as soon as the one computing has ended)."""
        if not self.enabled:
            self._stale = True
            return
        self._stale = False
        self.generation += 1
        node = self.target
        if node is None or node not in self.document.project.model.ids():
            self._emit(PreviewResult(self.generation, None))
            return
        if self.engine.dataset is None and not self._data_pending:
            error = self.document.data_error or "the data is not loaded yet"
            self._emit(PreviewResult(self.generation, node, error=f"No preview: {error}"))
            return
        state, tag, label = self.weights_source()
        async_ = self.runner.is_running() or self.estimate_ms > SLOW_MS
        project = self.document.project.copy() if async_ else self.document.project
        request = PreviewRequest(self.generation, node, project, state, tag, label, self.document.check)
        if self.runner.is_running():
            self._pending = request          # only the newest waits
        elif async_:
            self.runner.start(self.engine.compute, request)
        else:
            self._finish(self.engine.compute(request))

    # -- results ----------------------------------------------------------------------------------
    def _finish(self, result: PreviewResult) -> None:
        self.estimate_ms = result.ms
        if result.generation == self.generation:
            self._emit(result)

    def _emit(self, result: PreviewResult) -> None:
        self.last = result
        self.previewReady.emit(result)

    def _on_runner_taskFinished(self, outcome) -> None:
        if outcome.ok and isinstance(outcome.value, PreviewResult):
            self._finish(outcome.value)
        elif outcome.error is not None:
            self._emit(PreviewResult(self.generation, self.target, error=f"The preview failed: {outcome.message}"))
        if self._data_pending:
            self._data_pending = False
            self.engine.set_data(self.document.dataset)
        pending, self._pending = self._pending, None
        if pending is not None or self._stale:
            self.refresh()               # the newest request, with the newest project and weights

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until a preview computing on the task thread has ended (tests, closing)."""
        return self.runner.wait(timeout_ms)

    # -- the document and the canvas --------------------------------------------------------------
    def _on_document_trainingChanged(self, _fields: list) -> None:
        self.refresh()                    # its seed and the weights it starts from

    def _on_document_graphChanged(self) -> None:
        ids = self.document.project.model.ids()
        if self.selected not in ids:
            self.selected = None
        if self.hovered not in ids:
            self.hovered = None
        self.refresh()

    def _on_document_datasetChanged(self, dataset) -> None:
        if self.runner.is_running():
            self._data_pending = True     # the task still reads the old caches
            self._stale = True
        else:
            self.engine.set_data(dataset)
            self.estimate_ms = 0.0
            self.refresh()

    def _on_document_nodeRenamed(self, old: str, new: str) -> None:
        if self.selected == old:
            self.selected = new
        if self.hovered == old:
            self.hovered = new

    def _on_canvas_selectionChangedTo(self, ids: list) -> None:
        chosen = ids[0] if ids else None
        if chosen != self.selected:
            self.selected = chosen
            self.targetChanged.emit(self.target)
            self.refresh()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.MouseMove and event.buttons() == Qt.MouseButton.NoButton:
            self._hover(self._node_at(event.position().toPoint()))
        elif kind == QEvent.Type.Leave:
            self._hover(None)
        return False

    def _node_at(self, pos) -> str | None:
        item = self.canvas.itemAt(pos)
        while item is not None and not hasattr(item, "node_id"):
            item = item.parentItem()
        return getattr(item, "node_id", None)

    def _hover(self, node: str | None) -> None:
        if node != self.hovered:
            self.hovered = node
            self.targetChanged.emit(self.target)
            self._hover_timer.start()
