"""Tidy layout: layers placed top to bottom by topological depth (no Qt).

A node's position is the top-left corner of its box, in scene units. Each node sits on the row of
its longest path from a source, so a plain stack is a straight column and a branch fans out
sideways. Within a row, nodes are placed at the mean x of their inputs (barycenter), pushed apart
so boxes never overlap.
"""
from __future__ import annotations

from .project import Project

NODE_W = 184.0    #: box width of a node on the canvas
NODE_H = 92.0     #: nominal box height (the head tag adds a little)
COL = 220.0       #: horizontal distance between neighbours on a row
ROW = 125.0       #: vertical distance between rows (a six-layer stack fits a 1000 px window at 70%)

GRID = 10.0       #: positions snap to multiples of this

Pos = tuple[float, float]


def depths(project: Project) -> dict[str, int]:
    """Longest-path depth of every node from a source; nodes in or behind a cycle go below the rest."""
    ids = project.model.ids()
    edges = list(project.model.edges)
    indeg = {i: 0 for i in ids}
    for _, b in edges:
        indeg[b] += 1
    depth = {i: 0 for i in ids}
    ready = [i for i in ids if indeg[i] == 0]
    seen: list[str] = []
    while ready:
        n = ready.pop(0)
        seen.append(n)
        for a, b in edges:
            if a == n:
                depth[b] = max(depth[b], depth[n] + 1)
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
    bottom = max((depth[i] for i in seen), default=-1) + 1
    for i in ids:
        if i not in seen:
            depth[i] = bottom
    return depth


def tidy_positions(project: Project, origin: Pos = (0.0, 0.0)) -> dict[str, Pos]:
    """Positions of every node of ``project`` in a layered top-to-bottom layout."""
    depth = depths(project)
    rows: dict[int, list[str]] = {}
    for nid in project.model.ids():
        rows.setdefault(depth[nid], []).append(nid)
    centre: dict[str, float] = {}
    for r in sorted(rows):
        members = rows[r]
        if r == 0 or not any(project.model.predecessors(n) for n in members):
            desired = {n: i * COL for i, n in enumerate(members)}
        else:
            fallback = max(centre.values(), default=0.0) + COL
            desired = {}
            for n in members:
                px = [centre[p] for p in project.model.predecessors(n) if p in centre]
                desired[n] = sum(px) / len(px) if px else fallback
        order = sorted(members, key=lambda n: (desired[n], members.index(n)))
        xs: list[float] = []
        for n in order:
            x = desired[n] if not xs else max(desired[n], xs[-1] + COL)
            xs.append(x)
        shift = sum(desired[n] for n in order) / len(order) - sum(xs) / len(xs)
        for n, x in zip(order, xs):
            centre[n] = x + shift
    if rows.get(0):
        mid = sum(centre[n] for n in rows[0]) / len(rows[0])
    else:
        mid = 0.0
    ox, oy = origin
    return {n: (_grid(ox + centre[n] - mid - NODE_W / 2), _grid(oy + depth[n] * ROW)) for n in project.model.ids()}


def _grid(v: float) -> float:
    return float(round(v / GRID) * GRID)
