"""What a weights file knows about the inputs it was trained on, and whether a target project's differ.

``losslab train --save-model`` records the source's input normalization and input columns in the state
dict's own ``_metadata`` attribute (the one PyTorch keeps module versions in), under the key
``"_losslab.input"`` (:data:`METADATA_KEY`), as plain Python values:

* ``"shape"``: the shape of one sample (list of ints);
* ``"mean"`` / ``"std"``: the training split's statistics (a number or nested lists of numbers, one per
  input column, or one for an image), None when the source did not normalize;
* ``"columns"``: the input columns' names (tables only; None for images).

``torch.save``/``torch.load(path, weights_only=True)`` round-trip ``_metadata``, and
``load_state_dict(strict=True)`` looks in it only for module prefixes, so the file's keys are exactly the
network's: ``model.load_state_dict(torch.load(path, weights_only=True))`` works in anyone's code.

Files written by LossLab for a few days before this held the same facts as extra tensors under the
reserved prefix ``_losslab.input.`` (:data:`INPUT`: ``mean``, ``std``, ``names`` as UTF-8 JSON in uint8,
``shape``). Those files still load: :func:`read_inputs` reads both forms, and everything that loads layer
weights drops the old keys first (:func:`layer_weights`).

A target project whose inputs are other columns, or whose own statistics differ clearly from the
source's, hands the transferred first layers numbers on another scale than the ones they learned on:
:func:`core.training.transfer.input_warnings` says so for ``losslab check``, naming the nodes that take weights from that file.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

#: the key in a state dict's ``_metadata`` that holds the source's inputs
METADATA_KEY = "_losslab.input"
#: the reserved tensor-key prefix of the older form (still read, and stripped before loading)
PREFIX = "_losslab."
INPUT = PREFIX + "input."
#: a column's mean moved by more than this many source standard deviations is a clear difference
MEAN_SHIFT = 0.5
#: ... and so is a spread more than this many times larger or smaller
SPREAD_RATIO = 2.0


def input_metadata(dataset, normalize: bool) -> dict[str, Any]:
    """What ``--save-model`` records about ``dataset``'s inputs: plain lists, strings and numbers (see the
    module docstring), so ``torch.load(weights_only=True)`` reads them back."""
    normalized = normalize and dataset.mean is not None
    return {"shape": [int(d) for d in dataset.input_shape],
            "mean": np.asarray(dataset.mean, np.float32).tolist() if normalized else None,
            "std": np.asarray(dataset.std, np.float32).tolist() if normalized else None,
            "columns": [str(n) for n in dataset.feature_names] if len(dataset.input_shape) == 1 else None}


def with_inputs(state: dict[str, Any], inputs: dict[str, Any]) -> OrderedDict:
    """``state`` with ``inputs`` (:func:`input_metadata`) in its ``_metadata``; its keys and the module
    versions already in ``_metadata`` stay as they are."""
    out = OrderedDict(state)
    meta = OrderedDict(getattr(state, "_metadata", None) or {})
    meta[METADATA_KEY] = inputs
    out._metadata = meta   # type: ignore[attr-defined] - where torch keeps a state dict's metadata
    return out


def layer_weights(state: dict[str, Any], model: torch.nn.Module | None = None) -> dict[str, Any]:
    """``state`` as ``load_state_dict`` takes it: without the older form's reserved tensor keys and, given
    the ``model`` to load into, in the model's own names (File ▸ Export ▸ state_dict writes the py
    script's ``fc1.weight`` where ``--save-model`` writes ``layers.fc1.weight``). ``_metadata`` is kept.
    A file that needs neither comes back as it is."""
    if not isinstance(state, dict):
        return state
    out = state
    if any(isinstance(k, str) and k.startswith(PREFIX) for k in state):
        out = OrderedDict((k, v) for k, v in state.items() if not (isinstance(k, str) and k.startswith(PREFIX)))
    if model is not None and out and not set(out) <= set(model.state_dict()):
        from ..script_names import script_key_map
        ours = {script: key for key, script in script_key_map(model).items()}
        if set(out) <= set(ours):
            out = OrderedDict((ours[k], v) for k, v in out.items())
    if out is not state and getattr(state, "_metadata", None) is not None:   # the module versions it reads
        out._metadata = state._metadata   # type: ignore[attr-defined]
    return out


def read_inputs(state: dict[str, Any]) -> dict[str, Any] | None:
    """What the file says about its inputs: ``{"shape", "mean", "std", "columns"}`` (mean/std/columns None
    when absent), from ``_metadata`` or the older tensor keys; None for a file written without them (an
    older LossLab, a run's weights, another tool) or with a record that makes no sense."""
    if not isinstance(state, dict):
        return None
    meta = getattr(state, "_metadata", None)
    record = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    try:
        if isinstance(record, dict):
            return _checked(record.get("shape"), record.get("mean"), record.get("std"), record.get("columns"))
        if INPUT + "shape" in state:
            names = state.get(INPUT + "names")
            return _checked(state[INPUT + "shape"].tolist(),
                            state[INPUT + "mean"].numpy() if INPUT + "mean" in state else None,
                            state[INPUT + "std"].numpy() if INPUT + "std" in state else None,
                            json.loads(bytes(names.tolist()).decode("utf-8")) if names is not None else None)
    except (AttributeError, TypeError, ValueError):   # a damaged record: no warning rather than a traceback
        return None
    return None


def _checked(shape, mean, std, columns) -> dict[str, Any] | None:
    """The record with numbers as arrays, or None when a field has the wrong kind."""
    if not isinstance(shape, (list, tuple)) or not all(isinstance(d, int) for d in shape):
        return None
    if (mean is None) != (std is None) or (columns is not None and (
            not isinstance(columns, list) or not all(isinstance(c, str) for c in columns))):
        return None
    mean, std = (None if a is None else np.asarray(a, np.float32) for a in (mean, std))
    if mean is not None and (mean.shape != std.shape or not (np.isfinite(mean).all() and np.isfinite(std).all())):
        return None
    return {"shape": tuple(shape), "mean": mean, "std": std, "columns": columns}


def compare_inputs(source: dict[str, Any], dataset, normalize: bool) -> str | None:
    """How the target's inputs differ from the source's (other columns, another scale), or None."""
    names = list(dataset.feature_names) if len(dataset.input_shape) == 1 else None
    if tuple(dataset.input_shape) != tuple(source["shape"]):
        return f"its inputs were shaped {_shape(source['shape'])} and this project's are {_shape(dataset.input_shape)}"
    if source["columns"] is not None and names is not None and source["columns"] != names:
        return _names_differ(source["columns"], names)
    if source["mean"] is None or not normalize or dataset.mean is None:
        if (source["mean"] is None) != (not normalize or dataset.mean is None):
            which = "it was trained on normalized inputs, this project does not normalize" if source["mean"] \
                is not None else "it was trained on raw inputs, this project normalizes them"
            return which + " (data.normalize)"
        return None
    return _scale_differs(source["mean"], source["std"], np.asarray(dataset.mean), np.asarray(dataset.std),
                          names)


def _names_differ(theirs: list[str], ours: list[str]) -> str:
    gone = [n for n in theirs if n not in ours]
    new = [n for n in ours if n not in theirs]
    if not gone and not new:
        return f"it took the same input columns in another order ({', '.join(theirs[:8])} there, " \
            f"{', '.join(ours[:8])} here)"
    parts = []
    if gone:
        parts.append(f"it had {', '.join(gone[:6])}{' …' if len(gone) > 6 else ''}, which this project lacks")
    if new:
        parts.append(f"this project has {', '.join(new[:6])}{' …' if len(new) > 6 else ''}, which it never saw")
    return "it was trained on other input columns (" + "; ".join(parts) + ")"


def _scale_differs(m_s, s_s, m_t, s_t, names: list[str] | None) -> str | None:
    m_s, s_s, m_t, s_t = (np.broadcast_to(np.asarray(a, np.float64), np.shape(m_t) if np.ndim(m_t) else ())
                          for a in (m_s, s_s, m_t, s_t))
    shift = np.abs(m_t - m_s) / np.where(s_s > 0, s_s, 1.0)
    ratio = np.maximum(s_t / np.where(s_s > 0, s_s, 1.0), s_s / np.where(s_t > 0, s_t, 1.0))
    bad = np.flatnonzero(((shift > MEAN_SHIFT) | (ratio > SPREAD_RATIO)).reshape(-1))
    if bad.size == 0:
        return None
    flat = [a.reshape(-1) for a in (m_s, s_s, m_t, s_t)]
    worst = sorted(bad, key=lambda j: -max(shift.reshape(-1)[j], ratio.reshape(-1)[j]))[:3]
    said = [f"{names[j] if names else 'the inputs'}: mean {flat[0][j]:.3g} and spread {flat[1][j]:.3g} there, "
            f"{flat[2][j]:.3g} and {flat[3][j]:.3g} here" for j in worst]
    more = f" (and {bad.size - len(worst)} more column{'s' if bad.size - len(worst) != 1 else ''})" \
        if bad.size > len(worst) else ""
    return "its training data was on another scale (" + "; ".join(said) + more + ")"


def _shape(shape) -> str:
    return "x".join(str(d) for d in shape)


__all__ = ["INPUT", "METADATA_KEY", "PREFIX", "compare_inputs", "input_metadata", "layer_weights",
           "read_inputs", "with_inputs"]
