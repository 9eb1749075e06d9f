"""One deployment check for the window: a file or a scenario against the project's training split,
with a model when there is one. A plain function of its inputs and a progress callback, so it runs
on a background thread and in tests alike."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.drift.deployment import (DeploymentSet, compare_with_validation, drift_report, from_scenario,
                                   from_table, run_monitor)
from core.drift.monitor import DEFAULT_WINDOW, MonitorResult
from core.drift.reference import Reference, project_reference, read_new
from core.drift.scenarios import Scenario
from core.drift.stats import DATASET_DRIFTED, FEATURES_DRIFTED, STABLE, VERDICT_WORDS, DriftReport

LEVELS = [STABLE, FEATURES_DRIFTED, DATASET_DRIFTED]


@dataclass
class DeploymentCheck:
    name: str
    reference: Reference
    new: DeploymentSet
    report: DriftReport
    comparison: dict | None = None
    monitor: MonitorResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        """``stable`` | ``features_drifted`` | ``dataset_drifted``: the file as a whole, or over time when
        the monitor found more (a drift in the last windows only is diluted in the whole file)."""
        levels = [self.report.verdict] + ([self.monitor.verdict()] if self.monitor is not None else [])
        return max(levels, key=LEVELS.index)

    @property
    def light(self) -> str:
        """``green`` (stable), ``amber`` (some features, or the model's output, moved) or ``red`` (the data
        set drifted)."""
        if self.level == DATASET_DRIFTED:
            return "red"
        if self.level == FEATURES_DRIFTED or (self.report.output or {}).get("drifted"):
            return "amber"
        return "green"

    def headline(self) -> str:
        """The verdict in words, drifted features first: the report's, or the monitor's drift when it found more."""
        drift = self.monitor.finding("input_drift") if self.monitor is not None else None
        if self.report.verdict == self.level or drift is None:
            return self.report.headline()
        return f"{VERDICT_WORDS[self.level]} over time: {drift.message}"

    def lines(self) -> list[str]:
        """The findings and comparisons in the CLI's words: drift first, then the model, then notes."""
        out = []
        if self.monitor is not None:
            out.extend(f"{f.kind.replace('_', ' ')}: {f.message}" for f in self.monitor.findings)
        if self.comparison:
            out.append(self.comparison["message"])
        if self.report.output:
            out.append("model " + self.report.output["message"])
        out.extend(self.notes)
        return out

    def values(self, feature: str) -> tuple[np.ndarray, np.ndarray, str]:
        """A feature's reference and new values (missing removed), and its kind, for histograms."""
        ref, new = self.reference.frame.columns[feature], self.new.frame.columns[feature]
        kind = self.reference.frame.kinds[feature]
        if kind == "numeric":
            return ref[~np.isnan(ref)], new[~np.isnan(new)], kind
        return (np.asarray([v for v in ref if v is not None], dtype=object),
                np.asarray([v for v in new if v is not None], dtype=object), kind)


def check_deployment(project, dataset=None, *, path: str | Path | None = None, scenario: Scenario | None = None,
                     model=None, model_path: str | Path | None = None, window: int = DEFAULT_WINDOW,
                     progress=None) -> DeploymentCheck:
    """Drift of ``path`` (a CSV) or ``scenario`` against the training split; with a model (a module or a
    weights file), its loss beside validation and the monitor over windows."""
    step = progress or (lambda _f: None)
    ref = project_reference(project, dataset)
    step(0.2)
    notes = []
    if path is not None:
        new = from_table(ref, read_new(path, Path(path).name, lambda f: step(0.2 + 0.3 * f)))
    else:
        new = from_scenario(ref, scenario or Scenario())
    notes.extend(new.report.notes())
    if new.ignored:
        shown = ", ".join(new.ignored[:8]) + (f", … ({len(new.ignored)} in all)" if len(new.ignored) > 8 else "")
        notes.append(f"ignored {len(new.ignored)} column{'s' if len(new.ignored) != 1 else ''} the model does not "
                     f"use: {shown}")
    if new.sorted_by:
        notes.append(f"the rows of {new.name} are sorted by {new.sorted_by}: the over-time view reads the file's order "
                     "as time, so its windows differ by design; shuffle the rows or add a 'time' column")
    step(0.5)
    scorer = None
    if model is not None or model_path is not None:
        from core.drift.scoring import Scorer
        scorer = Scorer(project, ref.dataset, model_path, model)
    else:
        notes.append("no trained model: train it (Run) or pick saved weights to see loss, metric and confidence")
    report = drift_report(ref, new, scorer)
    step(0.7)
    comparison = compare_with_validation(scorer, new) if scorer is not None else None
    if scorer is not None and new.y is None:
        notes.append(f"{new.name} has no target column {next(iter(ref.dataset.targets))!r}: drift and confidence "
                     "only")
    result = None
    if new.frame.n >= 2 * window:
        result = run_monitor(ref, scorer, new, window, lambda f: step(0.7 + 0.3 * f))
    else:
        n = new.frame.n
        notes.append(f"{n} row{'s' if n != 1 else ''}: fewer than two windows of {window}, no over-time view")
    step(1.0)
    return DeploymentCheck(new.name, ref, new, report, comparison, result, notes)
