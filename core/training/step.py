"""One optimisation step, as training takes it: shared by the trainer and the learning-rate finder.

Forward pass, the weighted sum of the heads' losses, the L1/L2 penalty on the weight matrices, backward
into one flat gradient buffer, clipping of the global gradient norm, optimizer step. Nothing leaves
the device: the step returns tensors (detached), the caller decides when to sync.
"""
from __future__ import annotations

import torch

__all__ = ["TrainStep", "flat_grads", "penalty_fn"]


def penalty_fn(model: torch.nn.Module, l1: float, l2: float):
    """The regularization term over the model's weight matrices (``dim > 1``), or None without one."""
    weights = [p for p in model.parameters() if p.requires_grad and p.dim() > 1]
    if not (l1 or l2) or not weights:
        return None

    def penalty() -> torch.Tensor:
        total = 0.0
        if l1:
            total = total + l1 * sum(w.abs().sum() for w in weights)
        if l2:
            total = total + l2 * sum((w * w).sum() for w in weights)
        return total
    return penalty


def flat_grads(params: list[torch.Tensor]) -> torch.Tensor:
    """Make every ``.grad`` a view into one flat buffer (backward accumulates into it in place), so
    zeroing is one ``zero_()`` and the global gradient norm is one kernel per step."""
    if not params:
        return torch.zeros(0)
    flat = torch.zeros(sum(p.numel() for p in params), dtype=params[0].dtype, device=params[0].device)
    offset = 0
    for p in params:
        p.grad = flat[offset:offset + p.numel()].view_as(p)
        offset += p.numel()
    return flat


class TrainStep:
    """``step(idx)`` trains on the training rows ``idx`` of ``setup`` and returns
    ``(loss, penalty, per_head, grad_norm)``: the weighted data loss, the L1/L2 term (None without
    regularization), the stacked per-head losses (None for a single head of weight 1) and the
    gradient norm before clipping, all detached tensors on the device."""

    def __init__(self, setup, optimizer: torch.optim.Optimizer, *, l1: float = 0.0, l2: float = 0.0,
                 clip: float | None = None) -> None:
        self.setup, self.opt, self.clip = setup, optimizer, clip
        self.penalty = penalty_fn(setup.model, l1, l2)
        self.params = [p for p in setup.model.parameters() if p.requires_grad]
        self.flat = flat_grads(self.params)
        heads = setup.heads
        self.single = len(heads) == 1 and heads[0].weight == 1.0
        from ..data.augment import Augmenter   # data.augment: training batches only, seeded by the run
        self.augment = Augmenter.for_setup(setup) if hasattr(setup, "project") else None

    @classmethod
    def for_project(cls, project, setup, optimizer: torch.optim.Optimizer) -> "TrainStep":
        t = project.training
        return cls(setup, optimizer, l1=t.l1, l2=t.l2, clip=t.grad_clip)

    def __call__(self, idx: torch.Tensor):
        s = self.setup
        heads = s.heads
        x, mix = s.x_train[idx], None
        if self.augment is not None:
            x, mix = self.augment(x)
        outs = s.model(x)
        per = None
        if self.single:
            h0 = heads[0]
            loss = _loss(h0, outs[0], idx, mix)
        else:
            values = [_loss(h, o, idx, mix) for h, o in zip(heads, outs)]
            loss = sum(h.weight * v for h, v in zip(heads, values))
            per = torch.stack([v.detach() for v in values])
        objective, pen = loss, None
        if self.penalty is not None:
            pen = self.penalty()
            objective = loss + pen
            pen = pen.detach()
        flat = self.flat
        flat.zero_()
        objective.backward()
        gn = torch.linalg.vector_norm(flat)
        if self.clip:
            flat.mul_((self.clip / (gn + 1e-6)).clamp_(max=1.0))
        self.opt.step()
        return loss.detach(), pen, per, gn


def _loss(head, out: torch.Tensor, idx: torch.Tensor, mix) -> torch.Tensor:
    """The head's loss on the rows ``idx``; with mixup ``(lam, perm)`` the blend of both targets' losses."""
    y = head.y_train[idx]
    if mix is None:
        return head.loss_fn(out, y)
    lam, perm = mix
    return lam * head.loss_fn(out, y) + (1 - lam) * head.loss_fn(out, y[perm])
