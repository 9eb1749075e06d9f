"""A study's table as text, CSV, Markdown or JSON (one table for the terminal and the window)."""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from .results import FIELDS, LABELS, StudyResult, metric_words
from .scores import LAST_K
from .words import difference_text, notes_text, p_text, row_label, sentence, verdict

#: the table's columns; the window adds tooltips by these names
COLUMNS = ("setting", "seeds", "score", "difference", "p", "verdict", "lowest", "metric", "train", "notes", "seconds")


def _pm(row, f: str, digits: int = 3) -> str:
    m, s = row.mean.get(f), row.sd.get(f)
    if m is None:
        return "-"
    return f"{m:.{digits}g} ± {s:.2g}" if s is not None and row.n > 1 else f"{m:.{digits}g}"   # one seed: no sd


def _lowest(row) -> str:
    """The lowest validation loss and its epoch, means over seeds: information, not the score (no sd)."""
    low, epoch = row.mean.get("best_val_loss"), row.mean.get("best_epoch")
    if low is None:
        return "-"
    return f"{low:.3g}" + ("" if epoch is None else f" (epoch {epoch:.2g})")


def headers(result: StudyResult) -> list[str]:
    metric = next((r.metric_name for r in result.rows if r.metric_name), None)
    return ["setting", "seeds", LABELS[result.score], "difference from the best (95% CI)", "p before correction",
            "vs the best", "lowest validation loss (epoch), mean", metric_words(metric) + " at the end",
            LABELS["final_train_loss"], "notes", LABELS["seconds"]]


def table_rows(result: StudyResult) -> tuple[list[str], list[list[str]]]:
    rows = []
    for r in result.rows:
        raw = "-" if r.p_value_vs_best is None else p_text(r.p_value_vs_best).removeprefix("p = ")
        rows.append([row_label(r), str(r.n), _pm(r, result.score, 4), difference_text(r), raw, verdict(r, short=True), _lowest(r),
                     _pm(r, "metric"), _pm(r, "final_train_loss"), notes_text(r), _pm(r, "seconds")])
    return headers(result), rows


def title(result: StudyResult) -> str:
    """``lr (score: validation loss at the end, lower is better; every setting at lr 0.005)``"""
    what = f"score: {LABELS[result.score]}, mean of each run's last {LAST_K} epochs, lower is better"
    return f"{' x '.join(result.knobs)} ({what}" + (f"; {result.comparison}" if result.comparison else "") + ")"


def as_table(result: StudyResult) -> str:
    head, rows = table_rows(result)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    lines = [f"study {result.study}: {title(result)}", fmt(head), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows),
             f"p values: {result.to_json()['test']}; 'vs the best' uses the p value after {result.correction}."]
    lines += [f"note: {n}" for n in result.notes]
    for r in result.rows:
        for m in r.messages:
            lines.append(f"failed {row_label(r)}: {m}")
    return "\n".join(lines)


def as_markdown(result: StudyResult) -> str:
    head, rows = table_rows(result)
    lines = [f"**{title(result)}**", "", "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    lines += ["", f"p values: {result.to_json()['test']}; 'vs the best' uses the p value after {result.correction}.",
              *(f"Note: {n}" for n in result.notes), "", sentence(result)]
    return "\n".join(lines)


def as_csv(result: StudyResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*result.knobs, "n", "training_samples", *(f"{f}_{s}" for f in FIELDS for s in ("mean", "sd")),
                "difference_vs_best", "ci95_low", "ci95_high", "p_value_vs_best", "p_value_adjusted", "verdict",
                "early_dip", "overfit", "diverged", "failed", "best", "score", "lr_used", "runs"])
    for r in result.rows:
        lo, hi = r.ci95 if r.ci95 else (None, None)
        w.writerow([*(r.setting[k] for k in result.knobs), r.n, _num(r.train_samples),
                    *(_num(d.get(f)) for f in FIELDS for d in (r.mean, r.sd)), _num(r.difference_vs_best), _num(lo),
                    _num(hi), _num(r.p_value_vs_best), _num(r.p_value_adjusted), verdict(r), r.early_dip, r.overfit,
                    r.diverged, r.failed, int(r.is_best), result.score, " ".join(f"{v:g}" for v in r.lrs),
                    " ".join(x for x in r.runs if x)])
    return buf.getvalue()


def _num(v: Any) -> Any:
    return "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def as_json(result: StudyResult) -> str:
    return json.dumps(result.to_json(), allow_nan=False, default=str)


FORMATS = {"table": as_table, "csv": as_csv, "md": as_markdown, "json": as_json}
