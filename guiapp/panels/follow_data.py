"""After another data set is chosen, the output heads follow it.

A head kept the previous table's target ("output 1 (out) uses target 'species', which the data does
not have") or its width (2 units for a new 3-class target), and Run stayed disabled until the person
found why. Once the new data is in, a head whose target the data lacks goes back to the default
target, and a Linear head whose width no longer fits its target gets the target's width: one undo
step ("Fit the output heads to the new data"), said in the status bar.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from core.catalog import LAYERS
from core.edit_events import EditLog
from core.project import Project


def plan_heads(project: Project, dataset) -> list[tuple[int, str | None, int | None, str]]:
    """``(output index, new target or None, new out_features or None, words)`` for every head that
    no longer fits ``dataset``; empty when every head fits."""
    targets = dataset.targets
    if not targets:
        return []
    default = next(iter(targets))
    plan = []
    for i, o in enumerate(project.outputs):
        words = []
        target = o.target if isinstance(o.target, str) else None
        drop_target = target is not None and target not in targets
        if drop_target:
            words.append(f"target {target} → {default} (the new data has no {target})")
            target = None
        info = targets.get(target or default)
        width = None
        try:
            node = project.model.node(o.node)
        except KeyError:
            continue
        entry = LAYERS.get(node.type) if node.type in LAYERS.names() else None
        # a dense head (a learned map of the whole feature vector) gets the target's width
        units = node.params.get(entry.width_param) if entry is not None and entry.width_param else None
        if entry is not None and entry.traits.linear_map and info is not None and isinstance(units, int) \
                and units != info.width:
            width = info.width
            what = f"{info.width} classes" if info.is_classification else f"{info.width} value" + (
                "" if info.width == 1 else "s")
            words.append(f"{entry.width_param} {units} → {width} ({info.name}: {what})")
        if drop_target or width is not None:
            plan.append((i, None if drop_target else o.target, width, f"{o.node}: " + ", ".join(words)))
    return plan


class HeadsFollowData(QObject):
    """Arm with :meth:`expect_new_data` when the person picks other data; on the next dataset the
    heads are fitted to it. ``headsFollowed(str)``: what changed, in words."""

    headsFollowed = Signal(str)

    def __init__(self, document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self._armed = False
        document.datasetChanged.connect(self._on_document_datasetChanged)
        document.dataErrorChanged.connect(self._on_document_dataErrorChanged)
        document.projectReplaced.connect(self.disarm)

    def expect_new_data(self) -> None:
        self._armed = True

    def disarm(self) -> None:
        self._armed = False

    def _on_document_dataErrorChanged(self, message: str) -> None:
        if message:
            self._armed = False          # the new data did not load: nothing to follow

    def _on_document_datasetChanged(self, dataset) -> None:
        if not self._armed or dataset is None:
            return
        self._armed = False
        plan = plan_heads(self.document.project, dataset)
        if not plan:
            return

        log = EditLog("outputs")

        def change(p: Project) -> None:
            for i, target, width, _words in plan:
                o = p.outputs[i]
                o.target = target
                if width is not None:
                    node = p.model.node(o.node)
                    node.params[LAYERS.get(node.type).width_param] = width
                    log.params_changed(node.id)
        if self.document.edit("Fit the output heads to the new data", change, log):
            self.headsFollowed.emit("The output heads follow the new data: " + "; ".join(w for *_x, w in plan)
                                    + " (Edit ▸ Undo to keep them as they were)")
