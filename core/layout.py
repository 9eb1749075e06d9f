"""Tidy layout: layers placed top to bottom by topological depth (no Qt).

A node's position is the top-left corner of its box, in scene units. Each node sits on the row of
its longest path from a source, so a plain stack is a straight column and a branch fans out
sideways. Within a row, nodes are placed at the mean x of their inputs (barycenter), pushed apart
so boxes never overlap.
"""
from __future__ import annotations

from collections import deque

from .project import Project

NODE_W = 184.0    #: box width of a node on the canvas
NODE_H = 92.0     #: nominal box height (the head tag adds a little)
COL = 220.0       #: horizontal distance between neighbours on a row
ROW = 125.0       #: vertical distance between rows (a six-layer stack fits a 1000 px window at 70%)

GRID = 10.0       #: positions snap to multiples of this

Pos = tuple[float, float]


def _adjacency(project: Project) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    ids = project.model.ids()
    succ: dict[str, list[str]] = {i: [] for i in ids}
    pred: dict[str, list[str]] = {i: [] for i in ids}
    for a, b in project.model.edges:
        if a in succ and b in pred:
            succ[a].append(b)
            pred[b].append(a)
    return succ, pred


def depths(project: Project, adjacency=None) -> dict[str, int]:
    """Longest-path depth of every node from a source; nodes in or behind a cycle go below the rest.
    Linear in nodes + edges (a 200-node graph is laid out on every edit that adds a node)."""
    ids = project.model.ids()
    succ, pred = adjacency or _adjacency(project)
    indeg = {i: len(pred[i]) for i in ids}
    depth = {i: 0 for i in ids}
    ready = deque(i for i in ids if indeg[i] == 0)
    seen: list[str] = []
    while ready:
        n = ready.popleft()
        seen.append(n)
        for b in succ[n]:
            depth[b] = max(depth[b], depth[n] + 1)
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
    bottom = max((depth[i] for i in seen), default=-1) + 1
    done = set(seen)
    for i in ids:
        if i not in done:
            depth[i] = bottom
    return depth


def tidy_positions(project: Project, origin: Pos = (0.0, 0.0)) -> dict[str, Pos]:
    """Positions of every node of ``project`` in a layered top-to-bottom layout."""
    adjacency = _adjacency(project)
    pred = adjacency[1]
    depth = depths(project, adjacency)
    rows: dict[int, list[str]] = {}
    for nid in project.model.ids():
        rows.setdefault(depth[nid], []).append(nid)
    centre: dict[str, float] = {}
    for r in sorted(rows):
        members = rows[r]
        if r == 0 or not any(pred[n] for n in members):
            desired = {n: i * COL for i, n in enumerate(members)}
        else:
            fallback = max(centre.values(), default=0.0) + COL
            desired = {}
            for n in members:
                px = [centre[p] for p in pred[n] if p in centre]
                desired[n] = sum(px) / len(px) if px else fallback
        index = {n: i for i, n in enumerate(members)}
        order = sorted(members, key=lambda n: (desired[n], index[n]))
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
