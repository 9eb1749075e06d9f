"""The "Neural Net Loss" preset: the article's eight questions on the person's own project (nine
studies: the optimizer is compared twice).

Values as the user guide lists them (resources/docs/command-line.md, "sweep"); the data size is scaled to the set at hand (1%, 10%, 100% of the
training split, never fewer than a few samples per class; sizes that keep as many samples are merged
by the plan). Knobs that the model cannot take (depth on a branching graph, dropout with no hidden
activation) are left out with the reason, not failed.

The article compares optimizers at one learning rate, which is unfair to SGD (at 0.001 it has barely
started); the preset runs that comparison and the fair one beside it, each optimizer at its own rate
from a small grid (measured on a 178-row wine table: the LR finder's valley rule gave SGD 0.018, where
0.3 ended 5x lower and on a par with Adam), and each result says which it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .knobs import KnobError, apply_setting, knob

PRESETS = ("neural-net-loss", "learning-curve", "small-data")
#: what each preset does, in one line (the CLI's help and the window's study dialog)
PRESET_WORDS = {
    "neural-net-loss": "the article's studies on this project (data size, activation, learning rate, ...)",
    "learning-curve": "validation loss against the size of the training split, fitted and forecast",
    "small-data": "scratch against augmentation, transfer and pseudo-labels (those that apply), over seeds",
}

FAIR_OPTIMIZER = "optimizer, each at its own learning rate"

#: (title, knob, values, how each setting gets its learning rate: "" the project's, "grid" its best of a grid)
NEURAL_NET_LOSS: tuple[tuple[str, str, tuple[Any, ...], str], ...] = (
    ("data size", "data_size", (0.01, 0.1, 1.0), ""),
    ("activation", "activation", ("Sigmoid", "ReLU", "Tanh"), ""),
    ("learning rate", "lr", (0.001, 0.01, 0.1), ""),
    ("regularization", "regularization", ("l1", "l2"), ""),
    ("dropout rate", "dropout", (0.2, 0.5, 0.8), ""),
    ("optimizer, at one learning rate", "optimizer", ("Adam", "SGD", "RMSprop"), ""),
    (FAIR_OPTIMIZER, "optimizer", ("Adam", "SGD", "RMSprop"), "grid"),
    ("depth", "depth", (1, 2, 3), ""),
    ("batch size", "batch_size", (16, 32, 64), ""),
)


@dataclass(frozen=True)
class PresetStudy:
    title: str
    vary: dict[str, list[Any]]          # empty when the study is skipped
    skipped: str = ""                   # why the model cannot take this knob
    tune_lr: str = ""
    baseline: dict[str, Any] | None = None   # the setting the others are compared with (small-data: scratch)
    notes: tuple[str, ...] = ()


def data_sizes(n_train: int, n_classes: int = 0) -> tuple[float, ...]:
    """1%, 10%, 100% of the split, raised so the smallest keeps at least 4 samples per class (or 8)."""
    floor = max(8, 4 * n_classes) / max(1, n_train)
    out = []
    for f in (0.01, 0.1, 1.0):
        v = min(1.0, max(f, floor))
        if not out or v > out[-1]:
            out.append(round(v, 4))
    return tuple(out)


def preset_studies(name: str, project, dataset) -> list[PresetStudy]:
    """The preset's studies on this project and data; a skipped one has an empty ``vary`` and its reason."""
    if name not in PRESETS:
        raise KnobError(f"unknown preset {name!r}: {', '.join(PRESETS)}")
    first = dataset.targets[dataset.default_target]
    if name == "learning-curve":
        from .learning_curve import learning_curve_sizes
        sizes = learning_curve_sizes(dataset.n_train, len(first.classes) if first.is_classification else 0)
        return [PresetStudy("learning curve", {"data_size": list(sizes)})]
    if name == "small-data":
        from .smalldata_preset import TITLE, describe_augmentation, small_data_plan
        helpers, skipped = small_data_plan(project, dataset)
        return [PresetStudy(TITLE, {"helper": helpers}, baseline={"helper": "scratch"},
                            # the skipped helpers also go in the table's notes: the window shows those
                            notes=(describe_augmentation(project), *(f"{h} not tried: {why}" for h, why in skipped))),
                *(PresetStudy(h, {}, why) for h, why in skipped)]
    doc = project.to_dict()
    out = []
    for title, k, values, tune in NEURAL_NET_LOSS:
        if k == "data_size":
            values = data_sizes(dataset.n_train, len(first.classes) if first.is_classification else 0)
        try:
            apply_setting(doc, {k: knob(k).parse(values[0])})
        except KnobError as e:
            out.append(PresetStudy(title, {}, str(e), tune))
            continue
        out.append(PresetStudy(title, {k: list(values)}, "", tune))
    return out
