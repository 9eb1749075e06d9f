"""What an exported model needs done to a raw sample, so raw rows give LossLab's predictions.

LossLab trains on inputs it has prepared: a table's categorical columns one-hot encoded, missing
cells filled, every input standardized with the training split's mean and spread. An exported
network fed the table's own rows would otherwise see other numbers than it was trained on. So
every export carries its preprocessing:

- ``pt2`` and ``onnx``: :class:`RawInput` puts the numeric steps inside the graph, as its first
  operations (missing numbers filled, columns put in the network's order, standardized). The
  file takes raw numbers; a categorical column arrives one-hot, as the preprocessing JSON says.
- ``py``: the script carries the same description and applies all of it (one-hot included) to
  raw rows (``--predict FILE.csv``).
- ``state_dict``: the weights of the bare network; the JSON beside them lists every step to do.

The description (:class:`Preprocessing`) is one JSON document (``FORMAT``), written beside the
model as ``<model file>.preprocessing.json``. How a source's raw samples look is one entry of
``RAW_INPUTS`` (tables: named columns; built-in sets and NPZ: the arrays as the source makes
them). An image source plugs in there: its entry returns ``{"kind": "images", ...}`` naming the
steps that stay outside any graph (decode, colour mode, crop-or-pad or resize to the target size,
scale to 0..1, channels first), and no columns; its standardization (one value, or per channel with
shape ``(C, 1, 1)``) rides in ``Dataset.mean``/``std`` and goes into the graph like any other. The
script's ``read_samples`` then gains the matching branch that decodes files.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..catalog import LOSSES

FORMAT = "losslab-preprocessing"
VERSION = 1
SUFFIX = ".preprocessing.json"


@dataclass
class RawColumn:
    """One input column of a table, as it sits in the raw input (table order)."""

    name: str
    kind: str                       # "numeric" or "categorical"
    slots: list[int]                # positions in the raw input vector (one, or one per category)
    categories: list[str] = field(default_factory=list)
    fill: float | str | None = None  # what a missing cell becomes (the training split's)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "kind": self.kind, "slots": self.slots}
        if self.kind == "categorical":
            d["categories"] = self.categories
        if self.fill is not None:
            d["missing_becomes"] = self.fill
        return d


@dataclass
class Preprocessing:
    """Raw sample -> the network's input: ``raw`` describes the raw sample (``kind``: "table",
    "array", later "images"), ``order`` maps the network's inputs to raw slots, ``fill`` replaces
    NaN per raw slot (tables), ``mean``/``std`` standardize the network's inputs (None: off)."""

    raw: dict[str, Any]
    input_shape: tuple[int, ...]
    network_features: list[str]
    order: list[int] | None = None
    fill: np.ndarray | None = None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    columns: list[RawColumn] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        return self.raw.get("kind") == "table"

    @property
    def is_images(self) -> bool:
        return self.raw.get("kind") == "images"

    @property
    def per_position(self) -> bool:
        """Whether the statistics hold one value per input position (not one for all)."""
        return self.mean is not None and np.asarray(self.mean).size > 1

    def raw_names(self) -> list[str]:
        """The raw input's column names in order (tables), else the network's feature names."""
        return [c.name for c in self.columns] if self.columns else list(self.network_features)

    def has_categories(self) -> bool:
        return any(c.kind == "categorical" for c in self.columns)

    # -- the steps -----------------------------------------------------------------------------------
    def module(self) -> "RawInput":
        """The in-graph steps as an ``nn.Module`` with buffers (identity when there are none)."""
        return RawInput(self)

    # -- the document ----------------------------------------------------------------------------------
    def to_dict(self, model_format: str, model_file: str, project_name: str) -> dict[str, Any]:
        in_model = model_format in ("pt2", "onnx")
        steps = self.steps()
        raw = dict(self.raw)
        if self.columns:
            raw["columns"] = [c.to_dict() for c in self.columns]
            raw["width"] = sum(len(c.slots) for c in self.columns)
        return {
            "format": FORMAT, "version": VERSION, "project": project_name,
            "model_file": model_file, "model_format": model_format,
            "raw_input": raw,
            "in_model": steps if in_model else [],
            "do_yourself": self.outside_steps() + ([] if in_model else steps),
            "network_input": {"shape": list(self.input_shape), "features": self.network_features,
                              "order": self.order},
            "normalize": None if self.mean is None else {
                "mean": np.asarray(self.mean).tolist(), "std": np.asarray(self.std).tolist(),
                "per": "channel" if self.is_images else "feature" if self.per_position else "all values"},
            "outputs": self.outputs,
        }

    def steps(self) -> list[str]:
        """The numeric steps (inside pt2/onnx; yours for a state dict), in order."""
        out = []
        if self.fill is not None:
            out.append("fill: a missing number (NaN) becomes the training split's value "
                       "(raw_input.columns[].missing_becomes)")
        if self.order is not None:
            out.append("reorder: network input i = raw slot network_input.order[i]")
        if self.mean is not None:
            out.append("standardize: (x - normalize.mean) / normalize.std")
        return out

    def outside_steps(self) -> list[str]:
        """What always happens before the model file: building the raw input from a sample."""
        if self.is_images:
            return list(IMAGE_STEPS)
        if self.has_categories():
            return ["one-hot: each categorical column fills its slots, 1.0 in the slot of its category "
                    "(raw_input.columns[].categories, in that order), 0.0 elsewhere; a missing cell counts "
                    "as its missing_becomes category, a category not listed leaves every slot 0.0"]
        return []

    def input_sentence(self, model_format: str, json_name: str) -> str:
        """What the exported file expects, in one sentence for the dialog and the command line."""
        names = self.raw_names()
        shown = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
        if model_format == "py":
            what = (f"the table's raw rows (a CSV with the columns {shown}; text and missing cells as they are)"
                    if self.is_table else "raw samples as the data set holds them (.npy or a CSV of numbers)")
            return (f"input: {what}, with --predict FILE (and --weights from a state_dict export); the steps "
                    "are the script's PREPROCESSING")
        if model_format == "state_dict":
            return (f"input: the network's own inputs (encoded and standardized); the steps from raw "
                    f"columns ({shown}) are listed in {json_name}")
        if self.is_images:
            return (f"input: decoded images as float32 pixel values 0..255, shape N x {'x'.join(map(str, self.input_shape))} "
                    f"(decode, colour, fit to size: the steps in {json_name}); standardizing is built in")
        if self.is_table:
            what = f"raw columns, in this order: {shown}"
            if self.has_categories():
                width = sum(len(c.slots) for c in self.columns)
                cats = ", ".join(_one_hot_words(c) for c in self.columns if c.kind == "categorical")
                what = (f"a row of {width} numbers: the raw columns in this order ({shown}), where {cats}"
                        f" (the categories' order is in {json_name})")
            return "input: " + what + "; a missing number may be NaN"
        what = "raw values as the data set holds them (shape " + "x".join(map(str, self.input_shape)) + ")"
        return f"input: {what}; standardizing is built in (see {json_name})"


def _one_hot_words(column: RawColumn) -> str:
    """"city is one-hot, 4 numbers (Lyon, Paris, Nice, Lille)" — the first few categories named."""
    cats = column.categories
    named = ", ".join(cats[:4]) + (f", … {len(cats)} in all" if len(cats) > 4 else "")
    return f"{column.name} is one-hot, {len(cats)} number{'' if len(cats) == 1 else 's'} ({named})"


# --- how each source's raw samples look ----------------------------------------------------------------

def _table_raw(project, dataset) -> tuple[dict[str, Any], list[RawColumn], list[int] | None, np.ndarray | None]:
    enc = dataset.encoding
    inputs = {c.name: c for c in enc.inputs}
    header = [n for n in (dataset.table_report.kinds if dataset.table_report is not None else inputs)
              if n in inputs]
    columns, slot, raw_slot_of = [], 0, {}
    for name in header:
        c = inputs[name]
        width = 1 if c.kind == "numeric" else len(c.categories)
        columns.append(RawColumn(name, c.kind, list(range(slot, slot + width)), list(c.categories), c.fill))
        for k, feature in enumerate(c.feature_names):
            raw_slot_of[feature] = slot + k
        slot += width
    order = [raw_slot_of[f] for f in enc.feature_names]
    fill = np.zeros(slot, dtype=np.float32)
    for col in columns:
        if col.kind == "numeric":
            fill[col.slots[0]] = float(col.fill) if col.fill is not None else 0.0
        elif col.fill in col.categories:
            fill[col.slots[col.categories.index(col.fill)]] = 1.0
    raw = {"kind": "table", "source": "csv", "file": str(project.data.path),
           "describes": "one row: the columns below in this order (the table's own order, targets and "
                        "unused columns left out); numbers as in the file, a missing number NaN"}
    return raw, columns, (None if order == list(range(slot)) else order), fill


def _array_raw(project, dataset) -> tuple[dict[str, Any], list[RawColumn], None, None]:
    source = project.data.source
    raw = {"kind": "array", "source": source, "shape": list(dataset.input_shape),
           "describes": f"one sample as the {source} data set holds it before standardizing"
                        + (" (the 8x8 digits scaled to 0..1)" if source == "digits" else "")}
    return raw, [], None, None


IMAGE_STEPS = (
    "decode: open the image file with Pillow (the first frame of a GIF); a 16-bit grey image is scaled "
    "to 0..255 by 255/65535",
    "colour: convert to raw_input.color (rgb: Pillow mode RGB, grey: mode L)",
    "fit to raw_input.size x raw_input.size as raw_input.fit says: resize stretches (bilinear); "
    "resize_crop scales the shorter side to size (bilinear) and crops the centre; resize_pad scales the "
    "longer side to size and pads with black; crop_or_pad crops the centre or pads with black, unscaled "
    "(the image is pasted at ((size - width) // 2, (size - height) // 2))",
    "channels first: the pixel values 0..255 as float32, shape (channels, size, size)",
)


def _image_raw(project, dataset) -> tuple[dict[str, Any], list[RawColumn], None, None]:
    from ..data.registry import IMAGE_FOLDER
    params = IMAGE_FOLDER.validate_params(project.data.params, "data.params")
    raw = {"kind": "images", "source": "images", "folder": str(project.data.path),
           "size": params["size"], "color": params["color"], "fit": params["fit"],
           "shape": list(dataset.input_shape),
           "describes": "one image file, decoded and fitted as do_yourself says: pixel values 0..255 "
                        "(float32), channels first; normalize is per channel, in pixel units"}
    return raw, [], None, None


#: data source -> (project, dataset) -> (raw description, table columns, order, fill); default: arrays
RAW_INPUTS: dict[str, Callable] = {"csv": _table_raw, "images": _image_raw}


def _outputs(project, dataset) -> list[dict[str, Any]]:
    from ..training.setup import head_names
    out = []
    for name, o in zip(head_names(project), project.outputs):
        tname = o.target or next(iter(dataset.targets))
        info = dataset.targets[tname]
        d: dict[str, Any] = {"name": name, "node": o.node, "target": tname, "task": info.task}
        if info.is_classification:
            d["classes"] = list(info.classes)
            entry = LOSSES.get(o.loss.type)
            d["predicted_class"] = _class_rule(entry, info)
            d["threshold"] = entry.threshold  # type: ignore[attr-defined]  # one-output heads
        out.append(d)
    return out


def _class_rule(entry, info) -> str:
    """How a class is read from the head's outputs, in words: a one-output head crosses the loss's threshold."""
    if entry.width(info) == 1:
        logit = " (a logit)" if entry.wants_logits else ""
        return f"classes[1] when the output{logit} is above {entry.threshold:g}, else classes[0]"
    return "classes[i] for the largest output i"


def describe(project, dataset) -> Preprocessing:
    """The preprocessing of ``project``'s data as LossLab applied it to ``dataset``."""
    make = RAW_INPUTS.get(project.data.source, _array_raw)
    if project.data.source == "csv" and getattr(dataset, "encoding", None) is None:
        make = _array_raw
    raw, columns, order, fill = make(project, dataset)
    has_nan_fill = fill is not None and any(c.kind == "numeric" for c in columns)
    return Preprocessing(raw, tuple(dataset.input_shape), list(dataset.feature_names), order,
                         fill if has_nan_fill else None,
                         None if dataset.mean is None else np.asarray(dataset.mean, dtype=np.float32),
                         None if dataset.std is None else np.asarray(dataset.std, dtype=np.float32),
                         columns, _outputs(project, dataset))


def json_path(model_path: str | Path) -> Path:
    """``model.onnx`` -> ``model.onnx.preprocessing.json`` (beside it, named after it)."""
    p = Path(model_path)
    return p.with_name(p.name + SUFFIX)


def write_json(prep: Preprocessing, model_path: str | Path, model_format: str, project_name: str) -> Path:
    from ..project import write_atomic
    path = json_path(model_path)
    doc = prep.to_dict(model_format, Path(model_path).name, project_name)
    write_atomic(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")
    return path


class RawInput(nn.Module):
    """Raw sample -> network input inside the graph: NaN filled, reordered, standardized."""

    def __init__(self, prep: Preprocessing):
        super().__init__()
        self.has_fill, self.has_order = prep.fill is not None, prep.order is not None
        self.has_norm = prep.mean is not None
        if self.has_fill:
            self.register_buffer("fill", torch.as_tensor(prep.fill, dtype=torch.float32))
        if self.has_order:
            self.register_buffer("order", torch.as_tensor(prep.order, dtype=torch.long))
        if self.has_norm:
            self.register_buffer("mean", torch.as_tensor(np.asarray(prep.mean), dtype=torch.float32))
            self.register_buffer("std", torch.as_tensor(np.asarray(prep.std), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.has_fill:
            x = torch.where(torch.isnan(x), self.fill, x)
        if self.has_order:
            x = x.index_select(1, self.order)
        if self.has_norm:  # the same float32 operations as core.data.dataset.build_dataset
            x = (x - self.mean) / self.std
        return x
