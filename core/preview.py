"""A node's output on a sample batch, cached so that an edit recomputes only what it touches.

:class:`PreviewCache` keeps each node's output under a key made of the node's type, its settings,
the keys of its inputs (in order) and the weights it runs with: the key of a node changes exactly
when the node or anything upstream of it changes. After an edit, the nodes before it keep their
keys and their cached outputs; the edited node and everything after it are computed again.

Weights: without trained weights each node is built from a seed of its own (the project's seed,
its id and its settings), so its weights are initial ones of the right distribution that do not
change when another node is edited (``NodePreview.initial`` says so; training draws them in one
sequence, so they differ from the first epoch's by chance only). ``state_dict`` (a trained model's)
gives the nodes it holds their trained weights.

Only the nodes asked for and those upstream of them are computed (a 10,000-node graph previews
the visible part), and the cache holds at most :data:`MAX_ENTRIES` outputs.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import torch

from .catalog import LAYERS
from .graph import check_graph

#: samples in the preview batch
SAMPLES = 64
#: outputs kept (least recently used dropped first)
MAX_ENTRIES = 2000

__all__ = ["NodePreview", "PreviewCache", "preview_project", "sample_batch"]


@dataclass(frozen=True)
class NodePreview:
    """One node's output on the sample batch: its per-sample shape and statistics, or why not."""
    id: str
    type: str
    shape: tuple[int, ...] | None = None
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    zero_share: float | None = None         # share of exact zeros (dead ReLU units show here)
    initial: bool = True                    # initial weights (no trained weights were given)
    error: str | None = None
    output: torch.Tensor | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = {"id": self.id, "type": self.type, "shape": list(self.shape) if self.shape is not None else None,
             "mean": self.mean, "std": self.std, "min": self.min, "max": self.max, "zero_share": self.zero_share,
             "initial_weights": self.initial}
        if self.error:
            d["error"] = self.error
        return d


def sample_batch(dataset, samples: int = SAMPLES) -> torch.Tensor:
    """The fixed sample batch: the first validation samples (else the first training samples)."""
    x = dataset.x_val if dataset.x_val.shape[0] else dataset.x_train
    return x[:samples]


def _num(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _stats(node: str, type_: str, out, initial: bool) -> NodePreview:
    while isinstance(out, (tuple, list)):
        out = out[0]
    flat = out.detach().float().reshape(-1)
    if flat.numel() == 0:
        return NodePreview(node, type_, tuple(out.shape[1:]), initial=initial, output=out)
    values = torch.stack([flat.mean(), flat.std() if flat.numel() > 1 else torch.zeros(()), flat.min(), flat.max(),
                          (flat == 0).float().mean()]).tolist()  # one transfer
    mean, std, lo, hi, zeros = (_num(v) for v in values)
    return NodePreview(node, type_, tuple(out.shape[1:]), mean, std, lo, hi, zeros, initial, output=out)


class PreviewCache:
    """Per-node outputs on one sample batch ``x``, reused across edits (see the module doc)."""

    def __init__(self, x: torch.Tensor, *, limit: int = MAX_ENTRIES):
        self.x = x
        self.limit = limit
        self._outputs: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._stats: dict[str, NodePreview] = {}   # by key, alongside the outputs
        self.computed: list[str] = []          # the nodes the last call computed (not taken from the cache)
        self._x_key = hashlib.sha1(repr((tuple(x.shape), float(x.double().sum()))).encode()).hexdigest()[:16]

    def clear(self) -> None:
        self._outputs.clear()
        self._stats.clear()

    def run(self, project, targets: Mapping | None = None, *, nodes: Iterable[str] | None = None,
            state_dict: Mapping[str, torch.Tensor] | None = None, weights_tag: str = "",
            check=None) -> dict[str, NodePreview]:
        """Previews of ``nodes`` (default: all) of ``project``'s model, in graph order.

        ``state_dict``: trained weights (a :class:`~core.network.GraphNetwork`'s); ``weights_tag``
        names them in the cache keys (give a new tag when the weights change, e.g. the step).
        ``check``: the project's :func:`~core.graph.check_graph` for this input shape, when the caller
        has it already (the window's document checks after every edit); else it is checked here."""
        self.computed = []
        if check is None or set(check.order) != set(project.model.ids()):
            check = check_graph(project, tuple(self.x.shape[1:]), targets)
        edges = [tuple(e) for e in project.model.edges]
        preds = {nid: [a for a, b in edges if b == nid] for nid in check.order}
        wanted = set(check.order if nodes is None else nodes) & set(check.order)
        needed = self._upstream(wanted, preds)
        problems = {}
        for p in check.problems:
            if p.severity == "error" and p.node:
                problems.setdefault(p.node, p.message)
        keys: dict[str, str | None] = {}
        outs: dict[str, torch.Tensor] = {}
        result: dict[str, NodePreview] = {}
        seed = project.training.seed
        for nid in check.order:
            if nid not in needed:
                continue
            info = check.nodes[nid]
            # a node that is not wired to a head yet still previews: only a node without a shape cannot
            bad = next((f"input {a} has an error" for a in preds[nid] if keys.get(a) is None), None) or (
                None if info.out_shape is not None else problems.get(nid, f"node {nid}: its output shape is unknown"))
            if bad:
                keys[nid] = None
                result[nid] = NodePreview(nid, info.type, error=bad, initial=state_dict is None)
                continue
            trained = _node_state(state_dict, nid)
            key = _key(info, [keys[a] for a in preds[nid]], self._x_key, weights_tag if trained else "", seed)
            keys[nid] = key
            try:
                out = self._outputs.get(key)
                if out is None:
                    out = self._compute(info, [outs[a] for a in preds[nid]], seed, trained)
                    self._store(key, out)
                    self.computed.append(nid)
                else:
                    self._outputs.move_to_end(key)
            except (RuntimeError, ValueError, TypeError) as exc:
                keys[nid] = None
                result[nid] = NodePreview(nid, info.type, error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}",
                                          initial=not trained)
                continue
            outs[nid] = out
            if nid in wanted:
                shown = self._stats.get(key)
                if shown is None:
                    shown = self._stats[key] = _stats(nid, info.type, out, not trained)
                result[nid] = shown
        return result

    @staticmethod
    def _upstream(wanted: set[str], preds: dict[str, list[str]]) -> set[str]:
        seen, stack = set(), list(wanted)
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(preds.get(n, ()))
        return seen

    def _compute(self, info, inputs: list[torch.Tensor], seed: int, trained) -> torch.Tensor:
        entry = LAYERS.get(info.type)
        if entry.is_input:
            return self.x
        # the caller's random state stays as it was; the default generator's own manual_seed, since
        # torch.manual_seed records the caller's stack (a third of an edit's time)
        state = torch.get_rng_state()
        try:
            torch.default_generator.manual_seed(_node_seed(seed, info))
            module = entry.builder(info.params, info.in_shapes)
        finally:
            torch.set_rng_state(state)
        if trained:
            module.load_state_dict(trained)
        module.eval()
        with torch.no_grad():
            return module(*inputs)

    def _store(self, key: str, out: torch.Tensor) -> None:
        self._outputs[key] = out
        while len(self._outputs) > self.limit:
            old, _ = self._outputs.popitem(last=False)
            self._stats.pop(old, None)


def _node_seed(seed: int, info) -> int:
    text = json.dumps([seed, info.id, info.type, info.params], sort_keys=True, default=str)
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def _key(info, pred_keys: list[str], x_key: str, weights: str, seed: int) -> str:
    text = json.dumps([info.id, info.type, info.params, pred_keys, x_key, weights, seed], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


def _node_state(state_dict, nid: str) -> dict | None:
    """The node's own entries of a GraphNetwork state dict (``layers.<id>.``), or None."""
    if not state_dict:
        return None
    prefix = f"layers.{nid.replace('.', '_')}."
    own = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    return own or None


def preview_project(project, dataset, *, nodes: Iterable[str] | None = None, samples: int = SAMPLES,
                    state_dict: Mapping[str, torch.Tensor] | None = None) -> list[NodePreview]:
    """Every node's (or ``nodes``') preview on the data set's sample batch, in graph order."""
    cache = PreviewCache(sample_batch(dataset, samples))
    return list(cache.run(project, dataset.targets, nodes=nodes, state_dict=state_dict).values())
