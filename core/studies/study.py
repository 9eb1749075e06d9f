"""A study: one or two knobs over listed values x N seeds, every trial a normal run in the store.

:func:`plan_study` checks everything before a trial starts (knob names, values, each setting's project
and graph) and raises :class:`StudyError` naming the setting. Each setting's project is parsed once,
here, and travels to its trials as the checked object. The plan is run by the one study driver
(:mod:`core.studies.driver`).
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..runs.recorder import run_name
from .knobs import Knob, KnobError, apply_setting, knob
from .outcome import TrialOutcome, outcomes_of
from .trial import TrialTask

MAX_KNOBS = 2
TUNE_LR = ("", "finder", "grid")
LR_GRID = (0.001, 0.01, 0.1, 1.0)   # a decade apart: Adam/RMSprop's usual rates to plain SGD's


class StudyError(ValueError):
    """The study cannot start: a bad knob, value or project; the message names the setting."""


@dataclass
class StudySpec:
    knobs: list[Knob]
    values: list[list[Any]]
    seeds: int = 3
    epochs: int | None = None
    name: str = ""
    #: how each setting gets its learning rate: "" the project's; "finder" each trial's own from a short
    #: LR-finder run; "grid" each setting at the best of LR_GRID (a fair optimizer study)
    tune_lr: str = ""

    def settings(self) -> list[dict[str, Any]]:
        return [dict(zip([k.name for k in self.knobs], combo)) for combo in itertools.product(*self.values)]

    @classmethod
    def from_vary(cls, vary: dict[str, list[Any]], seeds: int = 3, epochs: int | None = None, name: str = "",
                  tune_lr: str = "") -> "StudySpec":
        """``{"lr": ["0.01", 0.1], ...}``: values parsed by their knob (text or typed)."""
        if not vary:
            raise StudyError("vary at least one knob")
        if len(vary) > MAX_KNOBS:
            raise StudyError(f"a study varies one or two knobs, received {len(vary)} ({', '.join(vary)})")
        try:
            knobs = [knob(k) for k in vary]
            values = [[k.parse(v) for v in vals] for k, vals in zip(knobs, vary.values())]
        except KnobError as e:
            raise StudyError(str(e)) from None
        for k, vals in zip(knobs, values):
            if not vals:
                raise StudyError(f"{k.name}: give at least one value")
        if tune_lr not in TUNE_LR:
            raise StudyError(f"tune_lr={tune_lr!r}: expected one of {', '.join(repr(t) for t in TUNE_LR)}")
        if tune_lr and any(k.name in ("lr", "training.optimizer.params.lr") for k in knobs):
            raise StudyError("a study that finds each setting's learning rate cannot also vary lr: leave one out")
        return cls(knobs, values, seeds, epochs, name, tune_lr)

    def comparison(self, project) -> str:
        """Which comparison this is, in words (an optimizer study is only fair at each one's own rate)."""
        if self.tune_lr == "finder":
            return ("each setting at its own learning rate, from a short LR-finder run (100 steps, valley rule) on "
                    "each trial's model and data")
        if self.tune_lr == "grid":
            return (f"each setting at its own learning rate: the best of {', '.join(f'{v:g}' for v in LR_GRID)} by the "
                    "same score (every setting gets as many tries; the pick is made on these runs, so each best "
                    "rate's score is a little optimistic, alike for all)")
        if any(k.name in ("lr", "training.optimizer.params.lr") for k in self.knobs):
            return "learning rates as listed"
        lr = project.training.optimizer.params.get("lr")
        return f"every setting at the project's learning rate {lr:g}" if isinstance(lr, (int, float)) else ""


@dataclass
class Plan:
    study: str
    spec: StudySpec
    tasks: list[TrialTask]
    datasets: dict[str, Any]
    samples: dict[str, int] = field(default_factory=dict)        # data_size setting (JSON) -> training samples
    same_data: dict[str, list[Any]] = field(default_factory=dict)  # setting -> data sizes merged into it
    comparison: str = ""
    notes: list[str] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)   # tune_lr="grid": the rates every setting is tried at
    baseline: dict[str, Any] = field(default_factory=dict)   # the setting every other is compared with (scratch)

    def summarize(self, outcomes: list[dict[str, Any]], running: bool = False):
        """The result table of this study from ``outcomes`` (those of other studies are ignored); with a
        rate grid, each setting's row is its best rate's. ``running``: the study has not ended yet."""
        from .results import summarize
        ids = {t.index for t in self.tasks}
        mine = [o for o in outcomes_of(outcomes) if o.index in ids]
        notes = list(self.notes)
        if self.grid:
            mine, picked = pick_rates(self, mine)
            notes.append(picked)
        result = summarize(self.study, [k.name for k in self.spec.knobs], self.spec.settings(), mine,
                           samples=self.samples, same_data=self.same_data, comparison=self.comparison, notes=notes,
                           running=running)
        if self.baseline:
            from .versus import versus_baseline, versus_lines
            result.baseline = dict(self.baseline)
            result.versus = versus_baseline(result.rows, self.baseline)
            name = ", ".join(str(v) for v in self.baseline.values())
            base = next((r for r in result.rows if r.setting == self.baseline), None)
            result.notes.extend(versus_lines(result.versus, name, base.mean.get(result.score) if base else None))
        return result


def pick_rates(plan: Plan, outcomes: list[TrialOutcome]) -> tuple[list[TrialOutcome], str]:
    """Each setting's outcomes at its best rate of the grid (lowest mean score), the rate moved out of
    the setting into the outcome; and a note of every setting's score at each rate."""
    from .results import summarize
    knobs = [k.name for k in plan.spec.knobs]
    settings = [{**s, "lr": lr} for s in plan.spec.settings() for lr in plan.grid]
    full = summarize(plan.study, [*knobs, "lr"], settings, outcomes)
    best: dict[str, tuple[float, float]] = {}
    lines = []
    for r in full.rows:
        base = _key({k: v for k, v in r.setting.items() if k != "lr"})
        if r.scores:
            m = sum(r.scores) / len(r.scores)
            if base not in best or m < best[base][0]:
                best[base] = (m, r.setting["lr"])
    for s in plan.spec.settings():
        tried = [r for r in full.rows if {k: v for k, v in r.setting.items() if k != "lr"} == s and r.scores]
        text = ", ".join(f"{r.setting['lr']:g}: {sum(r.scores) / len(r.scores):.3g}" for r in tried) or "none finished"
        lines.append(f"{_label(s)} ({text})")
    picked = [o.replace(setting={k: v for k, v in o.setting.items() if k != "lr"}, lr=o.setting["lr"], lr_source="grid")
              for o in outcomes
              if best.get(_key({k: v for k, v in o.setting.items() if k != "lr"}), (0, None))[1] == o.setting["lr"]]
    from .results import LABELS
    return picked, f"{LABELS[full.score]} at each rate tried: " + "; ".join(lines)


def _label(setting: dict[str, Any]) -> str:
    from .words import setting_label
    return setting_label(setting)


def plan_study(project, spec: StudySpec, *, dataset=None, store_dir: str | None = None) -> Plan:
    """Every trial's task, checked: each setting's project must validate and its graph check."""
    from ..data import DataError, load_dataset
    from ..graph import check_graph
    from ..project import Project, ProjectError

    if spec.seeds < 1:
        raise StudyError(f"seeds must be at least 1, received {spec.seeds}")
    if spec.epochs is not None and spec.epochs < 1:
        raise StudyError(f"epochs must be at least 1, received {spec.epochs}")
    study = spec.name or time.strftime("study-%Y%m%d-%H%M%S-", time.gmtime()) + uuid.uuid4().hex[:4]
    merged: dict[Any, list[Any]] = {}
    counts: dict[Any, int] = {}
    if any(k.name == "data_size" for k in spec.knobs):
        spec, counts, merged = _merge_data_sizes(project, spec, dataset)
    grid = list(LR_GRID) if spec.tune_lr == "grid" else []
    run = dataclasses.replace(spec, knobs=[*spec.knobs, knob("lr")], values=[*spec.values, grid]) if grid else spec
    base = project.to_dict()
    base_dir = str(project.base_dir) if project.base_dir else None
    datasets: dict[str, Any] = {}
    tasks: list[TrialTask] = []
    seed0 = project.training.seed
    for setting in run.settings():
        label = ", ".join(f"{k}={_short(v)}" for k, v in setting.items())
        try:
            doc = apply_setting(base, {k: v for k, v in setting.items() if k != "data_size"})
            if spec.epochs is not None and "epochs" not in setting:
                doc["training"]["epochs"] = spec.epochs
            p = Project.from_dict(doc, base_dir)
        except KnobError as e:
            raise StudyError(f"{label}: {e}") from None
        except ProjectError as e:
            raise StudyError(f"{label}: the project is refused at {e.where}: {e.reason}") from None
        key = json.dumps(doc["data"], sort_keys=True)
        if key not in datasets:
            if dataset is not None and key == json.dumps(base["data"], sort_keys=True):
                datasets[key] = dataset
            else:
                try:
                    datasets[key] = load_dataset(p.data, p.base_dir)
                except (DataError, ProjectError) as e:
                    raise StudyError(f"{label}: the data cannot be loaded: {e}") from None
        data = datasets[key]
        check = check_graph(p, data.input_shape, data.targets)
        if not check.ok:
            first = next(pr for pr in check.problems if pr.severity == "error")
            raise StudyError(f"{label}: the model does not check: {first.message}")
        from ..training.pseudo_labels import pseudo_label_problem
        why = pseudo_label_problem(p, data.targets)
        if why:
            raise StudyError(f"{label}: training.pseudo_labels: {why}")
        for s in range(spec.seeds):
            tasks.append(TrialTask(len(tasks), study, setting, seed0 + s, p, base_dir, key, setting.get("data_size"),
                                   1, store_dir, f"{run_name(p)} {label} seed {seed0 + s}", spec.tune_lr == "finder"))
    samples = {_key(st): counts[st["data_size"]] for st in spec.settings() if st.get("data_size") in counts}
    same = {_key(st): merged[st["data_size"]] for st in spec.settings() if merged.get(st.get("data_size"))}
    notes = [f"data_size {', '.join(_short(v) for v in [*gone, kept])} {'both' if len(gone) == 1 else 'all'} keep "
             f"{counts[kept]} training samples: the same data, run once as {_short(kept)}"
             for kept, gone in merged.items() if gone]
    return Plan(study, spec, tasks, dict(datasets), samples, same, spec.comparison(project), notes, grid)


def _key(setting: dict[str, Any]) -> str:
    return json.dumps(setting, sort_keys=True)


def _merge_data_sizes(project, spec: StudySpec, dataset):
    """Data sizes that keep the same number of training samples are the same data: keep the largest of
    them (the preset's 0.1 rather than the 0.097 its floor gave) and name the others beside it."""
    from ..data import DataError, load_dataset
    from .trial import training_samples
    if dataset is None:
        try:
            dataset = load_dataset(project.data, project.base_dir)
        except DataError as e:
            raise StudyError(f"data_size: the data cannot be loaded: {e}") from None
    i = next(i for i, k in enumerate(spec.knobs) if k.name == "data_size")
    by_count: dict[int, list[Any]] = {}
    for v in spec.values[i]:
        by_count.setdefault(training_samples(dataset, v), []).append(v)
    counts = {max(vals): n for n, vals in by_count.items()}
    merged = {max(vals): [v for v in vals if v != max(vals)] for vals in by_count.values()}
    kept = list(counts)
    values = [list(v) for v in spec.values]
    values[i] = [v for v in spec.values[i] if v in kept]
    return dataclasses.replace(spec, values=values), counts, merged


def _short(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)
