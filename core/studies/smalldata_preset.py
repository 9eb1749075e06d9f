"""The "small-data" preset: one study of scratch against each helper that can apply to this project
(augmentation, transfer, pseudo-labels), every helper compared with scratch over the seeds (Welch's
difference and interval, Holm over the helpers, Hedges' g: :mod:`core.studies.versus`).

A helper that cannot apply is skipped with its reason: transfer needs a node with ``init``; pseudo-labels
need a class target and rows without a label (unlabelled CSV rows, or ``training.pseudo_labels`` with a
``label_fraction`` below 1 hiding some); augmentation applies to any data (the project's own, else small
shifts and turns for images, noise 0.1 and mixup 0.2 for tables).
"""
from __future__ import annotations

from .smalldata_knobs import default_augment

TITLE = "small data: each helper against scratch"


def _pseudo_problem(project, dataset) -> str:
    first = dataset.targets[dataset.default_target]
    if not first.is_classification:
        return "pseudo-labels: the target is not a class (a regression prediction has no confidence to threshold)"
    if len(dataset.targets) > 1:
        return "pseudo-labels: the project has several targets (pseudo-labels label one class target)"
    pl = project.training.pseudo_labels
    hidden = pl is not None and pl.label_fraction < 1.0
    if not getattr(dataset, "n_unlabeled", 0) and not hidden:
        return ("pseudo-labels: every training row has a label, so there is nothing to pseudo-label (leave target "
                "cells empty in the CSV, or set training.pseudo_labels.label_fraction below 1 to try it)")
    return ""


def small_data_plan(project, dataset) -> tuple[list, list[tuple[str, str]]]:
    """``(helpers, skipped)``: the helper values to compare with scratch, and ``(helper, why)`` for each
    that cannot apply to this project."""
    helpers, skipped = ["scratch", "augmentation"], []
    if not any(n.init for n in project.model.nodes):
        skipped.append(("transfer", "no node takes its starting weights from an earlier network (set init on a "
                                    "layer: the inspector's Transfer section)"))
    else:
        helpers.append("transfer")
    why = _pseudo_problem(project, dataset)
    if why:
        skipped.append(("pseudo-labels", why.partition(": ")[2]))
    else:
        helpers.append("pseudo-labels")
    return helpers, skipped


def describe_augmentation(project) -> str:
    """What the augmentation setting applies, in words (the project's own, or the default for its data)."""
    aug = default_augment(project)
    whose = "the project's" if project.data.augment else "a default for this data"
    return f"augmentation = {whose}: " + ", ".join(f"{k} {v}" for k, v in aug.items())
