"""Model graph -> shape check and ``torch.nn.Module``.

``check_graph`` never raises for a bad graph: it collects every problem, each naming the node (and the
JSON path) and what to change, so the editor can badge nodes and the CLI can list them all.
``build_model`` builds the module of a graph that checks clean.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .catalog import LAYERS, LOSSES, loss_fits
from .catalog.layer_shapes import ShapeMismatch, fmt_shape
from .catalog.params import ParamError
from .log import get_logger
from .project import Project

_log = get_logger(__name__)

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Problem:
    message: str
    node: str | None = None
    where: str = "model"
    severity: str = "error"

    def __str__(self) -> str:
        return self.message


@dataclass
class NodeInfo:
    id: str
    type: str
    index: int
    params: dict[str, Any] = field(default_factory=dict)
    in_shapes: list[Shape] = field(default_factory=list)
    out_shape: Shape | None = None
    n_params: int = 0


@dataclass
class GraphCheck:
    """Result of checking a model graph against the data: shapes, counts, problems."""
    nodes: dict[str, NodeInfo]
    order: list[str]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def total_params(self) -> int:
        return sum(n.n_params for n in self.nodes.values())

    def problems_for(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node == node_id]


class GraphError(ValueError):
    """The graph cannot be built; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))


def _label(n: NodeInfo) -> str:
    return f"node {n.id} ({n.type})"


def count_params(type_: str, p: Mapping[str, Any], shapes: Sequence[Shape], out: Shape) -> int:
    """Trainable parameter count of a layer of type ``type_`` (the catalog record's rule)."""
    return LAYERS.get(type_).count_params(dict(p), shapes, out)


def _adjacency(ids: list[str], edges: list[tuple[str, str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Successor and predecessor lists of every node, in edge order (one pass over the edges)."""
    succ: dict[str, list[str]] = {i: [] for i in ids}
    pred: dict[str, list[str]] = {i: [] for i in ids}
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
    return succ, pred


def _toposort(ids: list[str], edges: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Kahn's algorithm in O(V + E), stable in node order. Returns (order, nodes left in or behind a cycle)."""
    succ, pred = _adjacency(ids, edges)
    indeg = {i: len(pred[i]) for i in ids}
    ready = deque(i for i in ids if indeg[i] == 0)
    order = []
    while ready:
        n = ready.popleft()
        order.append(n)
        for b in succ[n]:
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
    done = set(order)
    return order, [i for i in ids if i not in done]


def _reachable(start: list[str], edges: list[tuple[str, str]], forward: bool = True) -> set[str]:
    """Nodes reachable from ``start`` along (or against) the edges, in O(V + E)."""
    nxt: dict[str, list[str]] = {}
    for a, b in edges:
        src, dst = (a, b) if forward else (b, a)
        nxt.setdefault(src, []).append(dst)
    seen, stack = set(start), list(start)
    while stack:
        for dst in nxt.get(stack.pop(), ()):
            if dst not in seen:
                seen.add(dst)
                stack.append(dst)
    return seen


def check_graph(project: Project, input_shape: Shape, targets: Mapping[str, Any] | None = None) -> GraphCheck:
    """Infer every node's shape from the data's per-sample ``input_shape``; collect all problems.

    ``targets`` maps target names to ``TargetInfo`` (task, classes, width); when given, each output
    head's loss is checked against its target and its output width.
    """
    model = project.model
    infos = {n.id: NodeInfo(n.id, n.type, i) for i, n in enumerate(model.nodes)}
    problems: list[Problem] = []

    def bad(node: str | None, msg: str, where: str = "model", severity: str = "error") -> None:
        problems.append(Problem(msg, node, where, severity))

    for n in model.nodes:
        info = infos[n.id]
        try:
            info.params = LAYERS.get(n.type).validate_params(n.params, f"model.nodes[{info.index}].params")
        except ParamError as e:
            bad(n.id, f"{_label(info)}: {e.reason}", e.where)
    entries = {n.id: LAYERS.find(n.type) for n in model.nodes}
    inputs = [n.id for n in model.nodes if entries[n.id] is not None and entries[n.id].is_input]
    if not inputs:
        bad(None, "the model has no Input node: drag an Input onto the canvas and connect it to the first layer",
            "model.nodes")
    elif len(inputs) > 1:
        for i in inputs[1:]:
            bad(i, f"node {i} (Input): the model has {len(inputs)} Input nodes ({', '.join(inputs)}); "
                   "LossLab feeds one input: delete the extra ones", f"model.nodes[{infos[i].index}]")
    if not project.outputs:
        bad(None, "the model has no output head: mark a node as an output and pick its loss", "outputs")

    order, cyclic = _toposort(model.ids(), list(model.edges))
    succ, pred = _adjacency(model.ids(), list(model.edges))
    in_cycle = set(cyclic)
    for c in cyclic:
        succ_in_cycle = [b for b in succ[c] if b in in_cycle]
        if succ_in_cycle:
            bad(c, f"{_label(infos[c])} is part of a cycle (it feeds {', '.join(succ_in_cycle)}, which leads back to "
                   f"it): a network must flow one way, remove one of those edges", "model.edges")
    from_input = _reachable(inputs[:1], list(model.edges)) if inputs else set()
    to_output = _reachable(project.output_nodes(), list(model.edges), forward=False)
    for n in model.nodes:
        info = infos[n.id]
        if n.id in in_cycle:
            continue
        preds = pred[n.id]
        entry = entries[n.id]
        lo, hi = entry.arity if entry is not None else (1, 1)
        is_input = entry is not None and entry.is_input
        where = f"model.nodes[{info.index}]"
        if not is_input and not preds:
            bad(n.id, f"{_label(info)} has no input: connect an edge into it from the layer before it, or delete it", where)
        elif len(preds) < lo:
            bad(n.id, f"{_label(info)} merges inputs and needs at least {lo}, but gets {len(preds)}: "
                      "connect another branch into it", where)
        elif hi is not None and len(preds) > hi:
            bad(n.id, f"{_label(info)} takes one input but gets {len(preds)} ({', '.join(preds)}): "
                      "merge them first with Add or Concat", where)
        elif not is_input and n.id not in from_input and inputs:
            bad(n.id, f"{_label(info)} is not connected to the Input: connect it into the chain or delete it", where)
        if n.id not in to_output and project.outputs:
            bad(n.id, f"{_label(info)} does not lead to any output head, so it would never be trained: "
                      "connect it onward, make it an output with a loss, or delete it", where)

    _infer_shapes(pred, infos, order, input_shape, problems)
    if targets is not None:
        _check_heads(project, infos, targets, problems)
    return GraphCheck(nodes={i: infos[i] for i in order + cyclic}, order=order, problems=problems)


def _infer_shapes(pred: Mapping[str, list[str]], infos: dict[str, NodeInfo], order: list[str], input_shape: Shape,
                  problems: list[Problem]) -> None:
    with_problem = {p.node for p in problems}
    for nid in order:
        info = infos[nid]
        if nid in with_problem:
            continue
        entry = LAYERS.get(info.type)
        if entry.is_input:
            info.out_shape = tuple(input_shape)
            continue
        preds = pred[nid]
        shapes = [infos[p].out_shape for p in preds]
        if any(s is None for s in shapes) or not shapes:
            continue  # an upstream problem is already reported
        info.in_shapes = list(shapes)
        try:
            out_shape = entry.output_shape(info.params, shapes)
            info.n_params = entry.count_params(info.params, shapes, out_shape)
            info.out_shape = out_shape
        except ShapeMismatch as e:
            src = ", ".join(f"{fmt_shape(s)} from {p}" for s, p in zip(shapes, preds))
            problems.append(Problem(f"{_label(info)} gets {src}: {e}", nid, f"model.nodes[{info.index}]"))
        except Exception as e:  # noqa: BLE001 - a bug in a layer's catalog entry must not take the editor down
            _log.exception("shape rule or parameter count of %s failed on %s", info.type, shapes)
            problems.append(Problem(f"{_label(info)}: the catalog entry of {info.type} failed on input "
                                    f"{', '.join(fmt_shape(s) for s in shapes)} ({type(e).__name__}: {e}); "
                                    "this is a bug in that layer's entry: replace the layer or fix its entry",
                                    nid, f"model.nodes[{info.index}]"))


def _check_heads(project: Project, infos: dict[str, NodeInfo], targets: Mapping[str, Any],
                 problems: list[Problem]) -> None:
    names = list(targets)
    for i, o in enumerate(project.outputs):
        where = f"outputs[{i}]"
        tname = o.target if o.target is not None else (names[0] if names else None)
        if tname not in targets:
            problems.append(Problem(f"output {i + 1} ({o.node}) uses target {tname!r}, which the data does not have; "
                                    f"targets are: {', '.join(names) or 'none'}", o.node, f"{where}.target"))
            continue
        info_t = targets[tname]
        entry = LOSSES.get(o.loss.type)
        why = loss_fits(entry, info_t)
        if why:
            problems.append(Problem(f"output {o.node}: {why}", o.node, f"{where}.loss.type"))
            continue
        node = infos.get(o.node)
        if node is None or node.out_shape is None:
            continue
        width = entry.width(info_t)
        if node.out_shape != (width,):
            what = (f"{info_t.width} classes" if info_t.task == "classification" else f"{width} value(s)")
            width_param = LAYERS.get(node.type).width_param
            fix = (f"set {width_param} of {o.node} to {width}" if width_param and len(node.out_shape) == 1
                   else f"end the head with a Linear of out_features={width}")
            problems.append(Problem(
                f"{_label(node)} outputs {fmt_shape(node.out_shape)} but {o.loss.type} on target {tname!r} "
                f"({what}) needs ({width},): {fix}", o.node, f"model.nodes[{node.index}]"))
