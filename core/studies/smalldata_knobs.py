"""Study knobs for small data (kept apart from :mod:`core.studies.knobs`, which registers them).

``transfer=on,off``: ``off`` trains from scratch (every node's ``init``, ``frozen`` and ``lr_multiplier``
removed), ``on`` keeps the project's transfer settings. ``augment=off,on,{"shift":1}``: ``off`` removes
``data.augment``, ``on`` keeps the project's, a JSON object sets it. Single settings are reached by JSON
path as every project field is: ``model.nodes[3].frozen=true,false``, ``data.augment.rotate=5,10``,
``model.nodes[8].lr_multiplier=1,10``, ``data.per_class=10,20,50``.

``helper=scratch,augmentation,transfer,pseudo-labels`` (the small-data preset's knob): ``scratch`` trains
with no helper at all (no transfer, no augmentation, pseudo-labelling at 0 rounds, which still hides the
labels that ``label_fraction`` hides, so every setting learns from the same labelled rows); each other
value is scratch plus that one helper, as the project sets it, else at a default (:data:`DEFAULT_AUGMENT`,
:data:`DEFAULT_PSEUDO_LABELS`).
"""
from __future__ import annotations

import json
from typing import Any

from ..catalog.params import ParamError


def _knob_error(msg: str) -> ValueError:
    return ValueError(msg)   # core.studies.knobs turns it into a KnobError


def _parse_switch(name: str):
    def parse(v: Any) -> str:
        text = str(v).strip().lower() if not isinstance(v, bool) else ("on" if v else "off")
        if text not in ("on", "off"):
            raise _knob_error(f"{name}={v!r}: expected on or off")
        return text
    return parse


def _apply_transfer(project, value: str) -> None:
    """``off``: every node trains from fresh weights, unfrozen, at the optimizer's own rate."""
    if value == "off":
        for n in project.model.nodes:
            n.init, n.frozen, n.lr_multiplier = None, False, 1.0


def _parse_augment(v: Any) -> Any:
    if isinstance(v, dict):
        obj = v
    else:
        text = str(v).strip()
        if text.lower() in ("on", "off"):
            return text.lower()
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            raise _knob_error(f"augment={v!r}: expected on, off or a JSON object such as {{\"shift\": 1}}") from None
    from ..data.augment import parse_augment
    try:
        return parse_augment(obj, "augment")
    except ParamError as e:
        raise _knob_error(f"{e.where}: {e.reason}") from None


def _apply_augment(project, value: Any) -> None:
    """``off`` removes the augmentation, ``on`` keeps the project's, an object replaces it."""
    if value == "off":
        project.data.augment = {}
    elif isinstance(value, dict):
        project.data.augment = dict(value)


def smalldata_knobs() -> list[dict]:
    """The knobs' fields (``core.studies.knobs.Knob`` keywords)."""
    return [dict(name="transfer", label="transfer from an earlier network", kind="choice", defaults=("off", "on"),
                 parse=_parse_switch("transfer"), apply=_apply_transfer, options=lambda: ["off", "on"]),
            dict(name="augment", label="augmentation of training batches", kind="json", defaults=("off", "on"),
                 parse=_parse_augment, apply=_apply_augment),
            dict(name="helper", label="small-data helper (each against scratch)", kind="choice", defaults=HELPERS,
                 parse=_parse_helper, apply=_apply_helper, options=lambda: list(HELPERS))]


HELPERS = ("scratch", "augmentation", "transfer", "pseudo-labels")
#: augmentation when the project sets none: small shifts and turns for images, noise and mixup otherwise
DEFAULT_AUGMENT = {"image": {"shift": 1, "rotate": 10.0}, "table": {"noise": 0.1, "mixup": 0.2}}
DEFAULT_PSEUDO_LABELS = {"threshold": 0.95, "rounds": 3}


def is_image_source(project) -> bool:
    """The project's data are images (the images folder source or a built-in image set)."""
    from ..data import DATASETS
    from ..data.registry import CATEGORY_IMAGES, FOLDER_SOURCES
    source = project.data.source
    return source in FOLDER_SOURCES or (source in DATASETS and DATASETS[source].category == CATEGORY_IMAGES)


def default_augment(project) -> dict[str, Any]:
    """The project's own ``data.augment``, else :data:`DEFAULT_AUGMENT` for its kind of data (noise and mixup
    apply to any input, so a file of images of unknown kind still gets a valid one)."""
    if project.data.augment:
        return dict(project.data.augment)
    return dict(DEFAULT_AUGMENT["image" if is_image_source(project) else "table"])


def _apply_helper(project, value: str) -> None:
    """Scratch plus the one helper ``value`` (see the module docstring)."""
    from ..project_specs import PseudoLabels
    if value == "transfer" and not any(n.init for n in project.model.nodes):
        raise ValueError("helper=transfer: no node takes its starting weights from an earlier network (set init "
                        "on a layer), so it would train exactly as scratch")
    augment = default_augment(project) if value == "augmentation" else {}
    pseudo = project.training.pseudo_labels
    if value != "transfer":
        _apply_transfer(project, "off")
    project.data.augment = augment
    if value == "pseudo-labels":
        if pseudo is None or pseudo.rounds == 0:
            base = pseudo or PseudoLabels()
            pseudo = PseudoLabels(DEFAULT_PSEUDO_LABELS["threshold"] if pseudo is None else base.threshold,
                                  DEFAULT_PSEUDO_LABELS["rounds"], base.label_fraction)
        project.training.pseudo_labels = pseudo
    elif pseudo is not None:
        project.training.pseudo_labels = PseudoLabels(pseudo.threshold, 0, pseudo.label_fraction)


def _parse_helper(v: Any) -> str:
    text = str(v).strip().lower().replace("_", "-")
    text = {"augment": "augmentation", "pseudo-label": "pseudo-labels", "pseudo-labelling": "pseudo-labels"}.get(text, text)
    if text not in HELPERS:
        raise _knob_error(f"helper={v!r}: expected one of {', '.join(HELPERS)}")
    return text
