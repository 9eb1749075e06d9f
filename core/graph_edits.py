"""Pure graph edits on a :class:`Project` (no Qt): what each editor command does to the document.

:mod:`guiapp.editor.commands` runs these inside ``ProjectDocument.edit`` so that each is one undo
step; they are plain functions so their rules can be read (and tested) on their own.

Rules worth knowing:

* **Insert after** (a layer dropped onto or below a node): the anchor's outgoing edges move to the
  new node and the anchor feeds the new node, so a plain stack is built by drags alone. An output
  head follows the end of the chain: if the anchor carries a head and has no outgoing edges (it is
  the end of its chain), the head moves to the new node; otherwise every head stays where it is.
* **Delete**: a deleted node's edges and output heads go with it. A deleted node with exactly one
  input is bridged: its input is connected to its outputs, so a layer can be taken out of a stack
  without re-wiring.
* **Connect** refuses self-loops, duplicates, cycles, edges into an Input, and a second input into
  a single-input layer, each with a sentence saying what to do instead.

Each edit takes an optional ``log`` (:class:`core.edit_events.EditLog`) and writes into it what it
did (node added, edge removed, head moved…): the window's document emits exactly those events.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Callable, Iterable

from .catalog import LAYERS, LOSSES
from .catalog import default_loss as _loss_for_task
from .edit_events import EditLog
from .project import Component, NodeSpec, OutputSpec, Project

Pos = tuple[float, float]
CLIPBOARD_FORMAT = "losslab-nodes"
_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


# -- queries ---------------------------------------------------------------------------------------
def reaches(project: Project, src: str, dst: str) -> bool:
    """Whether a path of edges leads from ``src`` to ``dst`` (``src == dst`` counts)."""
    seen, stack = {src}, [src]
    while stack:
        n = stack.pop()
        if n == dst:
            return True
        for b in project.model.successors(n):
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return False


def descendants(project: Project, node_id: str) -> list[str]:
    """Every node reachable from ``node_id`` (excluding it), in node order."""
    out = {b for b in project.model.ids() if b != node_id and reaches(project, node_id, b)}
    return [n for n in project.model.ids() if n in out]


def connect_problem(project: Project, src: str, dst: str) -> str | None:
    """Why ``src → dst`` cannot be connected, or None when it can."""
    ids = project.model.ids()
    for n in (src, dst):
        if n not in ids:
            return f"there is no node {n!r}"
    if src == dst:
        return f"{src} cannot feed itself: connect it to another layer"
    if (src, dst) in project.model.edges:
        return f"{src} already feeds {dst}"
    dst_type = project.model.node(dst).type
    if LAYERS.get(dst_type).is_input:
        return f"{dst} is the Input: it is fed by the data and takes no incoming edge"
    if reaches(project, dst, src):
        return (f"connecting {src} → {dst} would make a cycle ({dst} already leads to {src}): "
                "a network must flow one way")
    lo, hi = LAYERS.get(dst_type).arity
    preds = project.model.predecessors(dst)
    if hi is not None and len(preds) >= hi:
        return (f"{dst} ({dst_type}) takes one input and already gets {', '.join(preds)}: delete that edge "
                "first, or merge both with Add or Concat")
    return None


def id_problem(project: Project, old: str, new: str) -> str | None:
    """Why ``old`` cannot be renamed ``new``, or None."""
    if not new:
        return "a node needs a name"
    if not _ID_RE.match(new):
        return (f"{new!r} is not a usable name: start with a letter or _, then letters, digits, _, - or . "
                "(no spaces)")
    if new != old and new in project.model.ids():
        return f"there is already a node named {new!r}: pick another name"
    return None


def unique_id(project: Project, type_name: str, taken: Iterable[str] = ()) -> str:
    """A fresh id like ``linear3`` for a node of ``type_name`` (same scheme as the document's)."""
    base = re.sub(r"[^a-z0-9]", "", type_name.lower()) or "node"
    used = set(project.model.ids()) | set(taken)
    k = 1
    while f"{base}{k}" in used:
        k += 1
    return f"{base}{k}"


def _logged(log: EditLog | None) -> EditLog:
    """``log``, or a log nobody reads (a caller that needs no events, e.g. the studies' knobs)."""
    return log if log is not None else EditLog()


# -- positions -------------------------------------------------------------------------------------
def set_positions(project: Project, positions: dict[str, Pos], log: EditLog | None = None) -> None:
    """Store positions in ``project.view["nodes"]`` (rounded to whole scene units)."""
    if not positions:
        return
    view = dict(project.view or {})
    nodes = dict(view.get("nodes") or {})
    moved = []
    for nid, (x, y) in positions.items():
        pos = [round(float(x)), round(float(y))]
        if nodes.get(nid) != pos:
            moved.append(nid)
        nodes[nid] = pos
    view["nodes"] = nodes
    project.view = view
    _logged(log).moved(moved)


def _drop_positions(project: Project, ids: Iterable[str]) -> None:
    nodes = (project.view or {}).get("nodes")
    if isinstance(nodes, dict):
        for nid in ids:
            nodes.pop(nid, None)


# -- edits -----------------------------------------------------------------------------------------
def add_node(project: Project, node_id: str, type_name: str, params: dict[str, Any] | None = None,
             after: str | None = None, log: EditLog | None = None) -> None:
    """Add a node; with ``after``, insert it after that node (see the module's rules)."""
    log = _logged(log)
    LAYERS.get(type_name, "type")
    project.model.nodes.append(NodeSpec(node_id, type_name, dict(params or {})))
    log.node_added(node_id)
    if after is None:
        return
    if after not in project.model.ids():
        raise KeyError(f"there is no node {after!r} to insert after")
    outgoing = project.model.successors(after)
    project.model.edges = [e for e in project.model.edges if e[0] != after]
    for b in outgoing:
        log.edge_removed(after, b)
    new_edges = [(after, node_id), *((node_id, b) for b in outgoing)]
    project.model.edges.extend(new_edges)
    for a, b in new_edges:
        log.edge_added(a, b)
    if not outgoing:
        for o in project.outputs:
            if o.node == after:
                o.node = node_id
                log.outputs([after, node_id])


def set_node(project: Project, node_id: str, type_name: str | None = None,
             params: dict[str, Any] | None = None) -> None:
    """Give a node another layer type (its parameters then start from that type's defaults unless
    ``params`` are given) and/or new parameters; edges and heads stay."""
    node = project.model.node(node_id)
    if type_name is not None and type_name != node.type:
        LAYERS.get(type_name, "type")
        node.type, node.params = type_name, {}
    if params is not None:
        node.params = dict(params)


def head_moves_on_insert(project: Project, after: str | None) -> bool:
    """Whether inserting after ``after`` moves an output head (it is a head at the end of a chain)."""
    return (after is not None and after in project.output_nodes()
            and not project.model.successors(after))


def remove_nodes(project: Project, ids: Iterable[str], log: EditLog | None = None) -> None:
    """Delete nodes, their edges, positions and output heads; bridge single-input nodes."""
    log = _logged(log)
    for nid in list(ids):
        if nid not in project.model.ids():
            continue
        preds = project.model.predecessors(nid)
        succs = project.model.successors(nid)
        edges = [e for e in project.model.edges if nid not in e]
        for e in project.model.edges:
            if nid in e:
                log.edge_removed(*e)
        if len(preds) == 1:
            for s in succs:
                if (preds[0], s) not in edges:
                    edges.append((preds[0], s))
                    log.edge_added(preds[0], s)
        project.model.edges = edges
        project.model.nodes = [n for n in project.model.nodes if n.id != nid]
        log.node_removed(nid)
        if nid in project.output_nodes():
            project.outputs = [o for o in project.outputs if o.node != nid]
            log.outputs([nid])
        _drop_positions(project, [nid])


def rename_node(project: Project, old: str, new: str, log: EditLog | None = None) -> None:
    """Rename a node everywhere: its spec, edges, output heads and stored position."""
    why = id_problem(project, old, new)
    if why:
        raise ValueError(why)
    log = _logged(log)
    project.model.node(old).id = new
    log.node_renamed(old, new)
    project.model.edges = [(new if a == old else a, new if b == old else b) for a, b in project.model.edges]
    for o in project.outputs:
        if o.node == old:
            o.node = new
            log.outputs([new])          # the head's ``node`` field changed
    nodes = (project.view or {}).get("nodes")
    if isinstance(nodes, dict) and old in nodes:
        nodes[new] = nodes.pop(old)


def default_loss(targets: dict | None, task: str, used: Iterable[str | None] = ()) -> tuple[str, str | None]:
    """(loss type, target name or None) for a new output head.

    Picks the first target no other head uses (``None`` for the data's default target) and the loss
    that fits its task: CrossEntropyLoss for classes, MSELoss for numbers.
    """
    used = set(used)
    if targets:
        names = list(targets)
        free = [n for n in names if n not in used and not (n == names[0] and None in used)]
        name = free[0] if free else names[0]
        info = targets[name]
        loss = _loss_for_task(getattr(info, "task", "classification"))
        return loss, (None if name == names[0] else name)
    return _loss_for_task(task), None


def toggle_output(project: Project, node_id: str, loss: str, target: str | None,
                  log: EditLog | None = None) -> bool:
    """Remove the node's output head(s) if it has any, else add one; returns True when added."""
    project.model.node(node_id)
    _logged(log).outputs([node_id])
    if node_id in project.output_nodes():
        project.outputs = [o for o in project.outputs if o.node != node_id]
        return False
    LOSSES.get(loss, "loss")
    project.outputs.append(OutputSpec(node=node_id, loss=Component(loss), target=target))
    return True


# -- clipboard -------------------------------------------------------------------------------------
def copy_payload(project: Project, ids: Iterable[str], positions: dict[str, Pos]) -> dict[str, Any]:
    """JSON-ready payload of the nodes ``ids`` and the edges between them, positions relative to
    their top-left one (the clipboard format)."""
    ids = [n for n in project.model.ids() if n in set(ids)]
    pts = [positions.get(n, (0.0, 0.0)) for n in ids]
    x0 = min((p[0] for p in pts), default=0.0)
    y0 = min((p[1] for p in pts), default=0.0)
    nodes = []
    for n, (x, y) in zip(ids, pts):
        spec = project.model.node(n)
        nodes.append({"id": n, "type": spec.type, "params": copy.deepcopy(spec.params),
                      "pos": [round(x - x0), round(y - y0)]})
    edges = [[a, b] for a, b in project.model.edges if a in ids and b in ids]
    return {"format": CLIPBOARD_FORMAT, "nodes": nodes, "edges": edges}


def paste_payload(project: Project, payload: Any, origin: Pos,
                  new_id: Callable[[Project, str, Iterable[str]], str] = unique_id,
                  log: EditLog | None = None) -> dict[str, str]:
    """Add the payload's nodes under fresh ids at ``origin`` (+ their relative positions), with their
    internal edges. Returns old id -> new id. Raises ValueError for a payload that is not ours."""
    log = _logged(log)
    if not isinstance(payload, dict) or payload.get("format") != CLIPBOARD_FORMAT:
        raise ValueError("the clipboard does not hold LossLab layers")
    nodes = payload.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise ValueError("the clipboard holds no layers")
    mapping: dict[str, str] = {}
    positions: dict[str, Pos] = {}
    for n in nodes:
        if not isinstance(n, dict) or not isinstance(n.get("id"), str) or not isinstance(n.get("type"), str):
            raise ValueError("the clipboard's layers are damaged")
        LAYERS.get(n["type"], "type")
        nid = new_id(project, n["type"], mapping.values())
        mapping[n["id"]] = nid
        params = n.get("params") or {}
        project.model.nodes.append(NodeSpec(nid, n["type"], dict(params) if isinstance(params, dict) else {}))
        log.node_added(nid)
        pos = n.get("pos") or [0, 0]
        positions[nid] = (origin[0] + float(pos[0]), origin[1] + float(pos[1]))
    for e in payload.get("edges") or []:
        if isinstance(e, list) and len(e) == 2 and e[0] in mapping and e[1] in mapping:
            project.model.edges.append((mapping[e[0]], mapping[e[1]]))
            log.edge_added(mapping[e[0]], mapping[e[1]])
    set_positions(project, positions, log)
    return mapping
