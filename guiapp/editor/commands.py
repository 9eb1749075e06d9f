"""Editor commands: each function performs one edit through ``document.edit`` = one undo step.
Each declares what it changes: the :mod:`core.graph_edits` calls it makes write their events into
an :class:`~core.edit_events.EditLog`, which the document emits (and inverts for undo).

Every function returns True when the edit was applied (or, for adding functions, the new id), and
False/None when it was refused; a refusal emits ``document.editRefused`` with the reason. The rules
of each edit (insert after, delete, connect) are documented in :mod:`core.graph_edits`.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterable

from core.catalog import LAYERS, ParamError
from core.edit_events import EditEvent, EditLog
from core.project import Project

from core import graph_edits as G
from core.layout import tidy_positions

Pos = G.Pos
_drag_ids = itertools.count(1)


def _plural(ids: list[str], one: str, many: str) -> str:
    return one.format(ids[0]) if len(ids) == 1 else many.format(len(ids))


def _refuse(document, reason: str) -> None:
    document.editRefused.emit(reason)


def new_drag_key() -> str:
    """A merge key for one mouse drag (all its move edits merge into one undo step)."""
    return f"move:{next(_drag_ids)}"


def add_node(document, type_name: str, pos: Pos | None = None, after: str | None = None,
             params: dict[str, Any] | None = None, moves: dict[str, Pos] | None = None) -> str | None:
    """Add a ``type_name`` layer at ``pos``; with ``after``, insert it after that node.

    ``moves`` are other nodes' new positions stored in the same step (room made below an insertion).
    Returns the new node id, or None when refused.
    """
    if type_name not in LAYERS:
        _refuse(document, f"unknown layer {type_name!r}")
        return None
    project: Project = document.project
    if after is not None and after not in project.model.ids():
        _refuse(document, f"there is no node {after!r} to insert after")
        return None
    node_id = G.unique_id(project, type_name)   # the one id scheme, shared with paste and the knobs
    log = EditLog()

    def change(p: Project) -> None:
        G.add_node(p, node_id, type_name, params, after, log=log)
        G.set_positions(p, dict(moves or {}), log)
        if pos is not None:
            G.set_positions(p, {node_id: pos}, log)

    return node_id if document.edit(f"Add {type_name}", change, log) else None


def remove_nodes(document, ids: Iterable[str], edges: Iterable[tuple[str, str]] = ()) -> bool:
    """Delete nodes with their edges and output heads (single-input nodes are bridged), and the
    listed ``edges``, as one step."""
    project: Project = document.project
    ids = [n for n in project.model.ids() if n in set(ids)]
    edges = [e for e in edges if e in project.model.edges and not set(e) & set(ids)]
    if not ids:
        return remove_edges(document, edges)

    log = EditLog()

    def change(p: Project) -> None:
        p.model.edges = [e for e in p.model.edges if e not in edges]
        for e in edges:
            log.edge_removed(*e)
        G.remove_nodes(p, ids, log)

    return document.edit(_plural(ids, "Delete {}", "Delete {} nodes"), change, log)


def connect(document, src: str, dst: str) -> bool:
    """Add the edge ``src → dst``; refuses cycles, duplicates and the like with a reason."""
    why = G.connect_problem(document.project, src, dst)
    if why:
        _refuse(document, why)
        return False
    return document.edit(f"Connect {src} → {dst}", lambda p: p.model.edges.append((src, dst)),
                         [EditEvent("edge_added", (src, dst))])


def disconnect(document, src: str, dst: str) -> bool:
    """Remove the edge ``src → dst``."""
    if (src, dst) not in document.project.model.edges:
        return False

    def change(p: Project) -> None:
        p.model.edges.remove((src, dst))

    return document.edit(f"Disconnect {src} → {dst}", change, [EditEvent("edge_removed", (src, dst))])


def remove_edges(document, edges: Iterable[tuple[str, str]]) -> bool:
    """Remove several edges in one step."""
    edges = [e for e in edges if e in document.project.model.edges]
    if len(edges) == 1:
        return disconnect(document, *edges[0])
    if not edges:
        return False

    def change(p: Project) -> None:
        p.model.edges = [e for e in p.model.edges if e not in edges]

    return document.edit(f"Disconnect {len(edges)} edges", change,
                         [EditEvent("edge_removed", e) for e in edges])


def move_nodes(document, positions: dict[str, Pos], moved: Iterable[str] = (), merge_key: str | None = None) -> bool:
    """Store node positions. ``moved`` names the nodes the person dragged (for the undo text);
    pass one :func:`new_drag_key` per drag so a drag is one undo step."""
    if not positions:
        return False
    moved = list(moved) or list(positions)
    log = EditLog()
    return document.edit(_plural(moved, "Move {}", "Move {} nodes"), lambda p: G.set_positions(p, positions, log),
                         log, merge_key=merge_key)


def set_param(document, node_id: str, name: str, value: Any) -> bool:
    """Set one parameter of a node (validated by its catalog ``Param``); a slider drag merges into
    one undo step because consecutive sets of the same parameter share a merge key."""
    try:
        node = document.project.model.node(node_id)
        param = LAYERS.get(node.type).param(name)
        value = param.validate(value, f"{node_id}.{name}")
    except ParamError as e:
        _refuse(document, f"{node_id}.{name}: {e.reason}")
        return False
    except KeyError:
        _refuse(document, f"{node_id} has no parameter {name!r}")
        return False

    def change(p: Project) -> None:
        params = p.model.node(node_id).params
        if value is None and param.default is None:
            params.pop(name, None)
        else:
            params[name] = value

    shown = "(empty)" if value is None else (", ".join(str(v) for v in value) if isinstance(value, list) else value)
    return document.edit(f"Set {node_id}.{name} = {shown}", change, [EditEvent("node_params_changed", (node_id,))],
                         merge_key=f"param:{node_id}:{name}")


def rename_node(document, old: str, new: str) -> bool:
    """Rename a node; its edges, output heads and position follow."""
    new = new.strip()
    if new == old:
        return True
    why = G.id_problem(document.project, old, new)
    if why:
        _refuse(document, why)
        return False
    log = EditLog()
    return document.edit(f"Rename {old} → {new}", lambda p: G.rename_node(p, old, new, log), log)


def paste(document, payload: Any, origin: Pos, text: str = "Paste") -> list[str]:
    """Add the clipboard payload's nodes under new ids at ``origin``; returns the new ids."""
    mapping: dict[str, str] = {}
    log = EditLog()

    def change(p: Project) -> None:
        mapping.clear()
        mapping.update(G.paste_payload(p, payload, origin, log=log))

    try:
        n = len(payload["nodes"])
    except (TypeError, KeyError):
        n = 0
    label = f"{text} {n} nodes" if n != 1 else f"{text} {payload['nodes'][0].get('type', 'node')}"
    return list(mapping.values()) if document.edit(label, change, log) else []


def duplicate(document, ids: Iterable[str], positions: dict[str, Pos], offset: Pos = (40.0, 40.0)) -> list[str]:
    """Copy nodes (and the edges between them) next to the originals; returns the new ids."""
    ids = list(ids)
    if not ids:
        return []
    payload = G.copy_payload(document.project, ids, positions)
    x0 = min(positions.get(n, (0.0, 0.0))[0] for n in ids)
    y0 = min(positions.get(n, (0.0, 0.0))[1] for n in ids)
    return paste(document, payload, (x0 + offset[0], y0 + offset[1]), "Duplicate")


def toggle_output(document, node_id: str) -> bool:
    """Make a node an output head (loss picked from the target's task), or remove its head."""
    project: Project = document.project
    if node_id not in project.model.ids():
        return False
    ds = document.dataset
    targets = getattr(ds, "targets", None)
    used = [o.target for o in project.outputs]
    loss, target = G.default_loss(targets, project.data.task, used)
    text = (f"Remove output head from {node_id}" if node_id in project.output_nodes()
            else f"Make {node_id} an output ({loss})")
    log = EditLog()
    return document.edit(text, lambda p: G.toggle_output(p, node_id, loss, target, log), log)


def tidy_layout(document) -> bool:
    """Place every node in a layered top-to-bottom layout, as one undo step."""
    positions = tidy_positions(document.project)
    log = EditLog()
    return document.edit("Tidy layout", lambda p: G.set_positions(p, positions, log), log)
