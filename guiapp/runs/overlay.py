"""Selected runs drawn over the live plots: each run its own colour, named in the plot's legend.

By epoch on the epoch-loss plot (validation strong, training faint) and by step on the step-loss plot.
Curves are made once per run and fed numpy arrays; pyqtgraph's peak downsampling and clip-to-view
keep 20 runs x 1,000 epochs cheap to redraw.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..theme import SERIES_COLOURS

PREFIX = "overlay:"


@dataclass
class OverlayRun:
    """What the overlay draws of one run (plain arrays, built from a :class:`core.runs.RunRecord`)."""
    id: str
    name: str
    epoch: np.ndarray
    train: np.ndarray
    val: np.ndarray
    step: np.ndarray
    step_loss: np.ndarray
    settings: dict = field(default_factory=dict)   # the run's project flattened to JSON paths, and its seed
    started: float = 0.0
    parent: str | None = None
    shown: str = ""           # its name in the window (the Runs table's ``wine #3``), when known
    foreign: str = ""         # the project it belongs to, when that is not the open one (All projects)

    @classmethod
    def from_record(cls, rec, shown: str = "", foreign: str = "") -> "OverlayRun":
        from core.runs.diff import flatten
        h = rec.history
        col = lambda k: np.array([np.nan if r.get(k) is None else r[k] for r in h], dtype=np.float64)  # noqa: E731
        settings = {k: v for k, v in flatten(rec.project).items() if not k.startswith(("view", "name"))}
        settings["seed"] = rec.seed
        return cls(rec.id, rec.name, col("epoch"), col("train_loss"), col("val_loss"),
                   rec.step_index.astype(np.float64), np.asarray(rec.step_loss, dtype=np.float64),
                   settings, float(rec.started or 0.0), getattr(rec, "parent", None), shown, foreign)


def _short_key(path: str) -> str:
    """``training.optimizer.params.lr`` -> ``lr``; ``training.optimizer.type`` -> ``optimizer``;
    ``model.nodes[drop1].params.p`` -> ``drop1.p``: the words a person uses for the setting."""
    parts = [p for p in path.replace("[", ".").replace("]", "").split(".") if p and p != "params"]
    if len(parts) >= 2 and parts[-1] == "type":
        parts = parts[:-1]
    if "nodes" in parts and parts.index("nodes") + 1 < len(parts):
        node = parts[parts.index("nodes") + 1:]
        return ".".join(node[-2:]) if len(node) > 1 else node[0]
    return parts[-1] if parts else path


def _value(v) -> str:
    return f"{v:g}" if isinstance(v, float) else "-" if v is None else str(v)


def distinct_labels(runs: list[OverlayRun], max_len: int = 28, max_keys: int = 2) -> list[str]:
    """A legend label per run that tells it from the others: its name, and where several runs share a
    name, the settings that differ among them (``wine · lr=0.01``); runs alike in every setting are told
    apart by their start time (``wine · 14:02:31``); a run of another project ends in ``· from xor``.
    A run's ``shown`` name (the Runs table's ``wine #3``)
    leads its label, so the legend names it as the table does."""
    names = [r.name if len(r.name) <= max_len else r.name[:max_len - 1] + "…" for r in runs]
    labels = [r.shown or n for r, n in zip(runs, names)]
    for name in set(names):
        group = [i for i, n in enumerate(names) if n == name]
        if len(group) < 2:
            continue
        keys = sorted(set().union(*(runs[i].settings for i in group)))
        differ = [k for k in keys if len({repr(runs[i].settings.get(k)) for i in group}) > 1]
        for i in group:
            parts = [f"{_short_key(k)}={_value(runs[i].settings.get(k))}" for k in differ[:max_keys]]
            if len(differ) > max_keys:
                parts.append(f"+{len(differ) - max_keys}")
            head = runs[i].shown or name
            labels[i] = f"{head} · {' '.join(parts)}" if parts else head
        if len({labels[i] for i in group}) < len(group):      # alike in every setting: when they started
            for i in group:
                labels[i] += " · " + time.strftime("%H:%M:%S", time.localtime(runs[i].started))
        if len({labels[i] for i in group}) < len(group):
            for i in group:
                labels[i] += f" ({runs[i].id[-6:]})"   # ids start with the time: their tail differs
    # a curve of another project on this one's plots says so: it is not one of this project's runs
    return [f"{label} · from {r.foreign}" if r.foreign else label for r, label in zip(runs, labels)]


class RunOverlay:
    """Owns the ``overlay:*`` curves on an epoch plot and (optionally) a step plot."""

    def __init__(self, epoch_plot, step_plot=None) -> None:
        self.epoch_plot, self.step_plot = epoch_plot, step_plot
        self.runs: list[OverlayRun] = []
        self.labels: dict[str, str] = {}     # run id -> its legend label as drawn

    def color(self, i: int) -> str:
        return SERIES_COLOURS[i % len(SERIES_COLOURS)]

    def show(self, runs: list[OverlayRun]) -> None:
        """Draw exactly ``runs`` (curves of runs no longer selected are removed, and those whose label
        changed, after a rename or beside another run, are drawn again under the new one)."""
        labels = dict(zip((r.id for r in runs), distinct_labels(runs)))
        for plot in self._plots():
            for key in [k for k in plot.curves if k.startswith(PREFIX)]:
                rid = key.split(":")[1]
                if rid not in labels or self.labels.get(rid) != labels[rid]:
                    plot.remove_curve(key)
        self.runs, self.labels = list(runs), labels
        for i, r in enumerate(runs):
            color = self.color(i)
            label = labels[r.id]
            ep = self.epoch_plot
            if np.isfinite(r.val).any():
                ep.add_curve(f"{PREFIX}{r.id}:val", f"{label} (val)", color, width=1.4)
                ep.set_data(f"{PREFIX}{r.id}:val", r.epoch, r.val)
                # faint and solid: a dotted pen costs Qt several times a solid one per repaint
                ep.add_curve(f"{PREFIX}{r.id}:train", f"{label} (train)", color, width=1.0, alpha=110,
                             legend=False)
            else:
                ep.add_curve(f"{PREFIX}{r.id}:train", f"{label} (train)", color, width=1.4)
            ep.set_data(f"{PREFIX}{r.id}:train", r.epoch, r.train)
            if self.step_plot is not None and r.step.size:
                self.step_plot.add_curve(f"{PREFIX}{r.id}:step", label, color, width=1.0, alpha=200)
                self.step_plot.set_data(f"{PREFIX}{r.id}:step", r.step, r.step_loss)

    def clear(self) -> None:
        self.show([])

    def _plots(self):
        return [p for p in (self.epoch_plot, self.step_plot) if p is not None]
