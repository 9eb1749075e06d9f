"""What a weights file knows about the inputs it was trained on, and whether a target project's differ.

``losslab train --save-model`` writes, beside the layer tensors, the source's input normalization and
input columns as extra tensors under the reserved prefix ``_losslab.input.`` (:data:`PREFIX`), so the file
stays a plain state dict that ``torch.load(path, weights_only=True)`` reads:

* ``_losslab.input.mean`` / ``_losslab.input.std``: the training split's statistics (float32, one value per
  input column, or one for an image); absent when the source did not normalize;
* ``_losslab.input.names``: the input columns' names, UTF-8 JSON as uint8 (tables only);
* ``_losslab.input.shape``: the shape of one sample (int64).

Everything that loads layer weights drops these keys first (:func:`layer_weights`). A target project
whose inputs are other columns, or whose own statistics differ clearly from the source's, hands the
transferred first layers numbers on another scale than the ones they learned on: :func:`input_warnings`
says so for ``losslab check``, naming the nodes that take weights from that file.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

PREFIX = "_losslab."
INPUT = PREFIX + "input."
#: a column's mean moved by more than this many source standard deviations is a clear difference
MEAN_SHIFT = 0.5
#: ... and so is a spread more than this many times larger or smaller
SPREAD_RATIO = 2.0


def input_tensors(dataset, normalize: bool) -> dict[str, torch.Tensor]:
    """The reserved tensors describing ``dataset``'s inputs (see the module docstring)."""
    out = {INPUT + "shape": torch.tensor(list(dataset.input_shape), dtype=torch.int64)}
    if normalize and dataset.mean is not None:
        out[INPUT + "mean"] = torch.as_tensor(np.asarray(dataset.mean, np.float32)).clone()
        out[INPUT + "std"] = torch.as_tensor(np.asarray(dataset.std, np.float32)).clone()
    if len(dataset.input_shape) == 1:
        names = json.dumps(list(dataset.feature_names)).encode("utf-8")
        out[INPUT + "names"] = torch.tensor(list(names), dtype=torch.uint8)
    return out


def layer_weights(state: dict[str, Any], model: torch.nn.Module | None = None) -> dict[str, Any]:
    """``state`` without the reserved keys: what ``load_state_dict`` takes. Given the ``model`` to load
    into, the other naming LossLab writes (File ▸ Export ▸ state_dict: the py script's ``fc1.weight``
    where ``--save-model`` writes ``layers.fc1.weight``) is renamed to the model's own."""
    if not isinstance(state, dict):
        return state
    state = {k: v for k, v in state.items() if not (isinstance(k, str) and k.startswith(PREFIX))}
    if model is not None and state and not set(state) <= set(model.state_dict()):
        from ..script_names import script_key_map
        ours = {script: key for key, script in script_key_map(model).items()}
        if set(state) <= set(ours):
            state = {ours[k]: v for k, v in state.items()}
    return state


def read_inputs(state: dict[str, Any]) -> dict[str, Any] | None:
    """What the file says about its inputs: ``{"shape", "mean", "std", "names"}`` (mean/std/names None when
    absent), or None for a file written without them (an older LossLab, a run's weights, another tool)."""
    if not isinstance(state, dict) or INPUT + "shape" not in state:
        return None
    names = state.get(INPUT + "names")
    return {"shape": tuple(int(d) for d in state[INPUT + "shape"].tolist()),
            "mean": state[INPUT + "mean"].numpy() if INPUT + "mean" in state else None,
            "std": state[INPUT + "std"].numpy() if INPUT + "std" in state else None,
            "names": json.loads(bytes(names.tolist()).decode("utf-8")) if names is not None else None}


def compare_inputs(source: dict[str, Any], dataset, normalize: bool) -> str | None:
    """How the target's inputs differ from the source's (other columns, another scale), or None."""
    names = list(dataset.feature_names) if len(dataset.input_shape) == 1 else None
    if tuple(dataset.input_shape) != tuple(source["shape"]):
        return f"its inputs were shaped {_shape(source['shape'])} and this project's are {_shape(dataset.input_shape)}"
    if source["names"] is not None and names is not None and source["names"] != names:
        return _names_differ(source["names"], names)
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


def input_warnings(project, dataset, store_dir=None) -> list[tuple[str, str]]:
    """(message, JSON path) per weights file whose inputs differ from this project's, naming its nodes.
    Files that cannot be read are left to the transfer check, which refuses them."""
    from .transfer import TransferError, _where, load_source
    by_file: dict[str, list] = {}
    for n in project.model.nodes:
        if n.init and "file" in n.init:
            by_file.setdefault(n.init["file"], []).append(n)
    out = []
    for path, nodes in by_file.items():
        try:
            state = load_source(nodes[0].init, project.base_dir, _where(project, nodes[0].id), store_dir)
        except TransferError:
            continue
        source = read_inputs(state)
        why = compare_inputs(source, dataset, project.data.normalize) if source is not None else None
        if why:
            ids = ", ".join(n.id for n in nodes)
            out.append((f"node{'s' if len(nodes) > 1 else ''} {ids} take{'' if len(nodes) > 1 else 's'} weights "
                        f"from {Path(path).name}, but {why}. The transferred layers would see numbers unlike the "
                        "ones they learned on: give this project the source's columns and scaling, or let those "
                        "layers learn again (unfreeze them, raise their learning rate)", _where(project, nodes[0].id)))
    return out


__all__ = ["INPUT", "PREFIX", "compare_inputs", "input_tensors", "input_warnings", "layer_weights", "read_inputs"]
