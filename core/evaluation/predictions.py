"""Every sample of a split through a trained model: class probabilities, predicted class, own loss."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "val", "test")
CHUNK = 4096            # samples per forward pass: bounds the memory of a large split
EPS = 1e-12             # a probability of 0 would give an infinite loss


class EvaluationError(ValueError):
    """A request the evaluation cannot answer (no model, an empty split, no classification head):
    the message names the place and says what to do."""


@dataclass
class HeadPredictions:
    """One head's view of one split. ``labels``: the given class indices ``(N,)`` (classification) or
    target values ``(N, width)`` (regression). ``probabilities``: ``(N, classes)`` for classification,
    else None. ``predicted``: class indices ``(N,)`` or predicted values ``(N, width)``. ``loss``: each
    sample's own loss, ``-log p(given class)`` for classification (comparable whatever the head's loss
    function) and the mean squared error over the target's columns for regression."""

    head: str
    target: str
    task: str
    classes: list[str]
    split: str
    labels: np.ndarray
    predicted: np.ndarray
    loss: np.ndarray
    probabilities: np.ndarray | None = None

    @property
    def is_classification(self) -> bool:
        return self.task == "classification"

    @property
    def n(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def split_data(dataset, split: str):
    """(inputs, {target: labels}) of ``split`` ("train", "val" or "test")."""
    if split not in SPLITS:
        raise EvaluationError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    return getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")


def run_model(model, x) -> list:
    """The model's head outputs over ``x`` in eval mode, chunked, as CPU tensors; restores train mode."""
    import torch
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        with torch.inference_mode():
            parts = [model(x[i:i + CHUNK].to(device)) for i in range(0, int(x.shape[0]), CHUNK)]
    finally:
        model.train(was_training)
    return [torch.cat([p[h] for p in parts]).float().cpu() for h in range(len(parts[0]))]


def predict_split(project, dataset, model, split: str = "val") -> list[HeadPredictions]:
    """Each head's predictions over ``split`` of ``dataset`` by ``model`` (the project's network with
    trained weights). Raises :class:`EvaluationError` when there is no model or the split is empty."""
    from ..catalog import LOSSES
    from ..training.setup import head_names
    if model is None:
        raise EvaluationError("no trained model: train the project first (Run in the window, or "
                              "`losslab train PROJECT --save-model FILE`), then look at its errors")
    x, ys = split_data(dataset, split)
    if int(x.shape[0]) == 0:
        if split == "train":
            raise EvaluationError("the training split is empty: lower data.val_fraction and data.test_fraction")
        raise EvaluationError(f"the {split} split is empty: set data.{split}_fraction above 0, or look at "
                              "another split")
    outs = run_model(model, x)
    targets = list(dataset.targets)
    result = []
    for name, out_spec, out in zip(head_names(project), project.outputs, outs):
        tname = out_spec.target or targets[0]
        info = dataset.targets[tname]
        entry = LOSSES.get(out_spec.loss.type)
        y = ys[tname].cpu()
        if info.task == "classification":
            probs = entry.probabilities(out).numpy().astype(np.float64)
            labels = y.long().numpy()
            predicted = entry.predict(out).long().numpy()
            p_given = probs[np.arange(labels.size), labels]
            loss = -np.log(np.clip(p_given, EPS, 1.0))
            result.append(HeadPredictions(name, tname, info.task, list(info.classes), split, labels, predicted,
                                          loss, probs))
        else:
            labels = y.float().numpy().reshape(y.shape[0], -1).astype(np.float64)
            pred = out.numpy().reshape(out.shape[0], -1).astype(np.float64)
            if pred.shape != labels.shape:   # a head wider than its target: compare what the loss compares
                pred = pred[:, :labels.shape[1]]
            loss = ((pred - labels) ** 2).mean(axis=1)
            result.append(HeadPredictions(name, tname, info.task, [], split, labels, pred, loss))
    return result
