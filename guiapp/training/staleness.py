"""Whether the curves and findings on screen still belong to the model in the document.

After an edit of the model, the data or the outputs, or when the data fails to load, the last run's
curves, its "Completed" line and its findings describe a model that is no longer the one shown: the
views grey them and say "from the previous model" until the next Run (or Reset clears them). The
parts are compared by content with the project the run trained, so an edit undone by hand (the exact
CSV the run used chosen again) makes them the run's again.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

__all__ = ["StaleMarker", "STALE_PARTS", "STALE_TEXT"]

#: the parts of a project a run was trained from, as the reason names them
STALE_PARTS = {"model": "the model", "data": "the data", "outputs": "the outputs"}
STALE_TEXT = "From the previous model"


class StaleMarker(QObject):
    """``staleChanged(bool)`` when the shown run stops (or starts again) matching the document;
    ``reason`` says why ("the model was edited", "the data could not be loaded: …")."""

    staleChanged = Signal(bool)

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.controller = controller
        self.stale = False
        self.reason = ""
        self._changed: set[str] = set()   # the parts edited since the shown run
        self._trained: dict | None = None  # the parts of the project the shown run trained, as content
        controller.runStarted.connect(self._on_fresh)
        controller.historyCleared.connect(self._on_fresh)
        document = controller.document
        document.graphChanged.connect(self._on_document_graphChanged)
        document.outputsChanged.connect(self._on_document_outputsChanged)
        document.dataChanged.connect(self._on_document_dataChanged)
        document.dataErrorChanged.connect(self._on_document_dataErrorChanged)

    def _has_run(self) -> bool:
        return self.controller.history.n_steps > 0

    def _set(self, stale: bool, reason: str = "") -> None:
        reason = reason if stale else ""
        # a new reason is news too: after the data loads again, "the data could not be loaded" stayed
        if stale != self.stale or reason != self.reason:
            self.stale, self.reason = stale, reason
            self.staleChanged.emit(stale)

    def _on_fresh(self, *_args) -> None:
        self._changed.clear()
        project = getattr(self.controller, "trained_project", None)
        self._trained = _parts(project) if project is not None else None
        self._set(False)

    def _on_document_graphChanged(self) -> None:
        self._on_part_changed("model")

    def _on_document_outputsChanged(self, _ids: list) -> None:
        self._on_part_changed("outputs")

    def _on_document_dataChanged(self, _fields: list) -> None:
        self._on_part_changed("data")

    def _on_part_changed(self, part: str) -> None:
        if not self._has_run():
            return
        if self._trained is not None:        # by content: a change made and unmade is no change
            now = _parts(self.controller.document.project)
            self._changed = {p for p in STALE_PARTS if now[p] != self._trained[p]}
        else:
            self._changed.add(part)
        if self.controller.document.data_error:      # the reason that matters most, until it is fixed
            return self._on_document_dataErrorChanged(self.controller.document.data_error)
        if not self._changed:
            return self._set(False)
        what = STALE_PARTS[next(iter(self._changed))] if len(self._changed) == 1 else "the project"
        self._set(True, f"{what} changed since this run; Run trains the new one")

    def _on_document_dataErrorChanged(self, message: str) -> None:
        if message and self._has_run():
            from ..panels.window_words import in_window_words
            self._set(True, f"the data could not be loaded: {in_window_words(message)}")


def _parts(project) -> dict[str, object]:
    """The parts a run is trained from, comparable by content (the data path made absolute)."""
    from core.project_paths import comparable_dict
    d = comparable_dict(project)
    return {part: d.get(part) for part in STALE_PARTS}
