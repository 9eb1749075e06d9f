"""Labelled scenarios for the diagnosis benchmark: real runs whose label holds by construction.

Each :class:`Scenario` is a small project (data, network, optimizer) built so that one thing happens
to it: an oversized network on a tiny noisy set overfits, SGD at lr 50 explodes, Adam at 1e-6 stalls,
a linear model on rings underfits, batch-2 SGD at a high rate bounces, a 97/3 table leaves the model
at the majority rate, a well-sized network with early stopping is healthy. :func:`run_scenario` trains
it with the real trainer (live diagnostics on) and checks the label *independently of the rules*:

- the generalization curve is measured on a large fresh sample from the same distribution (another
  data seed, 4,000 points, evaluated after every epoch by an observer): "overfitting" needs that curve
  to rise 10% above its minimum by the end, and its accuracy to fall (else the truth is
  "overconfidence"); the truth's best epoch is that curve's minimum, the truth's rise start the first
  epoch after which it stays more than 1% above the minimum;
- divergence: a step loss 10x the first steps' or NaN/inf; stall: the training loss moved < 2% over
  the run; underfitting: the big-sample accuracy stays under 70% and the training loss above 80% of
  the trivial predictor's; noise: the validation loss jumps 1.5x between consecutive epochs in at
  least a fifth of the epochs; imbalance: validation accuracy within a point of the majority rate
  over the last 5 epochs; healthy: early stopping ended the run and the big-sample loss at its best
  epoch is within 5% of the curve's minimum.

A run whose check fails is reported as "label not confirmed" and left out of the agreement.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from core.data import load_dataset
from core.project import Project
from core.training import RunResult, TrainingObserver, train
from core.training.setup import baseline_loss, majority_rate, prepare


@dataclass(frozen=True)
class Scenario:
    family: str
    label: str          # the finding kind expected ("healthy": none at all)
    data: dict
    hidden: tuple[int, ...]
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    patience: int = 0
    seed: int = 0
    activation: str = "ReLU"

    @property
    def name(self) -> str:
        return f"{self.family}/{self.data['source']}/seed{self.seed}"

    @property
    def group(self) -> str:
        """What the benchmark table reports on one row."""
        return self.family


def project_of(s: Scenario) -> Project:
    nodes: list[dict] = [{"id": "input", "type": "Input"}]
    edges, prev = [], "input"
    for i, width in enumerate(s.hidden, 1):
        nodes += [{"id": f"fc{i}", "type": "Linear", "params": {"out_features": width}},
                  {"id": f"act{i}", "type": s.activation}]
        edges += [[prev, f"fc{i}"], [f"fc{i}", f"act{i}"]]
        prev = f"act{i}"
    nodes.append({"id": "out", "type": "Linear", "params": {"out_features": 2}})
    edges.append([prev, "out"])
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": s.name, "data": s.data,
        "model": {"nodes": nodes, "edges": edges},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "training": {"optimizer": {"type": s.optimizer, "params": {"lr": s.lr}}, "epochs": s.epochs,
                     "batch_size": s.batch_size, "seed": s.seed, "device": "cpu",
                     "early_stopping": {"patience": s.patience, "restore_best": False}},
    })


def _toy(source: str, seed: int, samples: int, noise: float, val_fraction: float = 0.2) -> dict:
    # Not normalized: the big fresh sample then feeds the model as it is (these sets are unit-scale).
    return {"source": source, "params": {"samples": samples, "noise": noise, "seed": seed},
            "val_fraction": val_fraction, "seed": seed, "normalize": False}


NOISY_LR = 0.3


def scenarios(seeds: tuple[int, ...] = (0, 1, 2)) -> list[Scenario]:
    out: list[Scenario] = []
    for seed in seeds:
        for src in ("moons", "circle"):
            # 120 training samples either way; the validation split is 80 or 480 samples
            out.append(Scenario("oversized net, tiny noisy set, 80 val samples", "overfitting",
                                _toy(src, seed, 200, 0.3, 0.4), (256, 256), "Adam", 1e-3, 16, 80, seed=seed))
            out.append(Scenario("oversized net, tiny noisy set, 480 val samples", "overfitting",
                                _toy(src, seed, 600, 0.3, 0.8), (256, 256), "Adam", 1e-3, 16, 80, seed=seed))
        for src in ("moons", "circle"):
            out.append(Scenario("well-sized net, early stopping", "healthy", _toy(src, seed, 500, 0.2),
                                (16,), "Adam", 0.01, 32, 200, patience=10, seed=seed, activation="Tanh"))
        for src in ("moons", "xor"):
            out.append(Scenario("SGD at lr 50", "divergence", _toy(src, seed, 500, 0.2),
                                (16,), "SGD", 50.0, 32, 20, seed=seed))
        for src in ("moons", "xor"):
            out.append(Scenario("Adam at lr 1e-6", "stalled", _toy(src, seed, 500, 0.2),
                                (16,), "Adam", 1e-6, 32, 30, seed=seed))
        for src in ("circle", "xor"):
            out.append(Scenario("linear model, non-linear data", "underfitting", _toy(src, seed, 500, 0.1),
                                (), "Adam", 0.01, 32, 40, seed=seed))
        for src in ("moons", "circle"):
            out.append(Scenario("batch-2 SGD, high rate", "noisy", _toy(src, seed, 300, 0.2),
                                (32,), "SGD", NOISY_LR, 2, 30, seed=seed))
        out.append(Scenario("97/3 imbalanced table", "low_loss_poor_model",
                            {"source": "fraud", "params": {"samples": 3000, "fraud_rate": 0.03, "seed": seed},
                             "val_fraction": 0.2, "seed": seed},
                            (16,), "Adam", 1e-2, 32, 20, seed=seed))  # the loss falls within epoch 1
    return out


class _TruthObserver(TrainingObserver):
    """Loss and accuracy of the model on a big fresh sample after every epoch: the generalization curve."""

    def __init__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor):
        self.model, self.x, self.y = model, x, y
        self.loss: list[float] = []
        self.accuracy: list[float] = []

    def on_epoch_end(self, record) -> None:
        was = self.model.training
        self.model.eval()
        with torch.inference_mode():
            out = self.model(self.x)[0]
            self.loss.append(float(torch.nn.functional.cross_entropy(out, self.y)))
            self.accuracy.append(float((out.argmax(1) == self.y).float().mean()))
        self.model.train(was)


@dataclass
class Outcome:
    scenario: Scenario
    result: RunResult
    truth: str | None               # the label the independent check confirms (None: not confirmed)
    why: str
    truth_best: int | None = None
    truth_rise: int | None = None
    big_loss: list[float] = field(default_factory=list)

    @property
    def findings(self) -> list[dict]:
        return [f.to_dict() for f in self.result.findings]

    def signature(self) -> tuple:
        return (self.result.status, tuple(repr(sorted(f.items())) for f in self.findings))


def _big_sample(s: Scenario):
    if s.data["source"] == "fraud":
        return None
    spec = dict(s.data, params=dict(s.data["params"], samples=4000, seed=10_000 + s.seed), val_fraction=0.5)
    ds = load_dataset(spec)
    return ds.x_val, ds.y_val["label"].long()


def run_scenario(s: Scenario) -> Outcome:
    project = project_of(s)
    dataset = load_dataset(project.data, project.base_dir)
    setup = prepare(project, dataset, seed=s.seed)
    big = _big_sample(s)
    observer = _TruthObserver(setup.model, *big) if big is not None else TrainingObserver()
    result = train(project, setup=setup, observer=observer, threads=1)
    truth, why, best, rise = check_label(s, result, observer, baseline_loss(setup), majority_rate(setup))
    return Outcome(s, result, truth, why, best, rise, list(getattr(observer, "loss", [])))


def check_label(s: Scenario, r: RunResult, truth: TrainingObserver, baseline: float | None,
                majority: float | None) -> tuple[str | None, str, int | None, int | None]:
    """The label the run really earned, read from the curves and the big sample, never from the rules."""
    tr = np.array([h.train_loss for h in r.history], dtype=float)
    va = np.array([np.nan if h.val_loss is None else h.val_loss for h in r.history], dtype=float)
    steps = np.asarray(r.step_loss, dtype=float)
    big = np.asarray(getattr(truth, "loss", []), dtype=float)
    acc = np.asarray(getattr(truth, "accuracy", []), dtype=float)
    label = s.label
    if label == "overfitting":
        lo = int(np.argmin(big))
        if not (big[-3:].mean() > 1.10 * big[lo] and tr[-1] < tr[lo]):
            return None, f"the big-sample loss rose only {100 * (big[-3:].mean() / big[lo] - 1):.0f}%", None, None
        above = np.flatnonzero(big[lo:] <= 1.01 * big[lo])
        rise = lo + int(above[-1]) + 1 + 1  # 1-based epoch after the last one within 1% of the minimum
        dropped = acc[max(0, lo - 1):lo + 2].mean() - acc[-3:].mean()
        kind = "overfitting" if dropped >= 0.01 else "overconfidence"
        return kind, f"big-sample loss +{100 * (big[-3:].mean() / big[lo] - 1):.0f}%, accuracy −{100 * dropped:.1f} pt", \
            lo + 1, min(rise, len(big))
    if label == "healthy":
        best = r.best_epoch
        ok = r.status == "early_stopped" and best is not None and big[best - 1] <= 1.05 * big.min()
        return ("healthy" if ok else None), f"status {r.status}, big-sample loss at best {big[best - 1]:.3f} " \
            f"vs min {big.min():.3f}" if best else r.status, None, None
    if label == "divergence":
        head = np.median(steps[:10])
        ok = (~np.isfinite(steps)).any() or bool(np.nanmax(steps) > 10 * head)
        return ("divergence" if ok else None), f"max step loss {np.nanmax(steps):.3g} vs start {head:.3g}", None, None
    if label == "stalled":
        moved = abs(tr[-1] / tr[0] - 1)
        return ("stalled" if moved < 0.02 else None), f"training loss moved {100 * moved:.2f}%", None, None
    if label == "underfitting":
        ok = acc.max() < 0.7 and baseline is not None and tr[-3:].mean() >= 0.8 * baseline
        return ("underfitting" if ok else None), f"best big-sample accuracy {acc.max():.2f}, train loss " \
            f"{tr[-3:].mean():.3f} vs trivial {baseline:.3f}", None, None
    if label == "noisy":
        jumps = np.abs(np.diff(np.log(va)))
        share = float(np.mean(jumps > math.log(1.5)))
        return ("noisy" if share >= 0.2 else None), f"validation loss jumps 1.5x in {100 * share:.0f}% of epochs", \
            None, None
    if label == "low_loss_poor_model":
        va_acc = np.array([h.metrics.get("val_accuracy", np.nan) for h in r.history], dtype=float)
        stuck = bool(np.all(va_acc[-5:] <= majority + 0.01))
        fell = va[-1] < 0.95 * np.median(steps[:10])
        return ("low_loss_poor_model" if stuck and fell else None), \
            f"val accuracy {va_acc[-1]:.3f} vs majority {majority:.3f}, loss {np.median(steps[:10]):.3f} → {va[-1]:.3f}", \
            None, None
    raise ValueError(label)


def agrees(o: Outcome) -> bool:
    """The expected finding is there and nothing else is a warning or an error; healthy means no finding."""
    kinds = [(f["kind"], f["severity"]) for f in o.findings]
    if o.truth == "healthy":
        return not kinds
    others = [k for k, sev in kinds if k != o.truth and sev in ("warning", "error")]
    return any(k == o.truth for k, _ in kinds) and not others


def onset_errors(o: Outcome) -> tuple[int, int, float, int] | None:
    """(best-epoch error, rise-start error, excess big-sample loss of the found best epoch in %, epochs from
    the found best to the true near-minimum band) of the overfitting finding against the big-sample truth.
    The last two say what keeping the found checkpoint costs: on a flat-bottomed curve epochs far apart
    can be equally good (the band: epochs whose big-sample loss is within 1% of the minimum)."""
    if o.truth not in ("overfitting", "overconfidence") or o.truth_best is None:
        return None
    found = next((f for f in o.findings if f["kind"] in ("overfitting", "overconfidence")), None)
    if found is None:
        return None
    best = int(found["evidence"]["best_epoch"])
    big = np.asarray(o.big_loss)
    excess = 100.0 * (big[best - 1] / big[o.truth_best - 1] - 1.0)
    band = np.flatnonzero(big <= 1.01 * big.min()) + 1
    to_band = int(np.min(np.abs(band - best)))
    return best - o.truth_best, int(found["evidence"]["rise_start_epoch"]) - int(o.truth_rise), excess, to_band
