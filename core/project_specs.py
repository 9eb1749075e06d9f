"""The parts of a project document, as dataclasses: data, nodes and graph, components (optimizer,
schedule, loss), output heads and training settings. :mod:`core.project` parses and writes them and
re-exports every name here, so ``from core.project import DataSpec`` keeps working."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import DEFAULT_OPTIMIZER, DEFAULT_SCHEDULE, default_loss


@dataclass
class DataSpec:
    source: str = "spiral"
    params: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    target: str | list[str] | None = None
    features: list[str] | None = None
    task: str = "auto"
    val_fraction: float = 0.2
    test_fraction: float = 0.0
    seed: int = 0
    normalize: bool = True
    #: CSV tables: missing cells "mean" (training mean / most frequent category), "most_frequent" or "drop"
    missing: str = "mean"
    #: CSV tables: categorical column -> its categories (one-hot order), kept so later files map the same way;
    #: a numeric column listed here is treated as categories ([] = take them from the training file)
    categories: dict[str, list[str]] = field(default_factory=dict)
    #: small data (core.data.subset): keep only these classes of the first classification target (relabelled
    #: 0..k-1 in this order) and at most ``per_class`` training rows of each; validation/test keep every row
    classes: list[str] | None = None
    per_class: int | None = None
    #: augmentation of training batches (core.data.augment): name -> strength, e.g. {"shift": 1, "noise": 0.1}
    augment: dict[str, Any] = field(default_factory=dict)
    #: samples left out of the training split (core.data.exclude): image paths, table rows (1-based) or indices
    exclude: list[str | int] = field(default_factory=list)


@dataclass
class NodeSpec:
    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    #: transfer (core.training.transfer): {"run": RUN_ID} or {"file": PATH}, optional "node": source node id
    init: dict[str, str] | None = None
    #: no gradient, no optimizer entry, BatchNorm statistics held (the module stays in eval mode)
    frozen: bool = False
    #: this node's learning rate = the optimizer's rate x this factor (its own optimizer param group)
    lr_multiplier: float = 1.0


@dataclass
class ModelSpec:
    nodes: list[NodeSpec] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)

    def node(self, node_id: str) -> NodeSpec:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def predecessors(self, node_id: str) -> list[str]:
        return [a for a, b in self.edges if b == node_id]

    def successors(self, node_id: str) -> list[str]:
        return [b for a, b in self.edges if a == node_id]


@dataclass
class Component:
    """An optimizer, schedule or loss: a catalog type name and its constructor keywords."""
    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutputSpec:
    node: str
    loss: Component = field(default_factory=lambda: Component(default_loss(None)))
    target: str | None = None
    weight: float = 1.0


@dataclass
class EarlyStopping:
    patience: int = 0
    min_delta: float = 0.0
    restore_best: bool = True


@dataclass
class PseudoLabels:
    """``training.pseudo_labels``: unlabelled training rows learn from the network's confident predictions
    (:mod:`core.training.pseudo_labels`). ``label_fraction`` < 1 hides the labels of the rest of the
    training split (seeded by ``data.seed``); ``rounds`` 0 only hides them (the scratch run to compare)."""
    threshold: float = 0.95
    rounds: int = 3
    label_fraction: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "rounds": self.rounds, "label_fraction": self.label_fraction}


@dataclass
class TrainingSpec:
    optimizer: Component = field(default_factory=lambda: Component(DEFAULT_OPTIMIZER, {"lr": 0.001}))
    schedule: Component = field(default_factory=lambda: Component(DEFAULT_SCHEDULE))
    epochs: int = 100
    batch_size: int = 32
    seed: int = 0
    device: str = "auto"
    l1: float = 0.0
    l2: float = 0.0
    grad_clip: float = 0.0
    early_stopping: EarlyStopping = field(default_factory=EarlyStopping)
    pseudo_labels: PseudoLabels | None = None
