"""Out-of-sample class probabilities for every training sample, by K-fold cross-validated training.

Confident learning needs, for each sample, probabilities from a model that never saw that sample's
label. Each fold trains the project's own network, from fresh weights with the project's settings,
on the other K-1 folds of the training split and predicts the held-out fold. Early stopping (when
the project uses it) watches the project's validation split, never the held-out fold, so the held-out
labels reach no decision of the fold's training. The inputs keep the normalization fitted on the whole
training split (statistics of the inputs only, no labels).

Cost: K trainings of (K-1)/K of the training split each, about K-1 times one training. The digits
example (1,438 training samples, 20 epochs) trains in about 2 s on a quiet 2-core machine; its 5 folds
took 26-100 s on that machine shared with other work (tests/benchmarks/bench_suspects.py prints it).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .predictions import EvaluationError, run_model

DEFAULT_FOLDS = 5
MIN_FOLDS = 2


def fold_assignment(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold number per sample, stratified: each class is dealt over the folds in turn after a
    seeded shuffle, so every fold holds each class in proportion."""
    rng = np.random.default_rng([int(seed), 0xF01D])
    fold = np.empty(len(labels), dtype=np.int64)
    offset = 0
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        fold[members] = (np.arange(members.size) + offset) % folds
        offset += members.size      # the next class starts where this one stopped: folds stay even in size
    return fold


def fold_dataset(dataset, keep: np.ndarray):
    """``dataset`` with its training split cut down to the rows ``keep`` (the rest unchanged)."""
    import torch
    idx = torch.as_tensor(keep, dtype=torch.long)
    raw = dataset.raw_train[keep] if dataset.raw_train is not None else None
    return dataclasses.replace(dataset, x_train=dataset.x_train[idx],
                               y_train={k: v[idx] for k, v in dataset.y_train.items()}, raw_train=raw)


def classification_heads(project, dataset) -> list[tuple[int, str, str]]:
    """(output index, head name, target) of every classification head."""
    from ..training.setup import head_names
    first = next(iter(dataset.targets))
    out = []
    for i, (name, o) in enumerate(zip(head_names(project), project.outputs)):
        target = o.target or first
        if dataset.targets[target].task == "classification":
            out.append((i, name, target))
    return out


class _FoldProgress:
    """Epoch ends of one fold's training -> the task's progress over all folds."""

    def __init__(self, state, fold: int, folds: int, epochs: int):
        self.state, self.fold, self.folds, self.epochs = state, fold, folds, max(1, epochs)

    def observer(self):
        from ..training.events import TrainingObserver
        outer = self

        class Observer(TrainingObserver):
            def on_epoch_end(self, record) -> None:
                outer.state.set_progress((outer.fold + min(record.epoch, outer.epochs) / outer.epochs) / outer.folds,
                                         f"fold {outer.fold + 1} of {outer.folds}: epoch {record.epoch} of "
                                         f"{outer.epochs}")
        return Observer()


def cross_validated_probabilities(project, dataset, *, folds: int = DEFAULT_FOLDS, state=None
                                  ) -> dict[str, np.ndarray]:
    """{head name: out-of-sample probabilities ``(n_train, classes)``} for every classification head,
    each row from the fold model that did not train on that sample. ``state`` (a ``core.tasks``
    TaskState): progress per epoch, and Cancel stops the fold's training at its next step."""
    from ..catalog import LOSSES
    from ..tasks import TaskCancelled
    from ..training import TrainingControl, train, trained_model
    heads = classification_heads(project, dataset)
    if not heads:
        raise EvaluationError("suspect labels need a classification head: this project predicts numbers "
                              "(regression); look at its largest residuals instead")
    first_target = heads[0][2]
    labels = dataset.y_train[first_target].long().numpy()
    folds = int(folds)
    if folds < MIN_FOLDS:
        raise EvaluationError(f"folds={folds}: cross-validation needs at least {MIN_FOLDS} folds")
    if labels.size < 2 * folds:
        raise EvaluationError(f"only {labels.size} training samples, too few for {folds} folds: add data or use "
                              "fewer folds")
    assignment = fold_assignment(labels, folds, project.training.seed)
    probs = {name: np.zeros((labels.size, dataset.targets[t].width)) for _, name, t in heads}
    for k in range(folds):
        if state is not None:
            state.raise_if_cancelled()
        held = np.flatnonzero(assignment == k)
        control = TrainingControl()
        if state is not None:
            state.on_cancel(control.stop)
        progress = _FoldProgress(state, k, folds, project.training.epochs) if state is not None else None
        train_part = fold_dataset(dataset, np.flatnonzero(assignment != k))
        result = train(project, dataset=train_part, control=control,
                       observer=progress.observer() if progress else None, diagnose=False, health=False)
        if state is not None and state.is_cancelled():
            raise TaskCancelled()
        if result.status == "failed" or not result.has_weights or not result.epochs_run:
            raise EvaluationError(f"fold {k + 1} of {folds}: training {result.status}"
                                  + (f" ({result.message})" if result.message else "")
                                  + "; fix the project until `losslab train` completes, then look for suspects")
        outs = run_model(trained_model(project, result, train_part), dataset.x_train[held])
        for i, name, _t in heads:
            entry = LOSSES.get(project.outputs[i].loss.type)
            probs[name][held] = entry.probabilities(outs[i]).numpy()
    return probs
