"""Parameters a new layer starts with, chosen for the place it is dropped.

A Linear layer that ends a chain already holding a Linear is most likely the last layer: it gets the
target's width (the number of classes, or of regression columns). Anywhere else it is a hidden layer
and gets :data:`HIDDEN_WIDTH` (the catalog's 16 was the same everywhere, and a last layer of 16
never fitted two classes).
"""
from __future__ import annotations

from typing import Any

from core.catalog import LAYERS

__all__ = ["HIDDEN_WIDTH", "target_width", "new_layer_params"]

HIDDEN_WIDTH = 32


def target_width(dataset) -> int | None:
    """The width an output for the first target needs: classes (at least 2) or regression columns."""
    targets = getattr(dataset, "targets", None)
    if not targets:
        return None
    info = next(iter(targets.values()))
    return max(int(info.width), 2) if info.task == "classification" else int(info.width)


def _upstream(project, node_id: str) -> set[str]:
    seen, stack = {node_id}, [node_id]
    while stack:
        for p in project.model.predecessors(stack.pop()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def new_layer_params(project, dataset, type_name: str, after: str | None) -> dict[str, Any]:
    """Params for a ``type_name`` layer inserted after ``after`` (None: placed unconnected).

    Only a dense layer (a ``linear_map`` entry with a ``width_param``, e.g. Linear) gets a width: the
    target's at the end of a network that already has one, else :data:`HIDDEN_WIDTH`."""
    if not _dense(type_name):
        return {}
    key = LAYERS.get(type_name).width_param
    width = target_width(dataset)
    if after is None or width is None or after not in project.model.ids():
        return {key: HIDDEN_WIDTH}
    at_end = not project.model.successors(after)
    dense_before = any(_dense(project.model.node(n).type) for n in _upstream(project, after))
    return {key: width if at_end and dense_before else HIDDEN_WIDTH}


def _dense(type_name: str) -> bool:
    entry = LAYERS.find(type_name)
    return entry is not None and entry.traits.linear_map and entry.width_param is not None  # type: ignore[attr-defined]
