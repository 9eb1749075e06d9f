"""Evaluation passes under ``torch.inference_mode``: losses per head and the metrics."""
from __future__ import annotations

import torch

from .setup import RunSetup

CHUNK = 8192


@torch.inference_mode()
def predict_heads(setup: RunSetup, x: torch.Tensor) -> list[torch.Tensor]:
    """Each head's output over ``x`` in eval mode (chunked to bound memory); restores train mode."""
    model = setup.model
    was_training = model.training
    model.eval()
    try:
        if x.shape[0] <= CHUNK:
            return model(x)
        parts = [model(x[i:i + CHUNK]) for i in range(0, x.shape[0], CHUNK)]
        return [torch.cat([p[h] for p in parts]) for h in range(len(setup.heads))]
    finally:
        model.train(was_training)


@torch.inference_mode()
def head_metrics(head, out: torch.Tensor, y_adapted: torch.Tensor, y_raw: torch.Tensor, prefix: str) -> dict[str, torch.Tensor]:
    """Loss and metric tensors (0-d, still on the device: the caller syncs once for all of them)."""
    m = {f"{prefix}_loss": head.loss_fn(out, y_adapted)}
    if head.predict is not None:
        y = y_raw.long()
        correct = head.predict(out) == y
        m[f"{prefix}_accuracy"] = correct.float().mean()
        # mean recall over the classes present: on imbalanced data accuracy flatters a model that
        # always predicts the majority class, balanced accuracy does not (it scores that 1/k)
        n = max(int(head.info.width), 2)
        per_class = torch.bincount(y, minlength=n).float()
        hits = torch.bincount(y[correct], minlength=n).float()
        present = per_class > 0
        m[f"{prefix}_balanced_accuracy"] = (hits[present] / per_class[present]).mean()
    else:
        y = y_raw.float().reshape(out.shape)
        m[f"{prefix}_mae"] = (out - y).abs().mean()
        sst = ((y - y.mean(dim=0)) ** 2).sum()
        m[f"{prefix}_r2"] = 1.0 - ((out - y) ** 2).sum() / sst.clamp_min(1e-12)
    return m


def _train_labels(setup: RunSetup, i: int, head) -> torch.Tensor:
    """The class indices of the rows the run trains on now: pseudo-labels change them (the labelled rows,
    then those plus the accepted ones), so the data set's own training labels no longer line up."""
    pseudo = getattr(setup, "pseudo", None)
    if pseudo is not None and i == 0:
        return pseudo.y_current
    return setup.dataset.y_train[head.target]


def evaluate(setup: RunSetup, *, train_sample: int = 512) -> tuple[float | None, dict[str, float], dict[str, dict[str, float]]]:
    """Validation loss (weighted over heads), first-head metrics, per-head metrics; one host sync."""
    per_head: list[dict[str, torch.Tensor]] = []
    n_val = setup.x_val.shape[0]
    val_outs = predict_heads(setup, setup.x_val) if n_val else None
    setup.val_outputs = val_outs         # an observer's view of this epoch (a confusion matrix) reuses them
    k = min(train_sample, setup.x_train.shape[0])
    train_outs = predict_heads(setup, setup.x_train[:k]) if setup.heads[0].predict is not None else None
    for i, h in enumerate(setup.heads):
        m: dict[str, torch.Tensor] = {}
        if val_outs is not None:
            m.update(head_metrics(h, val_outs[i], h.y_val, h.y_val_raw, "val"))
        if train_outs is not None and h.predict is not None:
            raw = _train_labels(setup, i, h)[:k].to(setup.device)
            m["train_accuracy"] = (h.predict(train_outs[i]) == raw.long()).float().mean()
        per_head.append(m)
    keys = [(i, name) for i, m in enumerate(per_head) for name in m]
    flat = torch.stack([per_head[i][name].float() for i, name in keys]).tolist() if keys else []
    heads: dict[str, dict[str, float]] = {h.name: {} for h in setup.heads}
    for (i, name), v in zip(keys, flat):
        heads[setup.heads[i].name][name] = v
    first = heads[setup.heads[0].name]
    metrics = {k_: v for k_, v in first.items() if k_ != "val_loss"}
    val_loss = sum(h.weight * heads[h.name]["val_loss"] for h in setup.heads) if n_val else None
    return val_loss, metrics, heads


def evaluate_test(setup: RunSetup) -> dict[str, float]:
    """Loss and metrics on the test split (``test_loss``, ``test_accuracy``... for the first head;
    ``<head>/test_...`` for the others when there are several)."""
    from ..catalog import LOSSES
    x = setup.dataset.x_test.to(setup.device)
    outs = predict_heads(setup, x)
    values: dict[str, torch.Tensor] = {}
    for i, h in enumerate(setup.heads):
        raw = setup.dataset.y_test[h.target].to(setup.device)
        adapted = LOSSES.get(h.loss_name).adapt(raw, h.info).to(setup.device)
        with torch.inference_mode():
            m = head_metrics(h, outs[i], adapted, raw, "test")
        prefix = "" if i == 0 else f"{h.name}/"
        values.update({prefix + k: v for k, v in m.items()})
    flat = torch.stack([v.float() for v in values.values()]).tolist()
    return dict(zip(values, flat))
