"""A run's metric history as CSV (one row per epoch) or JSON (a list of epoch objects)."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Iterable

from .errors import ExportError


def history_rows(history: Iterable[Any]) -> list[dict[str, Any]]:
    """Flat dicts, one per epoch; per-head metrics become ``head/metric`` columns."""
    rows = []
    for rec in history:
        d = dict(rec.to_dict() if hasattr(rec, "to_dict") else rec)
        d.pop("health", None)  # the per-node health probe: its own series (losslab train --health-csv)
        for head, metrics in (d.pop("heads", None) or {}).items():
            d.update({f"{head}/{k}": v for k, v in metrics.items()})
        rows.append(d)
    return rows


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def export_history(history: Iterable[Any] | None, path: str | Path, fmt: str) -> Path:
    """Write ``history`` (EpochRecords or their dicts) as ``csv`` or ``json``."""
    from ..project import write_atomic
    rows = history_rows(history or [])
    if not rows:
        raise ExportError(f"the {fmt} format writes a run's loss history, and there is none: train the project "
                          "first (in the window), or pass --run RUN")
    path = Path(path)
    if fmt == "json":
        write_atomic(path, json.dumps([{k: _clean(v) for k, v in r.items()} for r in rows], indent=1) + "\n")
        return path
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, restval="", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if _clean(v) is None else v) for k, v in r.items()})
    write_atomic(path, buf.getvalue())
    return path
