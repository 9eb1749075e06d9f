"""Study knobs for small data (kept apart from :mod:`core.studies.knobs`, which registers them).

``transfer=on,off``: ``off`` trains from scratch (every node's ``init``, ``frozen`` and ``lr_multiplier``
removed), ``on`` keeps the project's transfer settings. ``augment=off,on,{"shift":1}``: ``off`` removes
``data.augment``, ``on`` keeps the project's, a JSON object sets it. Single settings are reached by JSON
path as every project field is: ``model.nodes[3].frozen=true,false``, ``data.augment.rotate=5,10``,
``model.nodes[8].lr_multiplier=1,10``, ``data.per_class=10,20,50``.
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
                 parse=_parse_augment, apply=_apply_augment)]
