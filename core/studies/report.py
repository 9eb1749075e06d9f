"""A study's table as text, CSV, Markdown or JSON."""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from .results import LABELS, StudyResult, setting_label


def _pm(row, f: str, digits: int = 4) -> str:
    m, s = row.mean.get(f), row.sd.get(f)
    if m is None:
        return "-"
    return f"{m:.{digits}g} ± {s:.2g}" if s is not None and row.n > 1 else f"{m:.{digits}g}"   # one seed: no sd


def _verdict(row) -> str:
    if row.is_best:
        return "best"
    if row.p_value_vs_best is None:
        return "-" if not row.scores else "n<2"
    p = row.p_value_vs_best
    return ("worse" if row.differs else "same") + (f" (p={p:.3f})" if p >= 0.001 else " (p<0.001)")


def table_rows(result: StudyResult) -> tuple[list[str], list[list[str]]]:
    metric = next((r.metric_name for r in result.rows if r.metric_name), None) or "metric"
    head = ["setting", "n", LABELS["final_train_loss"], LABELS["best_val_loss"], LABELS["best_epoch"],
            LABELS["gap"], metric, "overfit", "diverged", "failed", LABELS["seconds"], "vs best (Welch)"]
    rows = []
    for r in result.rows:
        total = r.n + r.failed + r.cancelled
        rows.append([setting_label(r.setting), str(r.n), _pm(r, "final_train_loss"), _pm(r, "best_val_loss"),
                     _pm(r, "best_epoch", 3), _pm(r, "gap", 3), _pm(r, "metric", 3), f"{r.overfit}/{r.n}",
                     f"{r.diverged}/{r.n}", f"{r.failed}/{total}", _pm(r, "seconds", 3), _verdict(r)])
    return head, rows


def as_table(result: StudyResult) -> str:
    head, rows = table_rows(result)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    lines = [f"study {result.study}: {' x '.join(result.knobs)} (score: {LABELS[result.score]}, lower is better)",
             fmt(head), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]
    for r in result.rows:
        for m in r.messages:
            lines.append(f"failed {setting_label(r.setting)}: {m}")
    return "\n".join(lines)


def as_markdown(result: StudyResult) -> str:
    head, rows = table_rows(result)
    lines = [f"**{' x '.join(result.knobs)}** (score: {LABELS[result.score]}; {result.to_json()['test']})", "",
             "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    from .results import sentence
    lines += ["", sentence(result)]
    return "\n".join(lines)


def as_csv(result: StudyResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    fields = ("final_train_loss", "best_val_loss", "best_epoch", "gap", "metric", "seconds")
    w.writerow([*result.knobs, "n", *(f"{f}_{s}" for f in fields for s in ("mean", "sd")), "overfit", "diverged",
                "failed", "p_value_vs_best", "best", "runs"])
    for r in result.rows:
        w.writerow([*(r.setting[k] for k in result.knobs), r.n,
                    *(_num(d.get(f)) for f in fields for d in (r.mean, r.sd)), r.overfit, r.diverged, r.failed,
                    _num(r.p_value_vs_best), int(r.is_best), " ".join(x for x in r.runs if x)])
    return buf.getvalue()


def _num(v: Any) -> Any:
    return "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def as_json(result: StudyResult) -> str:
    return json.dumps(result.to_json(), allow_nan=False, default=str)


FORMATS = {"table": as_table, "csv": as_csv, "md": as_markdown, "json": as_json}
