"""Architecture lint: designs that run but are probably wrong, found before training.

:func:`lint_project` reads the project, its :class:`~core.graph.GraphCheck` and the data's
targets and returns :class:`Finding` values of kind ``"lint"``, each naming its node and saying
what to change. It never repeats what ``check_graph`` already refuses (a loss that cannot run
on the target, a head of the wrong width): those are errors, lint is about what trains badly.
No torch, no Qt: the data set is only asked for ``targets``, ``n_train`` and, for the
regression range rule, ``y_train``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..catalog import LAYERS, LOSSES, Traits, loss_fits
from .findings import Finding
from .wording import num, pct

if TYPE_CHECKING:
    from ..graph import GraphCheck
    from ..project import OutputSpec, Project

__all__ = ["lint_project", "PARAMS_PER_SAMPLE_INFO", "PARAMS_PER_SAMPLE_WARNING", "SATURATING_STACK"]

# What a layer or loss is (activation, saturating, weight layer, output range, the softmax a loss applies
# itself, ...) is read from its catalog record (LayerEntry.traits, LossEntry); no name lists here.
_NO_TRAITS = Traits()

PARAMS_PER_SAMPLE_INFO = 20.0
PARAMS_PER_SAMPLE_WARNING = 100.0
SATURATING_STACK = 4  # "deeper than 3 hidden layers" of Sigmoid/Tanh
OUT_OF_RANGE_SHARE = 0.01  # targets an output activation cannot reach, above which a regression head is flagged



@dataclass
class _Graph:
    """The model as adjacency lists, with each node's type and validated parameters."""

    types: dict[str, str]
    params: dict[str, dict[str, Any]]
    preds: dict[str, list[str]]
    succs: dict[str, list[str]]
    index: dict[str, int]

    @classmethod
    def of(cls, project: Project, check: GraphCheck | None) -> _Graph:
        nodes = project.model.nodes
        types = {n.id: n.type for n in nodes}
        params = {}
        for n in nodes:
            info = check.nodes.get(n.id) if check is not None else None
            params[n.id] = dict(info.params) if info is not None and info.params else dict(n.params)
        preds: dict[str, list[str]] = {n.id: [] for n in nodes}
        succs: dict[str, list[str]] = {n.id: [] for n in nodes}
        for a, b in project.model.edges:
            if a in succs and b in preds:
                succs[a].append(b)
                preds[b].append(a)
        return cls(types, params, preds, succs, {n.id: i for i, n in enumerate(nodes)})

    def traits(self, node: str | None) -> Traits:
        """The catalog traits of a node's layer type (none for an unknown type or node)."""
        entry = LAYERS.find(self.types.get(node)) if node is not None else None
        return entry.traits if entry is not None else _NO_TRAITS

    def label(self, node: str) -> str:
        return f"node {node} ({self.types.get(node, '?')})"

    def single_pred(self, node: str) -> str | None:
        preds = self.preds.get(node, [])
        return preds[0] if len(preds) == 1 else None

    def effective_head(self, node: str) -> str:
        """The node whose values reach the loss: ``node`` or, through Dropout/Flatten/Reshape, the one before."""
        seen = {node}
        while self.traits(node).transparent:
            pred = self.single_pred(node)
            if pred is None or pred in seen:
                break
            seen.add(pred)
            node = pred
        return node


@dataclass
class _Head:
    output: OutputSpec
    loss: str
    target: str | None
    info: Any  # TargetInfo, or None without data
    node: str  # the effective head (see _Graph.effective_head)


def _heads(project: Project, graph: _Graph, dataset: Any) -> list[_Head]:
    targets: Mapping[str, Any] = getattr(dataset, "targets", None) or {}
    names = list(targets)
    heads = []
    for o in project.outputs:
        if o.node not in graph.types:
            continue
        tname = o.target if o.target is not None else (names[0] if names else None)
        heads.append(_Head(o, o.loss.type, tname, targets.get(tname), graph.effective_head(o.node)))
    return heads


def _lint(message: str, suggestion: str, node: str | None, *, severity: str = "warning",
          evidence: dict[str, float] | None = None) -> Finding:
    return Finding(kind="lint", severity=severity, message=message, suggestion=suggestion,
                   evidence=evidence or {}, node=node)


def _head_name(head: _Head) -> str:
    return f"output {head.output.node}"


def _position(node: str, head: _Head) -> str:
    """How ``node`` stands to the head: "is the output head" or "feeds output X" (through Dropout and the like)."""
    return "is the output head" if node == head.output.node else f"feeds {_head_name(head)}"


def _feeder(graph: _Graph, node: str) -> str:
    pred = graph.single_pred(node)
    return pred if pred is not None else "the layer before it"


# -- rules on output heads ---------------------------------------------------------------------------
def _loss_entry(name: str):
    return LOSSES.find(name)


def _softmax_before_loss(graph: _Graph, head: _Head) -> Iterable[Finding]:
    kind, traits, loss_entry = graph.types.get(head.node), graph.traits(head.node), _loss_entry(head.loss)
    if loss_entry is None:
        return
    node, loss = head.node, head.loss
    feeder, at = _feeder(graph, node), f"{graph.label(node)} {_position(node, head)}"
    if loss_entry.applies == "log_softmax" and traits.computes == "softmax":
        yield _lint(
            f"{at}, but {loss} applies log-softmax itself: "
            "the softmax is applied twice, the scores are squashed into 0..1 and training slows or stalls",
            f"Delete {node} and make {feeder} the output (raw scores, logits); "
            "apply softmax only when you want probabilities at prediction time.", node)
    elif loss_entry.applies == "log_softmax" and traits.computes == "log_softmax":
        yield _lint(
            f"{at}, but {loss} applies log-softmax itself: "
            f"the {kind} is redundant (log-softmax twice gives the same values)",
            f"Delete {node} and make {feeder} the output, or keep {node} and switch the loss to NLLLoss.",
            node, severity="info")
    elif loss_entry.expects == "log_softmax" and traits.computes != "log_softmax" and traits.bounded:
        yield _lint(
            f"{at}, but {loss} expects log-probabilities: "
            f"on these {kind} outputs the loss is just -output (bounded, weak gradients)",
            f"Replace {node} with a LogSoftmax, or delete it and use CrossEntropyLoss on the raw scores.", node)
    elif loss_entry.expects == "log_softmax" and traits.computes != "log_softmax":
        yield _lint(
            f"{at} with {loss} and no LogSoftmax: {loss} expects "
            "log-probabilities, and on raw scores it can fall without bound (the loss goes to -inf)",
            f"Add a LogSoftmax after {node}, or switch the loss to CrossEntropyLoss (softmax included).", node)


def _squashed_scores(graph: _Graph, head: _Head) -> Iterable[Finding]:
    traits, loss_entry = graph.traits(head.node), _loss_entry(head.loss)
    node, loss = head.node, head.loss
    if loss_entry is None or not loss_entry.wants_logits or not traits.activation:
        return
    if traits.computes in ("softmax", "log_softmax"):
        return  # _softmax_before_loss speaks about these
    feeder, at = _feeder(graph, node), f"{graph.label(node)} {_position(node, head)}"
    if traits.computes is not None and traits.computes == loss_entry.applies:  # a Sigmoid before BCEWithLogitsLoss
        yield _lint(
            f"{at}, but {loss} applies the {traits.computes} "
            f"itself: the {traits.computes} is applied twice, so the predicted probability stays between 0.5 "
            "and 0.73 and every negative sample costs at least 0.69",
            f"Delete {node} and make {feeder} the output (a raw score); apply {traits.computes} only at "
            "prediction time.", node, evidence={"loss_floor_positive": 0.313, "loss_floor_negative": 0.693})
        return
    if traits.dies:
        yield _lint(
            f"{at} with {loss}: it clips the scores at 0, so a class whose score goes negative gets no "
            "gradient and the model cannot push a wrong class down",
            f"Delete {node} and make {feeder} the output: {loss} wants raw, unbounded scores (logits).", node)
        return
    if not traits.bounded or loss_entry.applies is None:
        return  # a margin loss on bounded scores is odd but has no simple floor to quote
    low, high = traits.output_range  # type: ignore[misc]
    span = high - low
    k = head.info.width if head.info is not None and head.info.width > 1 else 2
    if loss_entry.applies == "sigmoid":  # one score squashed into low..high, then a sigmoid
        best_p = 1.0 / (1.0 + math.exp(-max(abs(low), abs(high))))
    else:  # softmax over k scores that differ by at most ``span``
        best_p = math.exp(span) / (math.exp(span) + (k - 1))
    floor = -math.log(best_p)
    yield _lint(
        f"{at} with {loss}: it squashes the scores into a range of {span:g}, so the most confident "
        f"prediction is {pct(100 * best_p)} and the loss cannot fall below {num(floor)}",
        f"Delete {node} and make {feeder} the output: {loss} wants raw, unbounded scores (logits).", node,
        evidence={"loss_floor": floor, "best_probability": best_p})


def _loss_for_target(graph: _Graph, head: _Head) -> Iterable[Finding]:
    info = head.info
    if info is None:
        return
    entry = _loss_entry(head.loss)
    if entry is None or loss_fits(entry, info) is not None:
        return  # check_graph reports it as an error
    node = head.output.node
    if entry.fits == "regression" and info.task == "classification":
        yield _lint(
            f"{_head_name(head)}: {head.loss} on target {head.target!r}, which holds {info.width} classes: "
            "it regresses one-hot vectors as numbers, learns slowly and gives no probabilities",
            f"Use CrossEntropyLoss ({node} keeps its {info.width} outputs); MSELoss is for numeric targets.", node)
    elif entry.applies == "sigmoid" and info.task == "classification" and info.width > 2:
        yield _lint(  # a loss that scores each class with its own sigmoid
            f"{_head_name(head)}: {head.loss} on target {head.target!r} scores each of its {info.width} "
            "classes as an independent yes/no, though exactly one class is true per sample",
            f"Use CrossEntropyLoss ({node} keeps its {info.width} outputs); {head.loss} is for two "
            "classes or for multi-label targets.", node, severity="info")


def _bounded_regression_head(graph: _Graph, head: _Head, dataset: Any) -> Iterable[Finding]:
    info, output_range = head.info, graph.traits(head.node).output_range
    if info is None or info.task != "regression" or output_range is None:
        return
    try:
        values = np.asarray(dataset.y_train[head.target], dtype=np.float64).reshape(-1)
    except (AttributeError, KeyError, TypeError, ValueError):
        return
    values = values[np.isfinite(values)]
    if not values.size:
        return
    low, high = output_range
    share = float(np.mean((values < low) | (values > high)))
    if share <= OUT_OF_RANGE_SHARE:
        return
    node = head.node
    reach = (f"{num(low)}..{num(high)}" if math.isfinite(low) and math.isfinite(high)
             else f"values >= {num(low)}" if math.isfinite(low) else f"values <= {num(high)}")
    yield _lint(
        f"{graph.label(node)} {_position(node, head)} with {head.loss}: it can only output {reach}, "
        f"but {pct(100 * share)} of the training targets of {head.target!r} lie outside "
        f"(they span {num(float(values.min()))} to {num(float(values.max()))})",
        f"Delete {node} so that the head ends on a Linear (unbounded output), or rescale the target "
        f"into {reach}.", node, evidence={"outside_share": share, "target_min": float(values.min()),
                                          "target_max": float(values.max())})


def _dropout_after_last_weights(graph: _Graph, heads: list[_Head]) -> Iterable[Finding]:
    """Dropout between a head's last weight layer and its loss zeroes the predictions themselves.

    Dropout *feeding* a Linear head is the classic, healthy pattern (it regularizes the features);
    only parameter-free nodes after the last weight layer are searched.
    """
    reported: set[str] = set()
    for head in heads:
        node, seen, drops = head.output.node, set(), []
        while node is not None and node not in seen:
            seen.add(node)
            traits = graph.traits(node)
            if traits.stochastic:
                drops.append(node)
            elif not traits.transparent and not traits.activation:
                break
            node = graph.single_pred(node)
        last = node if node is not None and graph.traits(node).has_weights else None
        for drop in drops:
            if drop in reported:
                continue
            reported.add(drop)
            p = float(graph.params.get(drop, {}).get("p", 0.5))
            where = f"before {last}" if last else "before the last weight layer"
            after = f"{last}, the last weight layer" if last else "the last weight layer"
            yield _lint(
                f"{graph.label(drop)} comes after {after} of {_head_name(head)}: while training "
                f"it zeroes {pct(100 * p)} of the predictions themselves, so the training loss is noisy "
                "and does not match what evaluation sees",
                f"Move {drop} {where}, where it regularizes the features, or delete it.", drop,
                evidence={"p": p})


# -- rules on the body -------------------------------------------------------------------------------
def _stacked_linear(graph: _Graph) -> Iterable[Finding]:
    for a in graph.types:
        if not graph.traits(a).linear_map:
            continue
        stack, seen, found = [(s, ()) for s in graph.succs[a]], set(), {}
        while stack:
            node, via = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in graph.types and graph.traits(node).linear_map:
                found.setdefault(node, via)
            elif graph.traits(node).affine:
                stack.extend((s, via + (node,)) for s in graph.succs[node])
        for b, via in sorted(found.items(), key=lambda item: graph.index[item[0]]):
            between = f" (only {', '.join(via)} between them)" if via else ""
            yield _lint(
                f"{graph.label(a)} feeds Linear {b} with no activation{between}: two linear layers in a row "
                "collapse into one linear map, so the extra layer adds parameters but no power",
                f"Add a ReLU after {a} (before {b}), or delete one of the two.", a)


def _batchnorm_after_dropout(graph: _Graph) -> Iterable[Finding]:
    for b in graph.types:
        if not graph.traits(b).batch_statistics:
            continue
        for a in graph.preds[b]:
            if graph.traits(a).stochastic:
                yield _lint(
                    f"{graph.label(b)} comes right after {graph.label(a)}: BatchNorm learns its statistics on "
                    "dropped-out values while training but sees the full ones at evaluation (variance shift), "
                    "so validation loss suffers",
                    f"Swap {a} and {b} (BatchNorm, then the activation, then Dropout), or keep dropout "
                    "only after the last BatchNorm.", b)


def _saturating_stack(graph: _Graph, order: list[str]) -> Iterable[Finding]:
    """The longest run of Sigmoid/Tanh along a path that no ReLU-like activation or norm interrupts."""
    chain: dict[str, tuple[str, ...]] = {}
    for node in order:
        traits = graph.traits(node)
        inherited = max((chain.get(p, ()) for p in graph.preds.get(node, [])), key=len, default=())
        if traits.saturating:
            chain[node] = inherited + (node,)
        elif traits.normalizes or traits.activation:
            chain[node] = ()
        else:
            chain[node] = inherited
    longest = max(chain.values(), key=len, default=())
    if len(longest) < SATURATING_STACK:
        return
    last = longest[-1]
    sigmoid = any(graph.traits(n).computes == "sigmoid" for n in longest)
    factor = "at most 0.25 (Sigmoid)" if sigmoid else "less than 1 (Tanh)"
    yield _lint(
        f"{graph.label(last)} is the last of {len(longest)} saturating activations in a row "
        f"({', '.join(longest)}) with no ReLU or normalization between: "
        f"each multiplies the gradient by {factor}, so the first layers barely learn (vanishing gradients)",
        f"Use ReLU (or GELU) instead of {', '.join(longest)}, or add BatchNorm before each of them.", last,
        evidence={"depth": len(longest)})


def _too_many_params(graph: _Graph, check: GraphCheck | None, dataset: Any,
                     frozen: set[str] = frozenset()) -> Iterable[Finding]:
    n_train = getattr(dataset, "n_train", None)
    if check is None or not n_train:
        return
    learning = [n for nid, n in check.nodes.items() if nid not in frozen]   # not fitted from scratch here
    total = sum(int(n.n_params) for n in learning)
    ratio = total / n_train
    if ratio < PARAMS_PER_SAMPLE_INFO or not learning:
        return
    biggest = max(learning, key=lambda n: n.n_params)
    severity = "warning" if ratio >= PARAMS_PER_SAMPLE_WARNING else "info"
    entry = LAYERS.find(biggest.type)
    width = biggest.params.get(entry.width_param) if entry is not None and entry.width_param else None
    shrink = (f"shrink {biggest.id} (e.g. {width // 8 or 1} units instead of {width})"
              if isinstance(width, int) and width >= 16 else f"shrink {biggest.id}")
    yield _lint(
        f"The model has {total:,} parameters for {n_train:,} training samples ({num(ratio)} per sample); "
        f"{graph.label(biggest.id)} alone has {biggest.n_params:,}: it can memorize the training set",
        f"Bigger is not always better: {shrink}, add L2 (weight decay 1e-4) or dropout with early stopping, "
        "or add data.", biggest.id, severity=severity,
        evidence={"params": total, "n_train": n_train, "params_per_sample": ratio})


# -- entry point -------------------------------------------------------------------------------------
def lint_project(project: Project, check: GraphCheck | None, dataset: Any = None) -> list[Finding]:
    """Warnings about a model that will train but probably badly, most severe first, then in node order.

    ``check`` is :func:`core.graph.check_graph`'s result (shapes, parameter counts); ``dataset``
    a :class:`core.data.Dataset` or anything with ``targets`` and ``n_train``. Either may be
    ``None``: the rules that need them are skipped.
    """
    graph = _Graph.of(project, check)
    heads = _heads(project, graph, dataset)
    order = list(check.order) if check is not None else list(graph.types)
    findings: list[Finding] = []
    for head in heads:
        findings += _softmax_before_loss(graph, head)
        findings += _squashed_scores(graph, head)
        findings += _loss_for_target(graph, head)
        findings += _bounded_regression_head(graph, head, dataset)
    findings += _dropout_after_last_weights(graph, heads)
    findings += _stacked_linear(graph)
    findings += _batchnorm_after_dropout(graph)
    findings += _saturating_stack(graph, order)
    # frozen weights memorize nothing; transferred ones start from what an earlier network learned on other
    # data, so they are not fitted to these samples from scratch (fine-tuning a big network on little data
    # is what transfer is for)
    findings += _too_many_params(graph, check, dataset,
                                 {n.id for n in project.model.nodes if n.frozen or n.init is not None})
    rank = {"error": 0, "warning": 1, "info": 2}
    unique = {(f.node, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (rank[f.severity], graph.index.get(f.node or "", -1)))
