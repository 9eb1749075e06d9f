"""What an edit changes, declared by the edit itself (no Qt).

Every edit of a project (one undo step) says what it changes while it runs, the way napari's evented
models emit one event per field they set: the graph edits of :mod:`core.graph_edits` write their
events into an :class:`EditLog` (``node_added``, ``edge_removed``…), and a settings panel declares
the part it edits (``"data"``, ``"training"``, ``"outputs"``, ``"name"``), whose changed fields are
then named by comparing that one part's fields (:func:`part_events`). Nothing compares whole
documents: an edit of one node parameter costs the same on a 10-node and a 200-node graph.

Events, in the order a view should apply them (``EditEvent.kind``, ``EditEvent.args``):

* ``node_renamed`` (old, new): edges, heads and positions follow; later events use the new id
* ``edge_removed`` (src, dst), then ``node_removed`` (id)
* ``node_added`` (id), ``node_params_changed`` (id), then ``edge_added`` (src, dst)
* ``nodes_moved`` (ids): stored positions changed (nodes that stayed)
* ``outputs_changed`` (ids): the output heads changed; ids of the nodes whose head came, went or changed
* ``data_changed`` (field), ``training_changed`` (field): one per changed field of ``project.data`` /
  ``project.training`` (``DataSpec`` / ``TrainingSpec`` field names)
* ``name_changed`` ()

:func:`ordered` puts a list in that order and keeps only its net effect (an edge added and removed in
the same edit is no event); :func:`inverse` gives the events that undo them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["EditEvent", "EditLog", "PARTS", "GRAPH_KINDS", "ordered", "inverse", "part_events", "undeclared",
           "validate"]

#: the parts of a project an edit may declare as a whole (their changed fields become events)
PARTS = ("data", "training", "outputs", "name")

#: event kinds that change the network (not only its layout or settings)
GRAPH_KINDS = frozenset({"node_renamed", "edge_removed", "node_removed", "node_added", "node_params_changed",
                         "edge_added"})

_ORDER = {k: i for i, k in enumerate((
    "node_renamed", "edge_removed", "node_removed", "node_added", "node_params_changed", "edge_added",
    "nodes_moved", "outputs_changed", "data_changed", "training_changed", "name_changed"))}
_INVERSE_KIND = {"node_added": "node_removed", "node_removed": "node_added",
                 "edge_added": "edge_removed", "edge_removed": "edge_added"}


@dataclass(frozen=True)
class EditEvent:
    kind: str
    args: tuple = ()


class EditLog:
    """What one edit declares it changes, written while its change runs.

    ``EditLog("data")`` declares a whole part (see :data:`PARTS`); the graph edits append node and
    edge events through the methods below (``log=`` of :mod:`core.graph_edits`)."""

    def __init__(self, *parts: str):
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown project part(s) {sorted(unknown)}; parts are {', '.join(PARTS)}")
        self.parts: set[str] = set(parts)
        self.events: list[EditEvent] = []

    def add(self, kind: str, *args: Any) -> None:
        """Record one event (see the module's list)."""
        if kind not in _ORDER:
            raise ValueError(f"unknown edit event {kind!r}")
        self.events.append(EditEvent(kind, args))

    def node_added(self, node_id: str) -> None:
        self.add("node_added", node_id)

    def node_removed(self, node_id: str) -> None:
        self.add("node_removed", node_id)

    def node_renamed(self, old: str, new: str) -> None:
        self.add("node_renamed", old, new)

    def params_changed(self, node_id: str) -> None:
        self.add("node_params_changed", node_id)

    def edge_added(self, src: str, dst: str) -> None:
        self.add("edge_added", src, dst)

    def edge_removed(self, src: str, dst: str) -> None:
        self.add("edge_removed", src, dst)

    def moved(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self.add("nodes_moved", ids)

    def outputs(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self.add("outputs_changed", ids)

    def clear(self) -> None:
        self.events.clear()

    def resolve(self, before, after) -> list[EditEvent]:
        """The edit's events: the logged ones and the changed fields of each declared part
        (``before``/``after``: the project before and after the edit), :func:`ordered`."""
        events = [e for e in self.events if e.kind != "node_params_changed" or _spec(before, e.args[0]) != _spec(
            after, e.args[0])]                    # a parameter set to the value it had is no change
        for part in PARTS:
            if part in self.parts:
                events += part_events(part, before, after)
        events = ordered(events)
        part = undeclared(before, after, events)
        if part:
            raise ValueError(f"the edit changed {part} without declaring it (declare it in the EditLog), "
                             "so it was not applied")
        return events


def _spec(project, node_id: str):
    for n in project.model.nodes:
        if n.id == node_id:
            return n
    return None


def _fields(old: Any, new: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(old) if getattr(old, f.name) != getattr(new, f.name)]


def _heads(project) -> dict[str, list]:
    heads: dict[str, list] = {}
    for o in project.outputs:
        heads.setdefault(o.node, []).append(o)
    return heads


def part_events(part: str, before, after) -> list[EditEvent]:
    """The events of one declared part: a field compare of that part only (a few values)."""
    if part == "data":
        return [EditEvent("data_changed", (f,)) for f in _fields(before.data, after.data)]
    if part == "training":
        return [EditEvent("training_changed", (f,)) for f in _fields(before.training, after.training)]
    if part == "name":
        return [EditEvent("name_changed")] if before.name != after.name else []
    if part == "outputs":
        old, new = _heads(before), _heads(after)
        ids = [n for n in dict.fromkeys([*old, *new]) if old.get(n) != new.get(n)]
        return [EditEvent("outputs_changed", (ids,))] if ids else []
    raise ValueError(f"unknown project part {part!r}")


def undeclared(before, after, events: list[EditEvent]) -> str | None:
    """The first part of the project that differs between ``before`` and ``after`` although no event
    names it (a change the views would never hear of), or None. Compares the small parts and the
    graph's shape; a node's parameters are compared only by an edit that declares no graph change."""
    kinds = {e.kind for e in events}
    checks = (("the data", "data_changed", lambda p: p.data), ("the training settings", "training_changed",
              lambda p: p.training), ("the outputs", "outputs_changed", lambda p: p.outputs),
              ("the name", "name_changed", lambda p: p.name))
    for words, kind, part in checks:
        if kind not in kinds and part(before) != part(after):
            return words
    if not kinds & GRAPH_KINDS:
        m, n = before.model, after.model
        if m.edges != n.edges or m.nodes != n.nodes:
            return "the network"
    return None


def ordered(events: Iterable[EditEvent]) -> list[EditEvent]:
    """``events`` in the order views apply them, reduced to their net effect: a node or edge added
    and removed again in the same edit is dropped, id lists are merged into one event each, and a
    node added or removed is not also reported as moved or re-parametrised."""
    events = list(events)
    nodes = _net(events, "node_added", "node_removed")
    edges = _net(events, "edge_added", "edge_removed")
    touched = {e.args[0] for e in nodes if e.kind in ("node_added", "node_removed")}
    out: list[EditEvent] = _once(e for e in events if e.kind == "node_renamed")
    out += nodes + edges
    out += _once(e for e in events if e.kind == "node_params_changed" and e.args[0] not in touched)
    for kind, skip in (("nodes_moved", touched), ("outputs_changed", set())):
        ids = [n for e in events if e.kind == kind for n in e.args[0] if n not in skip]
        if ids:
            out.append(EditEvent(kind, (list(dict.fromkeys(ids)),)))
    out += _once(e for e in events if e.kind in ("data_changed", "training_changed", "name_changed"))
    return sorted(out, key=lambda e: _ORDER[e.kind])


def _once(events: Iterable[EditEvent]) -> list[EditEvent]:
    return list(dict.fromkeys(events))


def _net(events: list[EditEvent], add: str, remove: str) -> list[EditEvent]:
    """The net additions and removals of one kind of thing (nodes or edges), each once."""
    first: dict[tuple, str] = {}
    last: dict[tuple, str] = {}
    for e in events:
        if e.kind in (add, remove):
            first.setdefault(e.args, e.kind)
            last[e.args] = e.kind
    out = []
    for key, kind in first.items():
        if kind == remove:                        # it was there before: gone, or replaced (removed, added again)
            out.append(EditEvent(remove, key))
            if last[key] == add:
                out.append(EditEvent(add, key))
        elif last[key] == add:                    # new, and still there
            out.append(EditEvent(add, key))
    return out


def inverse(events: Iterable[EditEvent]) -> list[EditEvent]:
    """The events that undo ``events`` (an :func:`ordered` list): additions become removals, renames
    go back, and ids named after a rename are named by their old id again."""
    events = list(events)
    back = {e.args[1]: e.args[0] for e in events if e.kind == "node_renamed"}

    def name(n: str) -> str:
        return back.get(n, n)
    out = []
    for e in events:
        if e.kind == "node_renamed":
            out.append(EditEvent("node_renamed", (e.args[1], e.args[0])))
        elif e.kind in ("nodes_moved", "outputs_changed"):
            out.append(EditEvent(e.kind, ([name(n) for n in e.args[0]],)))
        elif e.kind.startswith(("node_", "edge_")):
            out.append(EditEvent(_INVERSE_KIND.get(e.kind, e.kind), tuple(name(n) for n in e.args)))
        else:
            out.append(e)
    # removals first: a node replaced under its id (removed, added) is replaced again, not dropped
    return ordered(sorted(out, key=lambda e: e.kind not in ("node_removed", "edge_removed")))


def validate(project, events: Iterable[EditEvent]) -> None:
    """Check (and normalise) the parts of ``project`` that ``events`` changed, as ``Project.from_dict``
    would; raises ``ProjectError`` naming the JSON path. The rest of the project was valid already."""
    from .project_revalidate import revalidate
    events = list(events)
    kinds = {e.kind for e in events}
    nodes = {e.args[0] for e in events if e.kind in ("node_added", "node_params_changed")}
    structure = bool(kinds & GRAPH_KINDS - {"node_params_changed"})
    revalidate(project, nodes=nodes, structure=structure, outputs=structure or "outputs_changed" in kinds,
               data="data_changed" in kinds, training="training_changed" in kinds,
               name="name_changed" in kinds, view="nodes_moved" in kinds)
