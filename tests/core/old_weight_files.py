"""Weights files as ``losslab train --save-model`` wrote them for a few days before the ``_metadata`` form:
the source's inputs as extra tensors under ``_losslab.input.``. Such files exist on users' disks; LossLab
must keep reading them, so tests write them the way that version did."""
from __future__ import annotations

import json

import numpy as np
import torch

from core.training.source_inputs import INPUT


def old_input_tensors(dataset, normalize: bool) -> dict[str, torch.Tensor]:
    """The reserved tensors the older ``--save-model`` added beside the layer weights."""
    out = {INPUT + "shape": torch.tensor(list(dataset.input_shape), dtype=torch.int64)}
    if normalize and dataset.mean is not None:
        out[INPUT + "mean"] = torch.as_tensor(np.asarray(dataset.mean, np.float32)).clone()
        out[INPUT + "std"] = torch.as_tensor(np.asarray(dataset.std, np.float32)).clone()
    if len(dataset.input_shape) == 1:
        names = json.dumps(list(dataset.feature_names)).encode("utf-8")
        out[INPUT + "names"] = torch.tensor(list(names), dtype=torch.uint8)
    return out


def old_form(state: dict[str, torch.Tensor], dataset, normalize: bool = True) -> dict[str, torch.Tensor]:
    """``state``'s layer tensors plus the older reserved tensors, with no ``_metadata`` record."""
    return {**state, **old_input_tensors(dataset, normalize)}   # a plain dict: the older files had no record
