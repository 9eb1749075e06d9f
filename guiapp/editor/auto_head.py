"""The output head a new user forgets: added by itself when it is unambiguous, else explained.

After an edit of the model, when the project has no output head, the graph has exactly one last node
(no successors, not the Input) and that node's width fits the first target (the number of classes,
or the regression columns), it becomes the output head with the usual loss (cross-entropy for
classes, MSE for numbers) as its own undo step. Otherwise :func:`head_hint` says what to do, for the
Inspector's problem list.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from core.catalog import LAYERS, default_loss
from core.project import Component, OutputSpec

from .layer_defaults import target_width

__all__ = ["AutoOutputHead", "head_to_add", "head_hint"]

def _last_nodes(project) -> list[str]:
    return [n.id for n in project.model.nodes
            if not LAYERS.get(n.type).is_input and not project.model.successors(n.id) and project.model.predecessors(n.id)]


def _width(check, node_id: str) -> int | None:
    info = check.nodes.get(node_id) if check is not None else None
    shape = getattr(info, "out_shape", None)
    return int(shape[-1]) if shape and len(shape) == 1 else None


def head_to_add(project, check, dataset) -> OutputSpec | None:
    """The head to add now, or None."""
    width = target_width(dataset)
    if project.outputs or width is None:
        return None
    last = _last_nodes(project)
    if len(last) != 1 or _width(check, last[0]) != width:
        return None
    task = next(iter(dataset.targets.values())).task
    return OutputSpec(last[0], Component(default_loss(task)))


def head_hint(project, check, dataset) -> str:
    """Why no head was added and how to get one ("" when the project has one)."""
    width = target_width(dataset)
    if project.outputs or width is None:
        return ""
    last = _last_nodes(project)
    need = f"{width} (the number of classes)" if next(iter(dataset.targets.values())).task == "classification" \
        else f"{width} (the target's columns)"
    if not last:
        return f"No output head yet: add a Linear layer with out_features {need} below the Input."
    if len(last) > 1:
        return (f"No output head yet: {len(last)} layers end the graph ({', '.join(last)}); connect them to one "
                "last layer or pick the head in Outputs.")
    have = _width(check, last[0])
    return (f"No output head yet: the last layer {last[0]} gives {have if have is not None else 'a shape of'} "
            f"values; give it {need} (e.g. a Linear with out_features {width}) and it becomes the head.")


class AutoOutputHead(QObject):
    """Watches ``document`` and adds the head when :func:`head_to_add` finds one, after a model edit
    (not on open, and not on undo/redo: a new step would wipe the redo history)."""

    def __init__(self, document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        document.graphChanged.connect(self._on_document_graphChanged)

    def _on_document_graphChanged(self) -> None:
        if not self.document.project.outputs:
            # the edit's own undo command is still being pushed: add the head once it is on the stack
            QTimer.singleShot(0, self._add_if_fits)

    def _add_if_fits(self) -> None:
        stack = self.document.undo_stack
        if stack.count() == 0 or stack.index() != stack.count():
            return      # a project just opened or made (not an edit), or an undo: leave them alone
        head = head_to_add(self.document.project, self.document.check, self.document.dataset)
        if head is not None:
            self.document.edit(f"Make {head.node} the output head", lambda p: p.outputs.append(head), "outputs")
