"""Planted faults for the health monitor: real runs of small MLPs with one known problem at one known node.

Shared by the fast tests (tests/core/test_health.py) and the benchmark (tests/benchmarks/bench_health.py).
Each fault returns ``(project, dataset, setup_hook, expected_kind, expected_node)``; the hook changes the
built model before training (the planted bias) and may be None.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from core.data import load_dataset
from core.project import Project
from core.training import train
from core.training.setup import prepare

DATASETS = {"moons": {"samples": 400, "noise": 0.1}, "circle": {"samples": 400, "noise": 0.05},
            "spiral": {"samples": 400, "noise": 0.08}}


def mlp(source: str, widths: list[int], activation: str, *, lr: float = 0.01, optimizer: str = "Adam",
        epochs: int = 8, seed: int = 0, normalize: bool = True, batch_size: int = 32) -> Project:
    """An MLP Input -> [Linear fcK, activation actK] * len(widths) -> Linear out (2 classes)."""
    nodes = [{"id": "input", "type": "Input"}]
    edges, prev = [], "input"
    for k, width in enumerate(widths, 1):
        nodes += [{"id": f"fc{k}", "type": "Linear", "params": {"out_features": width}},
                  {"id": f"act{k}", "type": activation}]
        edges += [[prev, f"fc{k}"], [f"fc{k}", f"act{k}"]]
        prev = f"act{k}"
    nodes.append({"id": "out", "type": "Linear", "params": {"out_features": 2}})
    edges.append([prev, "out"])
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": f"{source}-{activation}",
        "data": {"source": source, "params": dict(DATASETS[source]), "task": "classification",
                 "val_fraction": 0.25, "seed": seed, "normalize": normalize},
        "model": {"nodes": nodes, "edges": edges},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}, "weight": 1.0}],
        "training": {"optimizer": {"type": optimizer, "params": {"lr": lr}},
                     "schedule": {"type": "Constant", "params": {}}, "epochs": epochs, "batch_size": batch_size,
                     "seed": seed, "device": "cpu", "grad_clip": 0.0}})


@dataclass
class Fault:
    name: str
    kind: str          # the finding kind that must name the node
    node: str          # the node it must name
    build: Callable[[str, int], tuple]   # (source, seed) -> (project, dataset, hook)


def _dead(source: str, seed: int):
    p = mlp(source, [32, 32], "ReLU", seed=seed)

    def hook(setup):
        with torch.no_grad():  # a large negative bias: act2 outputs 0 for every input from the start
            setup.model.layers["fc2"].bias.fill_(-50.0)
    return p, load_dataset(p.data, p.base_dir), hook


def _saturated(source: str, seed: int):
    p = mlp(source, [32, 32], "Tanh", seed=seed, normalize=False)
    ds = load_dataset(p.data, p.base_dir)
    scale = 100.0 / ds.x_train.std()  # unnormalised inputs of scale 100
    for name in ("x_train", "x_val", "x_test"):
        getattr(ds, name).mul_(scale)
    return p, ds, None


def _vanishing(source: str, seed: int):
    return mlp(source, [16] * 12, "Sigmoid", seed=seed, epochs=4), None, None


def _exploding(source: str, seed: int):
    """fc2 learns at 100x the rate of the rest (SGD's step is the rate times the gradient, so 100x its
    gradient is 100x its rate), without clipping: the node is known."""
    p = mlp(source, [32, 32], "ReLU", seed=seed, lr=0.1, optimizer="SGD")

    def hook(setup):
        for param in setup.model.layers["fc2"].parameters():
            param.register_hook(lambda g: g * 100.0)
    return p, None, hook


def exploding_everywhere(source: str, seed: int):
    """The whole network at 100x SGD's usual rate of 0.1, without clipping (no single right node)."""
    return mlp(source, [32, 32], "ReLU", seed=seed, lr=10.0, optimizer="SGD"), None, None


FAULTS = [Fault("dead ReLUs", "dead_units", "act2", _dead),
          Fault("saturated tanh", "saturated_units", "act1", _saturated),
          Fault("vanishing gradients", "vanishing_gradients", "fc1", _vanishing),
          Fault("exploding updates", "large_updates", "fc2", _exploding)]


def run_fault(fault: Fault, source: str, seed: int, **train_kwargs):
    """Train the planted fault for real; returns the run result."""
    project, dataset, hook = fault.build(source, seed)
    if dataset is None:
        dataset = load_dataset(project.data, project.base_dir)
    setup = prepare(project, dataset, seed=seed)
    if hook is not None:
        hook(setup)
    return train(project, dataset=dataset, setup=setup, seed=seed, **train_kwargs)


def named(result, fault: Fault) -> bool:
    """The run has a finding of the fault's kind at the right node (for exploding updates, at the node
    whose measured update-to-weight ratio was the largest)."""
    found = [f for f in result.findings if f.kind == fault.kind]
    if not found:
        return False
    node = fault.node or largest_update_node(result)
    return found[0].node == node and found[0].to_dict()["evidence"].get("node") == node


def largest_update_node(result) -> str | None:
    best, node = -1.0, None
    for probe in result.health:
        for n, stats in probe.nodes.items():
            v = stats.get("update_ratio")
            if v is not None and v == v and v > best:
                best, node = v, n
    return node
