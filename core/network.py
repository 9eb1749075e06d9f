"""Build a checked model graph into a ``torch.nn.Module``."""
from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from .catalog import LAYERS
from .graph import GraphCheck, GraphError, check_graph
from .project import Project


class GraphNetwork(nn.Module):
    """Runs the nodes in topological order; returns one tensor per output head (project order)."""

    def __init__(self, check: GraphCheck, edges: list[tuple[str, str]], output_nodes: list[str]):
        super().__init__()
        self.order = list(check.order)
        self.types = {i: check.nodes[i].type for i in self.order}
        self.layers = nn.ModuleDict()
        index = {nid: k for k, nid in enumerate(self.order)}
        self._preds: list[list[int]] = []
        for nid in self.order:
            info = check.nodes[nid]
            self._preds.append([index[a] for a, b in edges if b == nid])
            if not LAYERS.get(info.type).is_input:
                self.layers[_key(nid)] = LAYERS.get(info.type).builder(info.params, info.in_shapes)
        self._modules_in_order = [self.layers[_key(n)] if _key(n) in self.layers else None for n in self.order]
        self._outputs = [index[o] for o in output_nodes]
        # values no later node needs can be freed early: remember each node's last use
        self._last_use = {k: max([j for j, ps in enumerate(self._preds) if k in ps], default=-1)
                          for k in range(len(self.order))}

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        vals: list[Any] = [None] * len(self.order)
        for k, mod in enumerate(self._modules_in_order):
            if mod is None:
                vals[k] = x
            else:
                preds = self._preds[k]
                vals[k] = mod(vals[preds[0]]) if len(preds) == 1 else mod(*[vals[p] for p in preds])
        return [vals[k] for k in self._outputs]

    def forward_all(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every node's output (for dead-unit counts and inspection)."""
        vals: list[Any] = [None] * len(self.order)
        for k, mod in enumerate(self._modules_in_order):
            preds = self._preds[k]
            vals[k] = x if mod is None else (mod(vals[preds[0]]) if len(preds) == 1 else mod(*[vals[p] for p in preds]))
        return dict(zip(self.order, vals))


def _key(node_id: str) -> str:
    # ModuleDict keys may not contain dots
    return node_id.replace(".", "_")


def build_model(project: Project, input_shape: tuple[int, ...], targets: Mapping[str, Any] | None = None,
                *, check: GraphCheck | None = None) -> GraphNetwork:
    """Check the graph and build it; raises :class:`GraphError` listing every problem."""
    check = check or check_graph(project, input_shape, targets)
    if not check.ok:
        raise GraphError([p for p in check.problems if p.severity == "error"])
    return GraphNetwork(check, list(project.model.edges), project.output_nodes())
