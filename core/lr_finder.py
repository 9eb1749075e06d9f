"""Learning-rate range test: sweep the rate exponentially over a few hundred batches, watch the loss.

Each step is the trainer's own (:class:`core.training.step.TrainStep`: L1/L2 penalty and gradient
clipping included), and the recorded loss is the objective it minimises (data loss + penalty). The
test is a ``core.tasks`` task: with a ``state`` it reports its progress and stops on a cancel
(``TaskCancelled``). The model's weights are restored afterwards. Two suggestions: the steepest descent of the smoothed
loss, and the "valley" rule (the longest run over which the loss keeps falling; a rate two thirds
of the way down it), which is the one applied by default because it lands safely below the cliff.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .project import Project
from .tasks import TaskState
from .training.setup import make_optimizer, prepare
from .training.step import TrainStep


@dataclass
class LRFinderResult:
    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    steepest: float | None
    valley: float | None
    stopped_early: bool
    message: str = ""
    best_loss: float = math.inf
    extra: dict = field(default_factory=dict)

    @property
    def suggestion(self) -> float | None:
        return self.valley if self.valley is not None else self.steepest

    def summary(self) -> str:
        if self.suggestion is None:
            return f"no suggestion: {self.message or 'the loss never fell'}"
        rule = "valley rule" if self.valley is not None else "steepest descent"
        steepest = f"; steepest descent at {self.steepest:.3g}" if self.steepest is not None and self.valley else ""
        return (f"suggested learning rate {self.suggestion:.3g} ({rule}){steepest}; swept "
                f"{self.lrs[0]:.1e}..{self.lrs[-1]:.1e} over {len(self.lrs)} steps"
                + ("; stopped when the loss passed 4x its best" if self.stopped_early else ""))

    def to_dict(self) -> dict:
        return {"suggestion": self.suggestion, "valley": self.valley, "steepest": self.steepest,
                "stopped_early": self.stopped_early, "message": self.message,
                "lrs": self.lrs, "losses": [v if math.isfinite(v) else None for v in self.losses],
                "smoothed": [v if math.isfinite(v) else None for v in self.smoothed]}


def _steepest(lrs: np.ndarray, smooth: np.ndarray) -> float | None:
    """Steepest fall of the smoothed loss against log(lr), between the first tenth of the sweep (the
    smoothing's warm-up wiggles) and the loss minimum (past it the curve heads for the cliff)."""
    start, stop = max(1, len(smooth) // 10), int(np.argmin(smooth)) + 1
    if stop - start < 3:
        return None
    grads = np.gradient(smooth, np.log10(lrs))[start:stop]
    if grads.min() >= 0:
        return None
    return float(lrs[start + int(np.argmin(grads))])


def _valley(lrs: np.ndarray, smooth: np.ndarray) -> float | None:
    """Longest decreasing subsequence of the smoothed loss; two thirds of the way down it."""
    n = len(smooth)
    if n < 5:
        return None
    run = np.ones(n, dtype=int)
    prev = np.full(n, -1)
    for i in range(1, n):
        lower = np.nonzero(smooth[:i] > smooth[i])[0]
        if len(lower):
            j = lower[np.argmax(run[lower])]
            run[i], prev[i] = run[j] + 1, j
    end = int(np.argmax(run))
    start = end
    while prev[start] >= 0:
        start = int(prev[start])
    if end - start < 3:
        return None
    return float(lrs[start + int(round((end - start) * 2 / 3))])


def find_lr(project: Project, *, dataset=None, start_lr: float = 1e-7, end_lr: float = 10.0, steps: int = 100,
            divergence: float = 4.0, beta: float = 0.9, seed: int | None = None, setup=None,
            state: TaskState | None = None) -> LRFinderResult:
    """Run the range test on ``project``'s model, optimizer and training data.

    With ``state``: a ``("point", (rate, loss, smoothed))`` message and the progress after each step,
    and ``TaskCancelled`` (weights restored) on a cancel."""
    if not (0 < start_lr < end_lr):
        raise ValueError(f"lr-find needs 0 < start < end, received start={start_lr}, end={end_lr}")
    if steps < 10:
        raise ValueError(f"lr-find needs at least 10 steps, received {steps}")
    setup = setup or prepare(project, dataset, seed=seed)
    model = setup.model
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt = make_optimizer(project, model)
    take_step = TrainStep.for_project(project, setup, opt)
    factor = (end_lr / start_lr) ** (1 / (steps - 1))
    n = setup.x_train.shape[0]
    bs = max(1, min(project.training.batch_size, n))
    gen = torch.Generator().manual_seed(project.training.seed if seed is None else seed)
    perm, pos = torch.randperm(n, generator=gen), 0
    lrs, losses, smoothed = [], [], []
    avg, best, stopped = 0.0, math.inf, False
    model.train()
    try:
        for k in range(steps):
            if state is not None:
                state.raise_if_cancelled()
            lr = start_lr * factor ** k
            for g in opt.param_groups:
                g["lr"] = lr * g.get("lr_multiplier", 1.0)
            if pos + bs > n:
                perm, pos = torch.randperm(n, generator=gen), 0
            idx = perm[pos:pos + bs].to(setup.device)
            pos += bs
            loss, pen, _, _ = take_step(idx)
            value = float(loss if pen is None else loss + pen)  # one sync per step is fine: a hundred steps
            lrs.append(lr)
            losses.append(value)
            if not math.isfinite(value):
                stopped = True
                if state is not None:
                    state.report("point", (lr, value, math.nan))
                break
            avg = beta * avg + (1 - beta) * value
            s = avg / (1 - beta ** (k + 1))
            smoothed.append(s)
            if state is not None:
                state.report("point", (lr, value, s))   # (rate, loss, smoothed loss): the live curve
            best = min(best, s)
            if k > 5 and s > divergence * best:
                stopped = True
                break
            if state is not None:
                state.set_progress((k + 1) / steps, f"rate {lr:.2g}")
    finally:
        model.load_state_dict(saved)
        for p in take_step.params:      # no gradient left pointing into this test's buffer
            p.grad = None
    m = len(smoothed)
    lr_arr, sm = np.asarray(lrs[:m]), np.asarray(smoothed)
    steepest, valley = _steepest(lr_arr, sm), _valley(lr_arr, sm)
    message = "" if valley or steepest else "the loss did not fall over the sweep: widen the range or check the data"
    return LRFinderResult(lrs, losses, smoothed + [math.nan] * (len(lrs) - m), steepest, valley, stopped, message, best)
