"""The output heads a Run of the document's project will have, known before it starts: the views
set up their curves, titles and class labels for a new project or data set from these."""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["PlannedHead", "planned_heads"]


class PlannedHead(NamedTuple):
    name: str                   # as RunInfo.heads will name it (``core.training.setup.head_names``)
    task: str                   # "classification" | "regression"
    classes: tuple[str, ...]    # class names of a classification target, else ()


def planned_heads(project, dataset) -> tuple[PlannedHead, ...]:
    """One :class:`PlannedHead` per output of ``project`` whose target ``dataset`` has; () without data."""
    if project is None or dataset is None or not getattr(dataset, "targets", None):
        return ()
    from core.training.setup import head_names      # torch is loaded already: the data set holds tensors
    targets = dataset.targets
    first = next(iter(targets))
    out = []
    for name, o in zip(head_names(project), project.outputs):
        info = targets.get(o.target or first)
        if info is None:
            continue
        classes: tuple[str, ...] = ()
        if info.task == "classification":        # as snapshots.compute_confusion names them
            n = max(int(info.width), 2)
            classes = tuple(str(c) for c in info.classes) if len(info.classes) == n else \
                tuple(str(i) for i in range(n))
        out.append(PlannedHead(name, info.task, classes))
    return tuple(out)
