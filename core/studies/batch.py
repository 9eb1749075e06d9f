"""The one study driver: one or more planned studies (the preset is nine) run as one batch of trials.

:func:`build_batch` builds a :class:`StudyBatch` from knobs or a preset; :func:`core.studies.driver.plan`
(what ``losslab sweep`` and the window's Study dialog call) picks it or the learning curve, and
:class:`core.studies.driver.StudyDriver` runs it. Trials of every study share one executor, so a preset
fills every core.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .knobs import KnobError
from .outcome import TrialOutcome
from .preset import preset_studies
from .study import Plan, StudyError, StudySpec, plan_study


@dataclass
class StudyBatch:
    """``plans``: ``[(title, Plan)]`` (the title is empty for a single study); ``skipped``: the preset's
    studies the model cannot take, with the reason. Trial indices run across the whole batch."""
    plans: list[tuple[str, Plan]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    preset: str = ""                     # the preset it was built from ("learning-curve" draws its own chart)

    def __post_init__(self) -> None:
        if not self.plans:
            raise StudyError("no study to run")
        self.study_of: dict[int, int] = {}
        self.tasks = []
        for s, (_, plan) in enumerate(self.plans):
            for t in plan.tasks:
                t.index = len(self.tasks)
                self.study_of[t.index] = s
                self.tasks.append(t)

    def titles(self) -> list[str]:
        return [t or " × ".join(k.name for k in p.spec.knobs) for t, p in self.plans]

    def merged(self) -> Plan:
        """One plan holding every trial (what :func:`run_study` runs)."""
        first = self.plans[0][1]
        return Plan(first.study, first.spec, self.tasks, {k: v for _, p in self.plans for k, v in p.datasets.items()})

    def result(self, s: int, outcomes: list[TrialOutcome], running: bool = False):
        """The table of study ``s`` (``running``: while the batch still runs)."""
        return self.plans[s][1].summarize(outcomes, running)

    def results(self, outcomes: list[TrialOutcome]) -> list[tuple[str, Any]]:
        return [(title, plan.summarize(outcomes)) for title, plan in self.plans]


def build_batch(project, dataset, *, vary: dict[str, list[Any]] | None = None, preset: str | None = None,
                seeds: int = 3, epochs: int | None = None, tune_lr: str = "") -> StudyBatch:
    """The studies to run: ``vary`` (one or two knobs) or a ``preset``, each checked before any trial
    (:class:`StudyError` names the setting). ``tune_lr``: how each setting gets its own learning rate
    ("finder": each trial from a short LR-finder run; "grid": the best of a small grid), for a custom
    study; the preset's fair optimizer study always uses the grid."""
    if preset and vary:
        raise StudyError("give knobs to vary or a preset, not both")
    if not preset and not vary:
        raise StudyError("nothing to vary: give KNOB=V1,V2,... (e.g. lr=0.001,0.01,0.1) or the preset neural-net-loss")
    try:
        if preset:
            chosen = preset_studies(preset, project, dataset)
            studies = [(p.title, p.vary, p.tune_lr, p) for p in chosen if p.vary]
            skipped = [(p.title, p.skipped) for p in chosen if not p.vary]
        else:
            studies, skipped = [("", vary, tune_lr, None)], []
        plans = []
        for title, v, tune, ps in studies:
            plan = plan_study(project, StudySpec.from_vary(v, seeds, epochs, tune_lr=tune), dataset=dataset)
            if ps is not None:           # a preset's baseline (small-data: scratch) and what it applied
                plan.baseline = dict(ps.baseline or {})
                plan.notes.extend(ps.notes)
            plans.append((title, plan))
    except KnobError as e:
        raise StudyError(str(e)) from None
    return StudyBatch(plans, skipped, preset or "")
