"""A trained model's loss, metric and confidence on any rows, and the validation split's own noise."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from core.catalog import LOSSES
from core.data import DataError


class ModelFileError(ValueError):
    """A ``--model`` file that cannot be used with the project."""


class Scorer:
    """The first output head of a project's model, with weights from a file or a trained module."""

    def __init__(self, project, dataset, model_path: str | Path | None = None, model: torch.nn.Module | None = None):
        from core.training.setup import prepare
        setup = prepare(project, dataset, device="cpu")
        if model is not None:
            setup.model = model.to("cpu")
        elif model_path is not None:
            load_weights(setup.model, model_path)
        self.model = setup.model
        self.model.eval()
        self.source = model_path if model is None else None  # the weights file, when they came from one
        head = setup.heads[0]
        self.head = head
        self.index = 0
        self.info = head.info
        entry = LOSSES.get(head.loss_name)
        self.adapt = getattr(entry, "adapt", None) or (lambda y, _info: y)
        self.probabilities = getattr(entry, "probabilities", None)
        self.metric_name = "accuracy" if self.info.is_classification else "mae"
        self.x_val, self.y_val = dataset.x_val, dataset.y_val[head.target]

    @torch.inference_mode()
    def outputs(self, x: np.ndarray | torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float32)
        parts = [self.model(x[i:i + 8192])[self.index] for i in range(0, max(x.shape[0], 1), 8192)]
        return torch.cat(parts) if parts else torch.empty(0)

    @torch.inference_mode()
    def confidence(self, out: torch.Tensor) -> np.ndarray | None:
        """Per row: the probability of the predicted class (classification), else ``None``."""
        if not self.info.is_classification:
            return None
        if self.probabilities is not None:  # the loss knows how its head's values become probabilities
            p = self.probabilities(out)
            return (p.max(dim=-1).values if p.ndim > 1 else torch.maximum(p, 1 - p)).numpy()
        if out.ndim == 1 or out.shape[-1] == 1:
            p = torch.sigmoid(out.reshape(-1))
            return torch.maximum(p, 1 - p).numpy()
        return torch.softmax(out, dim=-1).max(dim=-1).values.numpy()

    @torch.inference_mode()
    def loss_metric(self, out: torch.Tensor, y: np.ndarray | torch.Tensor) -> tuple[float, float]:
        y = torch.as_tensor(y)
        y = y.long() if self.info.is_classification else y.float()
        loss = float(self.head.loss_fn(out, self.adapt(y, self.info)))
        if self.info.is_classification:
            metric = float((self.head.predict(out) == y).float().mean())
        else:
            metric = float((out.reshape(y.shape[0], -1) - y.reshape(y.shape[0], -1)).abs().mean())
        return loss, metric

    def validation(self) -> tuple[float, float]:
        out = self.outputs(self.x_val)
        return self.loss_metric(out, self.y_val)

    def validation_band(self, window: int, draws: int = 300, seed: int = 0) -> dict:
        """Loss and metric of ``draws`` random validation windows of ``window`` rows: the noise a window
        shows when nothing changed. Bands are the 0.5% and 99.5% quantiles.

        Each window is drawn from a fresh resample of the validation rows (a double bootstrap): the
        validation split is itself a sample, and a window of new rows varies by both. With a few hundred
        validation rows and a model that makes few errors, windows drawn from the split alone gave a band
        too narrow, and unchanged new data "declined".

        For accuracy the band also counts the uncertainty of the validation accuracy itself: a window's
        errors follow a beta-binomial (a binomial whose error rate is only known from the validation
        errors, Jeffreys prior), and the band is the wider of the two. A model with no validation error
        would otherwise get a band of zero width, and a single error in a window would be a "decline"."""
        out = self.outputs(self.x_val)
        n = out.shape[0]
        if n == 0:
            return {}
        rng = np.random.default_rng(seed)
        losses, metrics = [], []
        for _ in range(draws):
            outer = rng.integers(0, n, n)
            idx = torch.as_tensor(outer[rng.integers(0, n, window)])
            lo, me = self.loss_metric(out[idx], self.y_val[idx])
            losses.append(lo)
            metrics.append(me)
        full_loss, full_metric = self.loss_metric(out, self.y_val)
        m_lo, m_hi = float(np.quantile(metrics, 0.005)), float(np.quantile(metrics, 0.995))
        if self.metric_name == "accuracy":
            from scipy.stats import betabinom
            errors = (1.0 - full_metric) * n
            pred = betabinom(window, errors + 0.5, n - errors + 0.5)
            m_lo = min(m_lo, 1.0 - float(pred.ppf(0.995)) / window)
            m_hi = max(m_hi, 1.0 - float(pred.ppf(0.005)) / window)
        return {"loss": (full_loss, float(np.quantile(losses, 0.005)), float(np.quantile(losses, 0.995))),
                self.metric_name: (full_metric, m_lo, m_hi), "rows": n}


def load_weights(model: torch.nn.Module, path: str | Path) -> None:
    """Load a state dict saved by ``losslab train --save-model``; a clear :class:`ModelFileError` otherwise."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"--model {path}: no such file; save one with losslab train PROJECT --save-model FILE")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle/zip errors of every kind: the file is not a saved state dict
        raise ModelFileError(f"--model {path}: not a saved LossLab/PyTorch state dict ({type(e).__name__}); save one "
                             "with losslab train PROJECT --save-model FILE") from None
    from ..training.source_inputs import layer_weights
    state = layer_weights(state, model)   # either naming LossLab writes; older files' input tensors dropped
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelFileError(f"--model {path}: holds no state dict of weights; save one with losslab train --save-model")
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise ModelFileError(f"--model {path}: does not fit this project's model ({first[:160]}); use the weights "
                             "saved from this project") from None


__all__ = ["DataError", "ModelFileError", "Scorer", "load_weights"]
