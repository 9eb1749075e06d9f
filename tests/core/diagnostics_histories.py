"""Synthetic metric histories for the diagnostics tests (seeded numpy, no torch)."""

from __future__ import annotations

import numpy as np

STEPS_PER_EPOCH = 50



def make_history(train, val=None, *, lr=0.01, **metrics) -> list[dict]:
    """Per-epoch records as the trainer emits them."""
    history = []
    for i, loss in enumerate(train):
        rec = {
            "epoch": i + 1,
            "step": (i + 1) * STEPS_PER_EPOCH,
            "train_loss": float(loss),
            "val_loss": None if val is None else float(val[i]),
            "lr": lr[i] if isinstance(lr, (list, np.ndarray)) else lr,
            "seconds": 0.1,
        }
        for key, values in metrics.items():
            rec[key] = float(values[i])
        history.append(rec)
    return history


def falling_train(n: int, seed: int = 0, noise: float = 0.01) -> np.ndarray:
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    return (0.05 + 0.9 * np.exp(-t / 12)) * (1 + noise * rng.standard_normal(n))


def u_curve(seed: int = 0, noise: float = 0.0, n: int = 80) -> tuple[list[dict], int]:
    """Train falls; validation falls, bottoms out near epoch 28 and climbs ~45%."""
    t = np.arange(1, n + 1)
    clean = 0.35 + 0.6 * np.exp(-t / 8) + 0.0008 * np.maximum(0, t - 25) ** 1.5
    rng = np.random.default_rng(1000 + seed)
    val = clean * (1 + noise * rng.standard_normal(n))
    return make_history(falling_train(n, seed), val), int(t[np.argmin(clean)])


def converging(n: int = 60, seed: int = 0) -> list[dict]:
    """A healthy run: both losses fall to a floor, val a little above train, accuracy climbs."""
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    train = (0.08 + 0.62 * np.exp(-t / 8)) * (1 + 0.005 * rng.standard_normal(n))
    val = (0.11 + 0.60 * np.exp(-t / 8)) * (1 + 0.01 * rng.standard_normal(n))
    acc = 0.97 - 0.47 * np.exp(-t / 6)
    return make_history(train, val, val_accuracy=acc)


def step_losses(n_steps: int, *, scatter: float, seed: int = 0, start: float = 1.0, end: float = 0.2) -> np.ndarray:
    """Step losses: an exponential trend times (1 + scatter * noise)."""
    rng = np.random.default_rng(seed)
    s = np.arange(n_steps)
    trend = end + (start - end) * np.exp(-s / (n_steps / 5))
    return trend * np.clip(1 + scatter * rng.standard_normal(n_steps), 0.02, None)


def kinds(findings) -> set[str]:
    return {f.kind for f in findings}


def plateau_history(break_at: int | None, n: int = 60, seed: int = 0, start: float = 1.0, level: float = 0.6):
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    loss = level + (start - level) * np.exp(-t / 2)  # quick drop to a saddle ...
    if break_at is not None:  # ... that breaks: down to ~0.1
        loss = np.where(t > break_at, 0.1 + (level - 0.1) * np.exp(-(t - break_at) / 4), loss)
    loss = loss * (1 + 0.003 * rng.standard_normal(n))
    return make_history(loss, loss * 1.05)


def stalled_history(seed: int = 0) -> list[dict]:
    """Barely off the starting loss, then flat: it never got going."""
    return plateau_history(None, seed=seed, start=0.70, level=0.62)
