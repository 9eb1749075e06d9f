"""The "Neural Net Loss" preset: the article's eight studies on the person's own project.

Values as the user guide lists them (resources/docs/command-line.md, "sweep"); the data size is scaled
to the set at hand (1%, 10%, 100% of the training split, never fewer than a few samples per class). Knobs that the model cannot take (depth on
a branching graph, dropout with no hidden activation) are left out with the reason, not failed.
"""
from __future__ import annotations

from typing import Any

from .knobs import KnobError, apply_setting, knob

PRESETS = ("neural-net-loss",)

NEURAL_NET_LOSS: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("data size", "data_size", (0.01, 0.1, 1.0)),
    ("activation", "activation", ("Sigmoid", "ReLU", "Tanh")),
    ("learning rate", "lr", (0.001, 0.01, 0.1)),
    ("regularization", "regularization", ("l1", "l2")),
    ("dropout rate", "dropout", (0.2, 0.5, 0.8)),
    ("optimizer", "optimizer", ("Adam", "SGD", "RMSprop")),
    ("depth", "depth", (1, 2, 3)),
    ("batch size", "batch_size", (16, 32, 64)),
)


def data_sizes(n_train: int, n_classes: int = 0) -> tuple[float, ...]:
    """1%, 10%, 100% of the split, raised so the smallest keeps at least 4 samples per class (or 8)."""
    floor = max(8, 4 * n_classes) / max(1, n_train)
    out = []
    for f in (0.01, 0.1, 1.0):
        v = min(1.0, max(f, floor))
        if not out or v > out[-1]:
            out.append(round(v, 4))
    return tuple(out)


def preset_studies(name: str, project, dataset) -> list[tuple[str, dict[str, list[Any]], str]]:
    """``[(title, vary, skipped_reason)]`` for the preset; ``vary`` is empty when the study is skipped."""
    if name != "neural-net-loss":
        raise KnobError(f"unknown preset {name!r}: {', '.join(PRESETS)}")
    doc = project.to_dict()
    first = dataset.targets[dataset.default_target]
    out = []
    for title, k, values in NEURAL_NET_LOSS:
        if k == "data_size":
            values = data_sizes(dataset.n_train, len(first.classes) if first.is_classification else 0)
        try:
            apply_setting(doc, {k: knob(k).parse(values[0])})
        except KnobError as e:
            out.append((title, {}, str(e)))
            continue
        out.append((title, {k: list(values)}, ""))
    return out
