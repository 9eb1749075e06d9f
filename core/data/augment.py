"""Augmentation of training batches: small, label-preserving changes drawn anew for every batch.

The project's ``data.augment`` maps a name to a strength. Images (inputs shaped ``(C, H, W)``):
``shift`` (pixels, whole), ``rotate`` (degrees), ``scale`` (fraction), ``flip`` (``"horizontal"``,
``"vertical"`` or ``"both"``: only where the data allows it; a flipped 2 is no digit), ``cutout``
(side of a square set to the image's mean, pixels). Any data: ``noise`` (Gaussian, standard
deviation = strength x the spread of each input column in the training split; columns holding two
values or fewer, i.e. one-hot and yes/no columns, are left alone) and ``mixup`` (the Beta(a, a)
parameter of mixup: inputs and losses are blended between pairs of the batch).

Only training batches are augmented (the trainer's step calls :class:`Augmenter`); validation,
test, metrics and exports see the data as it is. Draws come from generators seeded with the
run's seed, so the same project and seed give the same loss curve.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.catalog.params import Param, ParamError

FLIPS = ("none", "horizontal", "vertical", "both")

#: name -> (its parameter, "image" when it needs (C, H, W) inputs, else "any")
AUGMENTATIONS: dict[str, tuple[Param, str]] = {
    "shift": (Param("shift", "int", 1, min=0, max=64, help="Move each image by up to this many whole pixels "
                                                           "(uncovered pixels get the background)."), "image"),
    "rotate": (Param("rotate", "float", 10.0, min=0.0, max=180.0, help="Rotate each image by up to this many "
                                                                       "degrees either way."), "image"),
    "scale": (Param("scale", "float", 0.1, min=0.0, max=0.9, help="Zoom each image in or out by up to this "
                                                                  "fraction."), "image"),
    "flip": (Param("flip", "choice", "none", choices=FLIPS, help="Mirror half of the images. Only where a "
                                                                 "mirrored sample is still its class (never digits)."),
             "image"),
    "cutout": (Param("cutout", "int", 2, min=0, max=64, help="Blank a square of this side at a random place."),
               "image"),
    "noise": (Param("noise", "float", 0.1, min=0.0, max=5.0, help="Gaussian noise: this many times each "
                                                                  "input column's spread."), "any"),
    "mixup": (Param("mixup", "float", 0.2, min=0.0, max=10.0, help="Blend pairs of samples and their losses "
                                                                   "with a Beta(a, a) weight (a = this)."), "any"),
}


def parse_augment(v: Any, where: str = "data.augment") -> dict[str, Any]:
    """Validate ``data.augment``: known names, values in range; raises :class:`ParamError` at the path."""
    if not isinstance(v, dict):
        raise ParamError(where, 'expected an object of name -> strength, e.g. {"shift": 1, "noise": 0.1}')
    out = {}
    for name, value in v.items():
        if name not in AUGMENTATIONS:
            raise ParamError(f"{where}.{name}", f"unknown augmentation {name!r}; choose from: "
                                                f"{', '.join(AUGMENTATIONS)}")
        out[name] = AUGMENTATIONS[name][0].validate(value, f"{where}.{name}")
    return out


def is_image_shape(input_shape: tuple[int, ...]) -> bool:
    return len(input_shape) == 3


def augment_problems(augment: dict[str, Any], input_shape: tuple[int, ...]) -> list[tuple[str, str]]:
    """(message, JSON path) for each augmentation the data cannot take (a flip of a table row)."""
    if is_image_shape(input_shape):
        return []
    shape = "x".join(str(d) for d in input_shape)
    return [(f"augmentation {name!r} works on images (inputs shaped channels x height x width) but these "
             f"inputs are {shape}: remove it, or use noise or mixup", f"data.augment.{name}")
            for name in augment if AUGMENTATIONS[name][1] == "image" and _active(name, augment[name])]


def _active(name: str, value) -> bool:
    return value != "none" if name == "flip" else bool(value)


def column_spread(x_train) -> "torch.Tensor":
    """Standard deviation of each input column over the training rows, 0 for columns with at most two
    distinct values (one-hot and yes/no columns get no noise); images share one global spread."""
    import torch
    if x_train.dim() == 4:
        return x_train.float().std().reshape(1, 1, 1, 1) if x_train.numel() > 1 else torch.ones(1, 1, 1, 1)
    flat = x_train.reshape(x_train.shape[0], -1).float()
    spread = flat.std(dim=0) if flat.shape[0] > 1 else torch.zeros(flat.shape[1])
    lo, hi = flat.min(dim=0).values, flat.max(dim=0).values
    inner = ((flat > lo) & (flat < hi)).any(dim=0)   # a third distinct value between min and max
    spread = torch.where(inner, spread, torch.zeros_like(spread))
    return spread.reshape(1, *x_train.shape[1:])


def background(x_train) -> "torch.Tensor":
    """Per channel, the median of the training images' outermost pixels, shaped (1, C, 1, 1): the value
    that a shift, rotation or zoom gives the pixels it uncovers. Repeating the border instead smears a
    stroke that touches the edge (an 8x8 digit often does) into a second stroke; padding with 0 is the
    channel mean once the inputs are normalized, not the background."""
    import torch
    c = x_train.shape[1]
    edge = torch.cat([x_train[:, :, 0, :], x_train[:, :, -1, :], x_train[:, :, :, 0], x_train[:, :, :, -1]], dim=2)
    return edge.transpose(0, 1).reshape(c, -1).float().median(dim=1).values.reshape(1, c, 1, 1)


class Augmenter:
    """``augmenter(x)`` -> ``(x', mix)``: the augmented batch and, with mixup, ``(lam, perm)`` so that the
    loss is ``lam * loss(out, y) + (1 - lam) * loss(out, y[perm])``; ``mix`` is None otherwise."""

    def __init__(self, augment: dict[str, Any], x_train, seed: int) -> None:
        import torch
        self.a = {k: v for k, v in augment.items() if _active(k, v)}
        self.device = x_train.device
        self.gen = torch.Generator(device=self.device).manual_seed(int(seed) + 0xA06)
        self.rng = np.random.default_rng([int(seed), 0xA06])   # mixup weights (host scalars, no sync)
        self.image = x_train.dim() == 4
        self.spread = column_spread(x_train).to(self.device) if "noise" in self.a else None
        self.fill = background(x_train).to(self.device) if self.image else None

    @classmethod
    def for_setup(cls, setup) -> "Augmenter | None":
        augment = setup.project.data.augment
        if not any(_active(k, v) for k, v in augment.items()):
            return None
        return cls(augment, setup.x_train, setup.project.training.seed)

    def __call__(self, x):
        a = self.a
        if self.image:
            if any(k in a for k in ("shift", "rotate", "scale")):
                x = self._affine(x)
            if a.get("flip", "none") != "none":
                x = self._flip(x, a["flip"])
            if a.get("cutout"):
                x = self._cutout(x, int(a["cutout"]))
        if a.get("noise"):
            import torch
            x = x + a["noise"] * self.spread * torch.randn(x.shape, generator=self.gen, device=x.device)
        mix = None
        if a.get("mixup"):
            x, mix = self._mixup(x, float(a["mixup"]))
        return x, mix

    def _uniform(self, n: int, low: float, high: float):
        import torch
        return low + (high - low) * torch.rand(n, generator=self.gen, device=self.device)

    def _affine(self, x):
        """Shift (whole pixels), rotation and zoom in one resampling; uncovered pixels get the background."""
        import torch
        import torch.nn.functional as F
        n, _, h, w = x.shape
        a = self.a
        angle = self._uniform(n, -1, 1) * math.radians(a.get("rotate", 0.0))
        zoom = 1 + self._uniform(n, -1, 1) * a.get("scale", 0.0)
        s = int(a.get("shift", 0))
        dx = torch.randint(-s, s + 1, (n,), generator=self.gen, device=self.device).float() if s else torch.zeros(n, device=self.device)
        dy = torch.randint(-s, s + 1, (n,), generator=self.gen, device=self.device).float() if s else torch.zeros(n, device=self.device)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        # affine_grid maps output to input coordinates in [-1, 1]: a pixel is 2/W wide
        theta = torch.stack([torch.stack([cos, -sin, -2 * dx / w], 1), torch.stack([sin, cos, -2 * dy / h], 1)], 1)
        grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        fill = self.fill.to(x.dtype)   # grid_sample pads with 0: resample around the background instead
        return F.grid_sample(x - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + fill

    def _flip(self, x, how: str):
        import torch
        n = x.shape[0]
        if how in ("horizontal", "both"):
            pick = (torch.rand(n, generator=self.gen, device=self.device) < 0.5).view(n, 1, 1, 1)
            x = torch.where(pick, x.flip(3), x)
        if how in ("vertical", "both"):
            pick = (torch.rand(n, generator=self.gen, device=self.device) < 0.5).view(n, 1, 1, 1)
            x = torch.where(pick, x.flip(2), x)
        return x

    def _cutout(self, x, side: int):
        import torch
        n, _, h, w = x.shape
        side = min(side, h, w)
        top = torch.randint(0, h - side + 1, (n, 1, 1), generator=self.gen, device=self.device)
        left = torch.randint(0, w - side + 1, (n, 1, 1), generator=self.gen, device=self.device)
        rows = torch.arange(h, device=self.device).view(1, h, 1)
        cols = torch.arange(w, device=self.device).view(1, 1, w)
        hole = ((rows >= top) & (rows < top + side) & (cols >= left) & (cols < left + side)).unsqueeze(1)
        fill = x.mean(dim=(1, 2, 3), keepdim=True)
        return torch.where(hole, fill, x)

    def _mixup(self, x, alpha: float):
        import torch
        lam = float(self.rng.beta(alpha, alpha)) if alpha > 0 else 1.0
        lam = max(lam, 1 - lam)   # the batch's own labels keep the larger share
        perm = torch.randperm(x.shape[0], generator=self.gen, device=self.device)
        return lam * x + (1 - lam) * x[perm], (lam, perm)


def preview(dataset, augment: dict[str, Any], seed: int, count: int = 6):
    """``count`` training samples and their augmented versions, in the data's own units (the
    normalization undone), for a person to look at: ``(indices, before, after)`` as float32 arrays
    shaped ``(count, *input_shape)``. The samples and the draws follow ``seed``: the same settings give
    the same strip. The noise spread and the background come from the whole training split, as in a run."""
    import torch
    n = dataset.n_train
    idx = np.sort(np.random.default_rng([int(seed), 0x9EE]).choice(n, size=min(count, n), replace=False))
    x = dataset.x_train
    active = {k: v for k, v in augment.items() if _active(k, v)}
    if active:
        aug = Augmenter(active, x, seed)
        with torch.no_grad():
            after, _ = aug(x[torch.as_tensor(idx)].float())
    else:
        after = x[torch.as_tensor(idx)].float()
    before = x[torch.as_tensor(idx)].float()

    def raw(t) -> np.ndarray:
        a = t.detach().cpu().numpy().astype(np.float32)
        if dataset.mean is None:
            return a
        return a * np.asarray(dataset.std, np.float32) + np.asarray(dataset.mean, np.float32)
    return idx, raw(before), raw(after)
