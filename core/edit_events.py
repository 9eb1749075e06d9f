"""What an edit did to a project, as fine-grained events (no Qt).

An edit (an undo step) holds the project document before and after; :func:`edit_events` names the
changes between them, so views update exactly what changed instead of redrawing the project (as
orange-canvas-core's ``Scheme`` emits ``node_added`` / ``link_removed``). A rename cannot be told
from "one node gone, one new" by looking, so the edit declares it (``renames``: old id -> new id) and
the events say so; undo passes the inverse mapping.

Events, in the order a view should apply them (``EditEvent.kind``, ``EditEvent.args``):

* ``node_renamed`` (old, new): edges, heads and positions follow; later events use the new id
* ``edge_removed`` (src, dst), then ``node_removed`` (id)
* ``node_added`` (id), ``node_params_changed`` (id), then ``edge_added`` (src, dst)
* ``nodes_moved`` (ids): stored positions changed (nodes that stayed)
* ``outputs_changed`` (ids): the output heads changed; ids of the nodes whose head came, went or changed
* ``data_changed`` (), ``training_changed`` (), ``name_changed`` ()
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EditEvent", "edit_events", "kind_of"]


@dataclass(frozen=True)
class EditEvent:
    kind: str
    args: tuple = ()


def _nodes(doc: dict) -> dict[str, dict]:
    return {n["id"]: n for n in doc["model"]["nodes"]}


def _heads(doc: dict) -> dict[str, list]:
    heads: dict[str, list] = {}
    for o in doc.get("outputs") or []:
        heads.setdefault(o["node"], []).append(o)
    return heads


def edit_events(before: dict, after: dict, renames: dict[str, str] | None = None) -> list[EditEvent]:
    """The events that turn ``before`` into ``after`` (both ``Project.to_dict()`` documents)."""
    renames = {a: b for a, b in (renames or {}).items() if a != b}
    r = renames.get
    events = [EditEvent("node_renamed", (old, new)) for old, new in renames.items()]
    old_nodes = {r(k, k): v for k, v in _nodes(before).items()}
    new_nodes = _nodes(after)
    old_edges = [(r(a, a), r(b, b)) for a, b in before["model"]["edges"]]
    new_edges = [tuple(e) for e in after["model"]["edges"]]
    old_set, new_set = set(old_edges), set(new_edges)
    events += [EditEvent("edge_removed", e) for e in old_edges if e not in new_set]
    replaced = {n for n in old_nodes.keys() & new_nodes.keys() if old_nodes[n]["type"] != new_nodes[n]["type"]}
    events += [EditEvent("node_removed", (n,)) for n in old_nodes if n not in new_nodes or n in replaced]
    events += [EditEvent("node_added", (n,)) for n in new_nodes if n not in old_nodes or n in replaced]
    events += [EditEvent("node_params_changed", (n,)) for n, spec in new_nodes.items()
               if n in old_nodes and n not in replaced and _settings(spec) != _settings(old_nodes[n])]
    events += [EditEvent("edge_added", e) for e in new_edges
               if e not in old_set or (set(e) & replaced)]
    old_pos = {r(k, k): v for k, v in ((before.get("view") or {}).get("nodes") or {}).items()}
    new_pos = (after.get("view") or {}).get("nodes") or {}
    moved = [n for n in new_nodes if n in old_nodes and n not in replaced and new_pos.get(n) != old_pos.get(n)]
    if moved:
        events.append(EditEvent("nodes_moved", (moved,)))
    old_heads = {r(k, k): v for k, v in _heads(before).items()}
    new_heads = _heads(after)
    heads = [n for n in dict.fromkeys([*old_heads, *new_heads]) if old_heads.get(n) != new_heads.get(n)]
    if heads:                 # a head on a renamed node is listed too: its ``node`` field changed
        events.append(EditEvent("outputs_changed", (heads,)))
    for key, kind in (("data", "data_changed"), ("training", "training_changed"), ("name", "name_changed")):
        if before.get(key) != after.get(key):
            events.append(EditEvent(kind))
    return events


def kind_of(events: list[EditEvent]) -> str:
    """The coarse kind (``model``, ``data``, ``outputs``, ``training``, ``view``, ``name`` or ``all``)
    that ``ProjectDocument.projectChanged`` still reports for views that redraw as a whole."""
    kinds: set[str] = set()
    for e in events:
        if e.kind.startswith(("node_", "edge_")):
            kinds.add("model")
        elif e.kind == "nodes_moved":
            kinds.add("view")
        else:
            kinds.add(e.kind.removesuffix("_changed"))
    if not kinds:
        return "view"
    return kinds.pop() if len(kinds) == 1 else "all"



def _settings(spec: dict) -> dict:
    """A node's settings beyond its id and type (params; small data's init, frozen, lr_multiplier)."""
    return {k: v for k, v in spec.items() if k not in ("id", "type")} | {"params": spec.get("params") or {}}
