"""Per-node statistics of one probe: activations on a fixed batch, gradients and updates per node.

Every statistic is reduced on the model's device into a 0-dim tensor; the probe stacks them all
and copies them to the host in one transfer (``torch.stack(...).tolist()``): a ``.item()`` per
layer would stall a GPU once per layer.

The activations come from :meth:`GraphNetwork.forward_all` on the probe batch (eval mode, no
gradient), which hands back every node's output in one pass; no forward hook sits on the training
path, so the steps between probes cost exactly what they cost without monitoring.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..catalog import LAYERS

#: a saturating unit counts as saturated beyond this share of its range from the centre
SATURATION_EDGE = 0.97

#: the statistic names, in the order of the CSV columns
STATISTICS = ("mean", "std", "dead", "saturated", "grad_norm", "update_ratio")


@dataclass(frozen=True)
class NodePlan:
    """What to measure at one node: its kind of activation and its trainable parameters."""
    id: str
    type: str
    dies: bool = False                              # ReLU family: share of units zero on every sample
    saturates: tuple[float, float] | None = None    # (centre, half range) of a Sigmoid/Tanh output
    params: tuple[torch.Tensor, ...] = field(default=(), repr=False)
    has_weights: bool = False                       # Linear, Conv, recurrent, Embedding


def plan_nodes(model) -> list[NodePlan]:
    """The nodes of a :class:`~core.network.GraphNetwork` in graph order, with what each reports."""
    plans = []
    for nid in model.order:
        entry = LAYERS.get(model.types[nid])
        traits = entry.traits
        sat = None
        if traits.saturating and traits.bounded:
            lo, hi = traits.output_range
            sat = ((lo + hi) / 2, (hi - lo) / 2)
        key = nid.replace(".", "_")
        module = model.layers[key] if key in model.layers else None
        params = tuple(p for p in module.parameters() if p.requires_grad) if module is not None else ()
        plans.append(NodePlan(nid, model.types[nid], traits.dies, sat, params, traits.has_weights))
    return plans


def _first_tensor(value):
    """A recurrent module may hand back (output, state): the node's output is the first tensor."""
    while isinstance(value, (tuple, list)):
        value = value[0]
    return value


def _mean_std(flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and (sample) spread from a sum and a dot product: ~20x faster than ``torch.std_mean`` on
    the CPU, and exact enough for a health statistic."""
    v = flat.reshape(-1)
    n = v.numel()
    mean = v.sum() / n
    if n < 2:
        return mean, torch.zeros_like(mean)
    var = (torch.dot(v, v) / n - mean * mean).clamp_min(0) * (n / (n - 1))
    return mean, var.sqrt()


def activation_stats(plans: list[NodePlan], outs: dict) -> tuple[list[tuple[str, str]], list[torch.Tensor]]:
    """(keys, 0-dim tensors on the device): mean and spread of every node's output on the probe
    batch, plus the dead share (ReLU family) and the saturated share (Sigmoid/Tanh). A node that
    passes its input on unchanged (Flatten, Dropout in eval mode) reuses its input's numbers."""
    keys: list[tuple[str, str]] = []
    values: list[torch.Tensor] = []
    seen: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]] = {}
    for plan in plans:
        out = _first_tensor(outs.get(plan.id))
        if not isinstance(out, torch.Tensor) or out.numel() == 0 or out.dim() == 0:
            continue
        flat = out.detach().reshape(out.shape[0], -1)
        if not flat.is_floating_point():
            flat = flat.float()
        same = (flat.data_ptr(), flat.numel())
        if same not in seen:
            seen[same] = _mean_std(flat.contiguous())
        mean, std = seen[same]
        keys += [(plan.id, "mean"), (plan.id, "std")]
        values += [mean, std]
        if plan.dies:  # a unit is dead when it is zero for every probe sample (it gets no gradient)
            keys.append((plan.id, "dead"))
            values.append(flat.amax(dim=0).le(0).float().mean())
        if plan.saturates is not None:
            centre, half = plan.saturates
            keys.append((plan.id, "saturated"))
            values.append(((flat - centre).abs() > SATURATION_EDGE * half).float().mean())
    return keys, values


def _node_norms(plans: list[NodePlan], tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """One norm per node over all of its parameters' ``tensors`` (in plan order, flattened)."""
    norms = torch._foreach_norm(tensors) if tensors else []
    out, k = [], 0
    for plan in plans:
        n = len(plan.params)
        if n:
            part = norms[k:k + n]
            out.append(part[0] if n == 1 else torch.linalg.vector_norm(torch.stack(part)))
            k += n
    return out


def snapshot(plans: list[NodePlan]) -> list[torch.Tensor]:
    """Copies of every parameterised node's parameters, before the probed step."""
    return [p.detach().clone() for plan in plans for p in plan.params]


def parameter_stats(plans: list[NodePlan], before: list[torch.Tensor] | None
                    ) -> tuple[list[tuple[str, str]], list[torch.Tensor]]:
    """Gradient norm per parameterised node (the last step's gradients, still in ``.grad``) and the
    update-to-weight ratio ||W_after - W_before|| / ||W_before|| when ``before`` is given."""
    owners = [plan for plan in plans if plan.params]
    params = [p for plan in owners for p in plan.params]
    if not params:
        return [], []
    grads = [p.grad.detach() if p.grad is not None else torch.zeros_like(p) for p in params]
    keys = [(plan.id, "grad_norm") for plan in owners]
    values = _node_norms(owners, grads)
    if before is not None and len(before) == len(params):
        current = [p.detach() for p in params]
        updates = _node_norms(owners, torch._foreach_sub(current, before))
        weights = _node_norms(owners, before)
        keys += [(plan.id, "update_ratio") for plan in owners]
        values += [u / w.clamp_min(1e-12) for u, w in zip(updates, weights)]
    return keys, values


def to_host(keys: list[tuple[str, str]], values: list[torch.Tensor]) -> dict[str, dict[str, float]]:
    """One transfer for the whole probe: ``{node: {statistic: value}}`` as Python floats."""
    if not values:
        return {}
    host = torch.stack([v.reshape(()).float() for v in values]).tolist()
    nodes: dict[str, dict[str, float]] = {}
    for (node, stat), v in zip(keys, host):
        nodes.setdefault(node, {})[stat] = v if math.isfinite(v) else math.nan
    return nodes


def forward_all_eval(model, x: torch.Tensor) -> dict:
    """Every node's output on ``x`` in eval mode (no dropout, BatchNorm's running statistics), without
    gradient; the model's training mode is restored."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model.forward_all(x)
    finally:
        model.train(was_training)
