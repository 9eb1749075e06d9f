"""Safe Python identifiers for node ids and harmless text for comments.

A node id is whatever a person typed (or a crafted project file holds): it may contain quotes,
newlines or Python keywords. Generated code never pastes it raw: identifiers keep only
``[A-Za-z0-9_]`` and comments and strings carry ``repr()`` of the text.
"""
from __future__ import annotations

import keyword
import re

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


def comment_text(text: str, limit: int = 60) -> str:
    """``text`` as a one-line literal safe inside a ``#`` comment (its repr, shortened)."""
    r = repr(str(text))
    return r if len(r) <= limit else r[:limit - 4] + "...'"
