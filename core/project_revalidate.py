"""Validate the parts of a project that an edit changed, as ``Project.from_dict`` would (no Qt).

An edit starts from a valid project, so only what it changed needs checking: the nodes it added or
re-parametrised, the graph's ids and edges when it changed them, the output heads, the data or the
training settings. Each part is checked by the same parser that reads project files, so a value is
refused (and normalised, e.g. ``3`` -> ``3.0`` for a float) exactly as when a file is opened; a
200-node graph is not parsed again for one parameter.
"""
from __future__ import annotations

from typing import Iterable

from .project import (Project, _fail, _names, _output_dict, _parse_data, _parse_outputs,
                      _parse_training, _node_dict, _short, data_dict, parse_node, training_dict)

__all__ = ["revalidate"]


def revalidate(project: Project, *, nodes: Iterable[str] = (), structure: bool = False, outputs: bool = False,
               data: bool = False, training: bool = False, name: bool = False, view: bool = False) -> None:
    """Check (and normalise in place) the named parts of ``project``; raises :class:`ProjectError`
    naming the JSON path of the first problem, like ``Project.from_dict``.

    ``nodes``: ids whose spec changed; ``structure``: node ids and edges; ``outputs``: the heads
    (always checked against the node ids); ``data``/``training``/``name``/``view``: those parts."""
    model = project.model
    wanted = set(nodes)
    if wanted or structure:
        seen: set[str] = set()
        for i, n in enumerate(model.nodes):
            if n.id in wanted:
                model.nodes[i] = parse_node(_node_dict(n), f"model.nodes[{i}]", seen)
            elif structure:
                if not isinstance(n.id, str) or not n.id.strip():
                    _fail(f"model.nodes[{i}].id", f"expected a non-empty name, received {_short(n.id)}")
                if n.id in seen:
                    _fail(f"model.nodes[{i}].id", f"duplicate node id {n.id!r}: give each node its own id")
                seen.add(n.id)
        missing = wanted - {n.id for n in model.nodes}
        if missing:
            _fail("model.nodes", f"no node {sorted(missing)[0]!r} in the model")
    if structure:
        _check_edges(project, {n.id for n in model.nodes})
    if outputs or structure:
        project.outputs = _parse_outputs([_output_dict(o) for o in project.outputs], model)
    if data:
        project.data = _parse_data(data_dict(project.data))
    if training:
        project.training = _parse_training(training_dict(project.training))
    if name and not isinstance(project.name, str):
        _fail("name", f"expected text, received {_short(project.name)}")
    if view and project.view is not None and not isinstance(project.view, dict):
        _fail("view", "expected an object")


def _check_edges(project: Project, ids: set[str]) -> None:
    seen: set[tuple[str, str]] = set()
    for i, e in enumerate(project.model.edges):
        w = f"model.edges[{i}]"
        if not (isinstance(e, (tuple, list)) and len(e) == 2 and all(isinstance(x, str) for x in e)):
            _fail(w, f"expected [\"from_id\", \"to_id\"], received {_short(e)}")
        for x in e:
            if x not in ids:
                _fail(w, f"edge refers to unknown node {x!r}; nodes are: {_names(ids)}")
        edge = (e[0], e[1])
        if edge in seen:
            _fail(w, f"duplicate edge {_short(list(e))}")
        seen.add(edge)
    project.model.edges = [(a, b) for a, b in project.model.edges]

