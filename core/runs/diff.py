"""What differs between two runs' settings: their project documents flattened to JSON paths."""
from __future__ import annotations

from typing import Any

_MISSING = object()


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """``{"training.optimizer.params.lr": 0.01, "model.nodes[2].type": "ReLU", ...}``."""
    out: dict[str, Any] = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "id" in x for x in doc):
        for x in doc:                                # nodes by id, so an inserted node is one difference
            out.update(flatten({k: v for k, v in x.items() if k != "id"}, f"{prefix}[{x['id']}]"))
            out[f"{prefix}[{x['id']}]"] = "present"
    elif isinstance(doc, list) and doc and all(isinstance(x, list) for x in doc):
        out[prefix] = sorted(" -> ".join(map(str, x)) for x in doc)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = doc
    return out


def settings_diff(a: dict, b: dict, *, seeds: tuple[Any, Any] | None = None) -> list[tuple[str, Any, Any]]:
    """``[(path, value in a, value in b)]`` for every setting that differs (``None``: absent there);
    the view block (``view.*``) and the name are left out, the seeds added when given."""
    fa, fb = flatten(a), flatten(b)
    rows = []
    for key in sorted(set(fa) | set(fb), key=lambda k: (k.split(".")[0], k)):
        if key.startswith(("view", "name", "format", "version")):
            continue
        va, vb = fa.get(key, _MISSING), fb.get(key, _MISSING)
        if va != vb and isinstance(va, list) and isinstance(vb, list) and key.endswith("edges"):
            only_a, only_b = sorted(set(va) - set(vb)), sorted(set(vb) - set(va))
            rows.append((key, "; ".join(only_a) or "-", "; ".join(only_b) or "-"))
        elif va != vb:
            rows.append((key, None if va is _MISSING else va, None if vb is _MISSING else vb))
    if seeds is not None and seeds[0] != seeds[1]:
        rows.insert(0, ("seed", seeds[0], seeds[1]))
    return rows
