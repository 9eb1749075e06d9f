"""Putting it together for a project: a deployment set (a file or a scenario), its drift against the
training split, the model's loss beside validation, and the monitor over a time-ordered file."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data import DataError
from core.data.columns import EncodingReport
from core.data.csvfile import NUMERIC, Progress, Table
from core.data.tabledata import target_values
from core.drift.frame import Frame, frame_from_array
from core.drift.monitor import DEFAULT_WINDOW, MonitorResult, monitor
from core.drift.reference import Reference
from core.drift.scenarios import Scenario, class_balance, covariate_shift, gradual_shift, label_noise
from core.drift.scoring import Scorer
from core.drift.stats import DriftReport, compare, output_drift


@dataclass
class DeploymentSet:
    """New rows for the model: raw frame (for drift), normalized inputs, targets when known."""

    name: str
    frame: Frame
    x: np.ndarray
    y: np.ndarray | None             # first head's target, encoded like training; None when absent
    usable: np.ndarray | None        # rows whose target is known
    report: EncodingReport
    time_ordered: bool = True
    ignored: tuple[str, ...] = ()    # the file's columns the model does not use (said, not silently dropped)
    sorted_by: str = ""              # the target the file's rows are sorted by (no time column): its order is no time


def from_table(ref: Reference, table: Table, target: str | None = None) -> DeploymentSet:
    """A file's rows, in time order (its ``time`` column when it has one, else the file's order)."""
    report = EncodingReport()
    order = None
    if "time" in table.columns and "time" not in ref.names:
        col = table.columns["time"]
        keys = col.values if col.is_numeric else np.asarray([("" if v is None else v) for v in col.values])
        order = np.argsort(keys, kind="stable")
    frame = ref.new_frame(table)
    x = ref.inputs(table, report)
    target = target or next(iter(ref.dataset.targets))
    y = usable = None
    if target in table.columns:
        ys, usable = target_values(table, {target: ref.dataset.targets[target]})
        y = ys[target]
    if order is not None:
        frame, x = frame.take(order), x[order]
        y, usable = (y[order], usable[order]) if y is not None else (None, None)
    sorted_by = target if order is None and y is not None and _looks_sorted(y[usable] if usable is not None else y) else ""
    used = set(ref.names) | set(ref.dataset.targets) | ({"time"} if order is not None else set())
    ignored = tuple(c for c in table.columns if c not in used)
    return DeploymentSet(table.shown, frame, x, y, usable, report, ignored=ignored, sorted_by=sorted_by)


def _looks_sorted(y: np.ndarray, min_rows: int = 50) -> bool:
    """The rows come grouped or ordered by their target (a table sorted by class): few changes of class
    along the file, or a number that almost only rises (or falls)."""
    y = np.asarray(y)
    if len(y) < min_rows:
        return False
    flat = y.reshape(len(y), -1)[:, 0]
    steps = np.diff(flat.astype(np.float64))
    if np.issubdtype(y.dtype, np.integer):
        return np.count_nonzero(steps) <= 2 * max(1, len(np.unique(flat)))
    moving = steps[steps != 0]
    return len(moving) > 0 and max(np.mean(moving > 0), np.mean(moving < 0)) >= 0.95


def from_scenario(ref: Reference, scenario: Scenario) -> DeploymentSet:
    """A scenario applied to the held-out rows (validation, plus test) of the project's data."""
    ds = ref.dataset
    if any(c.kind != NUMERIC for c in ref.encoding.inputs):
        raise DataError("scenario", "scenarios shift numeric features; this project has categorical inputs: load a "
                                    "deployment file instead")
    target = next(iter(ds.targets))
    shifted = scenario.kind == "builtin_shifted"
    raw_ds = _raw_dataset(ref, shifted)  # exact raw values: de-normalizing would blur 0/1 and whole numbers
    raw = np.concatenate([raw_ds.x_val.numpy(), raw_ds.x_test.numpy()]).astype(np.float64)
    y = np.concatenate([raw_ds.y_val[target].numpy(), raw_ds.y_test[target].numpy()])
    if shifted:
        x = ((raw - ds.mean) / ds.std).astype(np.float32) if ds.mean is not None else raw.astype(np.float32)
        return DeploymentSet(f"{ds.name} (shifted)", frame_from_array(raw, ref.names), x, y,
                             np.ones(len(y), bool), EncodingReport(), False)
    names = ref.names
    sd = np.asarray([np.nanstd(ref.frame.columns[n]) or 1.0 for n in names])
    features = list(scenario.features) or names[:1]
    if scenario.kind == "shift":
        raw = covariate_shift(raw, names, features, sd, scenario.k, scenario.scale)
    elif scenario.kind == "ramp":
        raw = gradual_shift(raw, names, features, sd, scenario.k, scenario.start, scenario.end)
    elif scenario.kind == "balance":
        info = ds.targets[target]
        if not info.is_classification:
            raise DataError("scenario", "a class balance needs a classification target")
        idx = class_balance(y, scenario.shares or [1.0] * info.width, scenario.seed)
        raw, y = raw[idx], y[idx]
    elif scenario.kind == "label_noise":
        info = ds.targets[target]
        y = label_noise(y, scenario.rate, info.width if info.is_classification else None, scenario.seed)
    else:
        raise DataError("scenario", f"unknown scenario {scenario.kind!r}")
    x = ((raw - ds.mean) / ds.std).astype(np.float32) if ds.mean is not None else raw.astype(np.float32)
    return DeploymentSet(f"{ds.name}: {scenario.kind}", frame_from_array(raw, names), x, y,
                         np.ones(len(y), bool), EncodingReport(), scenario.kind == "ramp")


def _raw_dataset(ref: Reference, shifted: bool):
    import copy

    from core.data import load_dataset
    spec = copy.copy(ref.project.data)
    spec.normalize = False
    return load_dataset(spec, ref.project.base_dir, shifted=shifted)


def reliance_of(ref: Reference, scorer: Scorer | None):
    """The model's reliance on each input column (permutation importance on validation), computed once per model."""
    if scorer is None:
        return None
    from core.drift.reliance import model_reliance
    return model_reliance(scorer, ref.encoding, scorer.source)


def drift_report(ref: Reference, new: DeploymentSet, scorer: Scorer | None = None) -> DriftReport:
    rep = compare(ref.frame, new.frame, names=ref.names)
    if scorer is not None:
        rep.reliance = reliance_of(ref, scorer)
        # held-out rows as the model's reference: on its own training rows a model is over-confident
        ref_out = scorer.outputs(ref.dataset.x_val)
        new_out = scorer.outputs(new.x)
        rc, nc = scorer.confidence(ref_out), scorer.confidence(new_out)
        if rc is not None:
            rep.output = output_drift(rc, nc, "confidence")
        else:
            rep.output = output_drift(ref_out.numpy().reshape(len(ref_out), -1)[:, 0],
                                      new_out.numpy().reshape(len(new_out), -1)[:, 0], "prediction")
    return rep


def accuracy_words(validation: float, deployment: float) -> str:
    """``accuracy 0.86 on validation, 0.85 on deployment: 1 point lost`` (the count and its plural agree)."""
    lost = (validation - deployment) * 100
    points = int(abs(lost) + 0.5)  # the number shown and the plural come from the same rounding
    change = ("about the same" if points == 0 else
              f"{points} point{'s' if points != 1 else ''} {'lost' if lost > 0 else 'gained'}")
    digits = 2
    while points and digits < 4 and f"{validation:.{digits}f}" == f"{deployment:.{digits}f}":
        digits += 1     # "0.98 … 0.98: 1 point gained" read as no change: show the digits that differ
    return f"accuracy {validation:.{digits}f} on validation, {deployment:.{digits}f} on deployment: {change}"


def compare_with_validation(scorer: Scorer, new: DeploymentSet) -> dict | None:
    """Loss and metric on validation and on the deployment rows, and the difference in words."""
    if new.y is None or not new.usable.any():
        return None
    out = scorer.outputs(new.x[new.usable])
    loss, metric = scorer.loss_metric(out, new.y[new.usable])
    v_loss, v_metric = scorer.validation()
    name = scorer.metric_name
    if name == "accuracy":
        words = accuracy_words(v_metric, metric)
    else:
        words = (f"mean absolute error {v_metric:.3g} on validation, {metric:.3g} on deployment"
                 + (f": {metric / v_metric:.1f}x larger" if v_metric > 0 and metric > v_metric * 1.05 else ""))
    return {"validation_loss": v_loss, "deployment_loss": loss, f"validation_{name}": v_metric,
            f"deployment_{name}": metric, "message": f"{words} (loss {v_loss:.3f} -> {loss:.3f})"}


def run_monitor(ref: Reference, scorer: Scorer | None, new: DeploymentSet, window: int = DEFAULT_WINDOW,
                progress: Progress | None = None) -> MonitorResult:
    """Windows over ``new`` (time-ordered); loss/metric only when the target is there."""
    has_target = scorer is not None and new.y is not None and bool(new.usable.any())
    out = scorer.outputs(new.x) if scorer is not None else None
    conf = scorer.confidence(out) if scorer is not None else None

    def evaluate(s: int, e: int):
        c = None if conf is None else float(np.mean(conf[s:e]))
        if not has_target:
            return None, None, c
        ok = np.flatnonzero(new.usable[s:e]) + s
        if ok.size == 0:
            return None, None, c
        loss, metric = scorer.loss_metric(out[ok], new.y[ok])
        return loss, metric, c

    band = scorer.validation_band(window) if has_target else {}
    name = scorer.metric_name if scorer is not None else "accuracy"
    result = monitor(ref.frame, new.frame, evaluate, window=window, band=band, metric_name=name,
                     higher_is_better=name == "accuracy", has_target=has_target, reliance=reliance_of(ref, scorer),
                     progress=progress)
    if has_target:
        result.validation = scorer.validation()
    elif scorer is None:
        result.no_loss = "no trained model"
    elif new.y is None:
        result.no_loss = f"no target column {next(iter(ref.dataset.targets))!r} in the new data"
    else:
        result.no_loss = "no row of the new data has a usable target"
    return result
