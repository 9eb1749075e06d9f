"""The names of a LossLab network's layers in the exported py script (``Net``'s attributes), and so in
File ▸ Export ▸ state_dict; below the training and export layers so that every weights loader can read
that naming back (see :func:`core.training.source_inputs.layer_weights`).

A node id is whatever a person typed (or a crafted project file holds): it may contain quotes,
newlines or Python keywords. Generated code never pastes it raw: identifiers keep only ``[A-Za-z0-9_]``.
"""
from __future__ import annotations

import keyword
import re

from .catalog import LAYERS

# names the generated script uses itself, and nn.Module attributes a layer must not shadow
RESERVED = frozenset({
    "x", "self", "torch", "nn", "np", "math", "csv", "io", "json", "argparse", "sys", "Path", "F",
    "main", "model", "data", "load_data", "Net", "train", "evaluate", "penalty", "optimizer", "scheduler",
    "super", "print", "range", "len", "list", "dict", "float", "int", "sum", "min", "max", "zip",
})


def _module_attrs() -> frozenset[str]:
    try:
        from torch import nn
    except ImportError:  # pragma: no cover - torch is a dependency
        return frozenset()
    return frozenset(dir(nn.Module))


def identifier(text: str, taken: set[str], *, prefix: str = "layer") -> str:
    """A fresh Python identifier for ``text`` (ASCII letters, digits, underscores) not in ``taken``;
    the result is added to ``taken``."""
    base = re.sub(r"[^0-9A-Za-z_]+", "_", str(text)).strip("_").lower() or prefix
    if base[0].isdigit():
        base = f"{prefix}_{base}"
    if keyword.iskeyword(base) or keyword.issoftkeyword(base) or base in RESERVED or base in _module_attrs() \
            or base.startswith("__"):
        base = f"{base}_{prefix}"
    name, k = base, 2
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    return name


def script_key_map(model) -> dict[str, str]:
    """Each key of a LossLab ``GraphNetwork``'s state dict -> its name in the py export's ``Net`` (what
    :func:`core.export.py_model.state_dict_for_script` writes), computed from the network alone.
    Empty for a module that is no GraphNetwork."""
    order, types = getattr(model, "order", None), getattr(model, "types", None)
    if order is None or types is None:
        return {}
    taken: set[str] = set()
    attrs: dict[str, tuple[str, str | None]] = {}
    for nid in order:   # the same walk, and so the same names, as py_model.model_code's
        entry = LAYERS.get(types[nid])
        if not entry.is_input:
            attrs[nid.replace(".", "_")] = (identifier(nid, taken), entry.wrapper_attr)  # network._key
    out = {}
    for k in model.state_dict():
        _, key, *rest = k.split(".")
        name, wrapper = attrs[key]
        if wrapper and rest and rest[0] == wrapper:
            rest = rest[1:]
        out[k] = ".".join([name, *rest])
    return out
