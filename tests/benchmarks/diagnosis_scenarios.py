"""Labelled scenarios for the diagnosis benchmark: real runs, labelled without LossLab's rules.

Each :class:`Scenario` is a small project (data, network, optimizer) built so that one thing happens
to it, and its label is written down before it runs:

- ``overfitting``: 30-60 training rows, a 256-256 MLP, Adam, 200-250 epochs (and the 120-row moons of
  the earlier benchmark): the training loss goes to ~0 while the validation loss climbs;
- ``noisy``: SGD at lr 0.1 with batches of 1 or 2 for 10 epochs on small tables and overlapping moons;
- ``divergence``: SGD at lr 10 on a 30-feature table (and lr 50 on toy sets);
- ``unfinished``: SGD (lr 0.01) for 12-15 epochs: stopped while the loss still falls;
- ``underfitting``: a linear model on rings or XOR;
- ``stalled``: Adam at 1e-6; ``low_loss_poor_model``: a 97/3 table;
- ``healthy``: well-sized networks with early stopping.

:func:`plain_reading` then reads each run's raw curves the way a person would, with simple rules that
share nothing with LossLab's (:mod:`core.diagnostics` is never imported here):

- **overfitting (the audit)**: 5-epoch means of the validation loss end >= 10% above their minimum,
  >= 5 epochs after it, while the training loss (its 5-epoch mean) is lower than at that minimum;
- **noisy**: from epoch 2 on, the validation loss rises by >= 5% over the epoch before at least 3 times
  (and in at least a quarter of the epochs) and falls by >= 5% at least twice: up and down, again and
  again (a descending curve hardly ever rises; a climbing one is overfitting, not noise);
- **diverged**: a step loss NaN/inf, or 100x the first step's loss, after which the training loss
  never fell back below half of where it started;
- **unfinished**: the training loss fell >= 5% over the last 5 epochs (and by >= 1% of the class-share
  loss: a fall one can see) and the validation loss fell too;
- **underfitting**: the validation loss ends at >= 80% of what predicting the training set's class
  shares gives, with the training loss flat (< 3% over the last 5 epochs);
- **stalled**: the training loss moved < 2% over the run;
- **low_loss_poor_model**: validation accuracy within a point of the majority share for 5 epochs;
- **healthy**: none of the above, and the validation loss ends below half of the class-share loss.

A run's truth is its label when the plain reading confirms it, plus ``overfitting`` whenever the audit
says so (a noisy run can overfit too); a run whose label the plain reading does not confirm is shown
and left out of the agreement.
"""
from __future__ import annotations

import csv
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data import load_dataset
from core.project import Project
from core.training import RunResult, train
from core.training.setup import prepare


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
    classes: int = 2
    table: tuple[str, int] | None = None   # a generated CSV table: (kind, rows)

    @property
    def name(self) -> str:
        source = self.table[0] if self.table else self.data["source"]
        return f"{self.family}/{source}/b{self.batch_size}/seed{self.seed}"

    @property
    def group(self) -> str:
        """What the benchmark table reports on one row."""
        return self.family


def project_of(s: Scenario, base: Path | None = None) -> Project:
    nodes: list[dict] = [{"id": "input", "type": "Input"}]
    edges, prev = [], "input"
    for i, width in enumerate(s.hidden, 1):
        nodes += [{"id": f"fc{i}", "type": "Linear", "params": {"out_features": width}},
                  {"id": f"act{i}", "type": s.activation}]
        edges += [[prev, f"fc{i}"], [f"fc{i}", f"act{i}"]]
        prev = f"act{i}"
    nodes.append({"id": "out", "type": "Linear", "params": {"out_features": s.classes}})
    edges.append([prev, "out"])
    doc = {
        "format": "losslab-project", "version": 1, "name": s.name, "data": s.data,
        "model": {"nodes": nodes, "edges": edges},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "training": {"optimizer": {"type": s.optimizer, "params": {"lr": s.lr}}, "epochs": s.epochs,
                     "batch_size": s.batch_size, "seed": s.seed, "device": "cpu",
                     "early_stopping": {"patience": s.patience, "restore_best": False}},
    }
    project = Project.from_dict(doc)
    if base is not None:
        project.base_dir = base
    return project


# -- data ---------------------------------------------------------------------------------------------
def _toy(source: str, seed: int, samples: int, noise: float, val_fraction: float = 0.2) -> dict:
    return {"source": source, "params": {"samples": samples, "noise": noise, "seed": seed},
            "val_fraction": val_fraction, "seed": seed, "normalize": False}


def _csv(seed: int, val_fraction: float) -> dict:
    return {"source": "csv", "params": {}, "path": "table.csv", "target": "label", "task": "classification",
            "val_fraction": val_fraction, "test_fraction": 0.0, "seed": seed, "normalize": True}


def _diagnosis(seed: int, samples: int, val_fraction: float) -> dict:
    return {"source": "diagnosis", "params": {"samples": samples, "seed": seed}, "target": "diagnosis",
            "val_fraction": val_fraction, "test_fraction": 0.0, "seed": seed, "normalize": True}


def table30(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A cancer-like table: 10 measurements x (mean, spread, worst) = 30 positive features on scales from
    0.05 to 800; two classes (about 37/63) that differ in every measurement."""
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.37).astype(int)
    base = rng.normal(0, 1, (rows, 10)) + 1.2 * y[:, None] * rng.normal(1, 0.3, 10)[None, :]
    scales = np.array([14, 19, 92, 650, 0.1, 0.1, 0.09, 0.05, 0.18, 0.06])
    cols = []
    for j in range(10):
        m = scales[j] * (1 + 0.25 * base[:, j])
        cols += [m, np.abs(m) * 0.1 * (1 + 0.3 * rng.random(rows)), m * (1.2 + 0.1 * rng.random(rows))]
    return np.stack(cols, 1), y


def wine_like(rows: int, seed: int, overlap: float = 1.1) -> tuple[np.ndarray, np.ndarray]:
    """A wine-like table: 13 features, 3 classes whose clusters overlap a little."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, rows)
    centres = np.random.default_rng(99).normal(0, overlap, (3, 13))
    scales = np.array([13, 2.3, 2.4, 19, 100, 2.3, 2, 0.36, 1.6, 5, 1, 2.6, 750])
    x = (centres[y] + rng.normal(0, 1, (rows, 13))) * 0.2 * scales + scales
    return x, y


def wine_overlapping(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The wine-like table with classes that overlap a lot: the loss stays well above zero."""
    return wine_like(rows, seed, overlap=0.4)


TABLES = {"table30": table30, "wine": wine_like, "wine-overlapping": wine_overlapping}


def _write_table(kind: str, rows: int, seed: int, folder: Path) -> None:
    x, y = TABLES[kind](rows, seed)
    with open(folder / "table.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([f"f{j}" for j in range(x.shape[1])] + ["label"])
        for row, label in zip(x, y):
            out.writerow([f"{v:.6g}" for v in row] + [f"c{label}"])


# -- the scenarios ------------------------------------------------------------------------------------
def scenarios(seeds: tuple[int, ...] = (0, 1, 2)) -> list[Scenario]:
    """Every family for ``seeds`` (the small-data overfitting family takes 5 seeds from the first)."""
    out: list[Scenario] = []
    first = seeds[0]
    for seed in range(first, first + 5):
        epochs = 200 + 12 * (seed - first)
        out.append(Scenario("tiny set, 256-256 MLP, Adam", "overfitting", _toy("moons", seed, 80, 0.3, 0.4),
                            (256, 256), "Adam", 1e-3, 16, epochs, seed=seed))
        out.append(Scenario("tiny set, 256-256 MLP, Adam", "overfitting", _toy("circle", seed, 90, 0.35, 0.4),
                            (256, 256), "Adam", 1e-3, 16, epochs, seed=seed))
        out.append(Scenario("tiny set, 256-256 MLP, Adam", "overfitting", _csv(seed, 0.4), (256, 256), "Adam",
                            1e-3, 16, epochs, seed=seed, classes=3, table=("wine-overlapping", 90)))
    for seed in seeds:
        out.append(Scenario("oversized net, 120 noisy moons", "overfitting", _toy("moons", seed, 200, 0.3, 0.4),
                            (256, 256), "Adam", 1e-3, 16, 80, seed=seed))
        for batch in (1, 2):
            rows = 70 if batch == 1 else 130
            out.append(Scenario("SGD lr 0.1, batch 1-2, 10 epochs", "noisy", _toy("moons", seed, rows, 0.45),
                                (32,), "SGD", 0.1, batch, 10, seed=seed))
            out.append(Scenario("SGD lr 0.1, batch 1-2, 10 epochs", "noisy", _csv(seed, 0.3), (32,), "SGD", 0.1,
                                batch, 10, seed=seed, classes=3, table=("wine-overlapping", rows)))
        for hidden, batch in (((32,), 32), ((64, 64), 16), ((64, 64), 64)):
            out.append(Scenario("SGD lr 10, 30-feature table", "divergence", _csv(seed, 0.2), hidden, "SGD", 10.0,
                                batch, 20, seed=seed, table=("table30", 400)))
        out.append(Scenario("SGD lr 50, toy sets", "divergence", _toy("moons", seed, 500, 0.2), (16,), "SGD", 50.0,
                            32, 20, seed=seed))
        out.append(Scenario("SGD, too few epochs", "unfinished", _csv(seed, 0.2), (32,), "SGD", 1e-2,
                            8, 15, seed=seed, classes=3, table=("wine", 178)))
        out.append(Scenario("SGD, too few epochs", "unfinished", _diagnosis(seed, 600, 0.2), (32,),
                            "SGD", 1e-2, 32, 15, seed=seed, classes=3))
        out.append(Scenario("SGD, too few epochs", "unfinished", _toy("moons", seed, 500, 0.2), (32,),
                            "SGD", 1e-2, 32, 12, seed=seed))
        for src in ("circle", "xor"):
            out.append(Scenario("linear model, non-linear data", "underfitting", _toy(src, seed, 500, 0.1),
                                (), "Adam", 0.01, 32, 40, seed=seed))
        out.append(Scenario("Adam at lr 1e-6", "stalled", _toy("xor", seed, 500, 0.2), (16,), "Adam", 1e-6, 32,
                            30, seed=seed))
        for src in ("moons", "circle", "xor"):
            out.append(Scenario("well-sized net, early stopping", "healthy", _toy(src, seed, 600, 0.2), (16,),
                                "Adam", 0.01, 32, 200, patience=10, seed=seed, activation="Tanh"))
        out.append(Scenario("well-sized net, early stopping", "healthy", _csv(seed, 0.25), (32,), "Adam", 3e-3,
                            32, 200, patience=10, seed=seed, classes=3, table=("wine", 400)))
        out.append(Scenario("well-sized net, early stopping", "healthy", _diagnosis(seed, 1500, 0.25), (32,),
                            "Adam", 3e-3, 64, 200, patience=10, seed=seed, classes=3))
        out.append(Scenario("well-sized net, early stopping", "healthy", _csv(seed, 0.25), (32,), "Adam", 3e-3,
                            32, 200, patience=10, seed=seed, table=("table30", 500)))
        out.append(Scenario("97/3 imbalanced table", "low_loss_poor_model",
                            {"source": "fraud", "params": {"samples": 3000, "fraud_rate": 0.03, "seed": seed},
                             "val_fraction": 0.2, "seed": seed},
                            (16,), "Adam", 1e-2, 32, 20, seed=seed))  # the loss falls within epoch 1
    return out


# -- running ------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    scenario: Scenario
    result: RunResult
    truth: set[str] | None          # what the plain reading confirms (None: the label is not confirmed)
    why: str
    audit: bool                     # the plain-reading overfitting audit fired
    readings: dict[str, bool] = field(default_factory=dict)

    @property
    def findings(self) -> list[dict]:
        return [f.to_dict() for f in self.result.findings]

    def signature(self) -> tuple:
        return (self.result.status, tuple(repr(sorted(f.items())) for f in self.findings))


def run_scenario(s: Scenario) -> Outcome:
    """Train ``s`` (one torch thread, live diagnostics on) and read it plainly."""
    with tempfile.TemporaryDirectory(prefix="losslab-diagnosis-bench-") as folder:
        base = Path(folder)
        if s.table is not None:
            _write_table(s.table[0], s.table[1], s.seed, base)
        project = project_of(s, base)
        dataset = load_dataset(project.data, base)
    setup = prepare(project, dataset, seed=s.seed)
    result = train(project, setup=setup, threads=1)
    target = setup.heads[0].target
    y_train = dataset.y_train[target].numpy().astype(int)
    y_val = dataset.y_val[target].numpy().astype(int)
    readings, why = plain_reading(result, y_train, y_val, s.classes)
    truth: set[str] | None = None
    if s.label == "healthy":
        problems = [k for k, v in readings.items() if v and k != "healthy"]
        truth = {"healthy"} if readings["healthy"] and not problems else None
    elif readings.get(s.label):
        truth = {s.label} | ({"overfitting"} if readings["overfitting"] else set())
    return Outcome(s, result, truth, why, readings["overfitting"], readings)


def _means(x: np.ndarray, k: int = 5) -> np.ndarray:
    return np.convolve(x, np.ones(k) / k, "valid") if x.size >= k else np.empty(0)


def audit_overfitting(train_loss: np.ndarray, val_loss: np.ndarray) -> bool:
    """The plain-reading audit: 5-epoch means of val loss end >= 10% above their minimum, >= 5 epochs
    after it, while the training loss (its 5-epoch mean) is lower than at that minimum."""
    ok = np.isfinite(val_loss) & np.isfinite(train_loss)
    if not ok.all():  # read up to the first NaN/inf
        cut = int(np.argmin(ok))
        train_loss, val_loss = train_loss[:cut], val_loss[:cut]
    mv, mt = _means(val_loss), _means(train_loss)
    if mv.size < 6:
        return False
    j = int(np.argmin(mv))
    return bool(mv[-1] >= 1.10 * mv[j] and mv.size - 1 - j >= 5 and mt[-1] < mt[j])


def class_share_loss(y_train: np.ndarray, y_val: np.ndarray, classes: int) -> float:
    """Cross-entropy on the validation labels of always predicting the training set's class shares."""
    shares = (np.bincount(y_train, minlength=classes) + 1) / (y_train.size + classes)
    return float(-np.mean(np.log(shares[y_val])))


def plain_reading(r: RunResult, y_train: np.ndarray, y_val: np.ndarray,
                  classes: int) -> tuple[dict[str, bool], str]:
    """What a person reads off the raw curves (see the module's docstring); and the numbers, in words."""
    tr = np.array([h.train_loss for h in r.history], dtype=float)
    va = np.array([np.nan if h.val_loss is None else h.val_loss for h in r.history], dtype=float)
    steps = np.asarray(r.step_loss, dtype=float)
    acc = np.array([h.metrics.get("val_accuracy", np.nan) for h in r.history], dtype=float)
    base = class_share_loss(y_train, y_val, classes)
    out: dict[str, bool] = {"overfitting": audit_overfitting(tr, va)}
    words = []

    jumps = np.abs(va[2:] / va[1:-1] - 1) if va.size > 3 else np.empty(0)
    rises = int(np.sum(va[2:] > 1.05 * va[1:-1])) if va.size > 3 else 0
    falls = int(np.sum(va[2:] < 0.95 * va[1:-1])) if va.size > 3 else 0
    out["noisy"] = bool(jumps.size and rises >= 3 and falls >= 2 and rises >= 0.25 * jumps.size)
    if jumps.size:
        words.append(f"val loss moves {100 * np.nanmedian(jumps):.0f}% per epoch (median), {rises} rises and "
                     f"{falls} falls of 5%")

    bad = ~np.isfinite(steps)
    blew = bool(bad.any() or (steps.size and np.nanmax(steps) >= 100 * abs(steps[0])))
    after = tr[np.isfinite(tr)][-3:]
    stayed = bool(bad.any() or (after.size and np.min(after) >= 0.5 * abs(steps[0])) or not np.isfinite(tr[-1]))
    out["divergence"] = blew and stayed
    out["overfitting"] = out["overfitting"] and not out["divergence"]  # a blown-up curve reads as diverged
    if steps.size:
        words.append(f"max step loss {np.nanmax(steps):.3g} vs first {steps[0]:.3g}")

    fell5 = tr.size > 5 and tr[-1] <= 0.95 * tr[-6] and tr[-6] - tr[-1] >= 0.01 * base and va[-1] < va[-6]
    out["unfinished"] = bool(fell5)
    flat = tr.size > 5 and abs(1 - tr[-1] / tr[-6]) < 0.03
    va_end = float(np.nanmean(va[-3:])) if np.isfinite(va[-3:]).any() else math.nan
    out["underfitting"] = bool(flat and va_end >= 0.8 * base)
    words.append(f"val loss {va_end:.3g} vs class shares {base:.3g}; train last 5 epochs "
                 f"{100 * (tr[-1] / tr[-6] - 1) if tr.size > 5 else math.nan:+.1f}%")
    out["stalled"] = bool(tr.size > 1 and abs(tr[-1] / tr[0] - 1) < 0.02)
    majority = float(np.bincount(y_val).max() / y_val.size)
    out["low_loss_poor_model"] = bool(acc.size >= 5 and np.all(acc[-5:] <= majority + 0.01))
    out["healthy"] = bool(np.isfinite(va_end) and va_end < 0.5 * base)
    words.insert(0, f"audit {'fires' if out['overfitting'] else 'quiet'}")
    return out, "; ".join(words)


def agrees(o: Outcome) -> bool:
    """Found warnings/errors == the truth; healthy means no finding of any severity."""
    if o.truth is None:
        return False
    if o.truth == {"healthy"}:
        return not o.findings
    loud = {f["kind"] for f in o.findings if f["severity"] in ("warning", "error")}
    return loud == o.truth
