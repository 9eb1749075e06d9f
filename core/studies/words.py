"""A study's results in plain words: setting labels, the verdict against the best, one sentence."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .scores import LABELS
from .stats import TEST

if TYPE_CHECKING:  # the results module formats its JSON with these words: no import at run time
    from .results import Row, StudyResult


def _v(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def setting_label(setting: dict[str, Any]) -> str:
    """``ReLU`` for a named choice, ``lr=0.01`` for a number, both parts for two knobs (``lr=0.01, ReLU``)."""
    return ", ".join(v if isinstance(v, str) else f"{k}={_v(v)}" for k, v in setting.items())


def row_label(row: Row) -> str:
    """The setting with what it meant: ``data_size=0.1 (13 samples)``, ``SGD (lr 0.03-0.06)``."""
    text = setting_label(row.setting)
    if row.train_samples is not None and "data_size" in row.setting:
        text += f" ({row.train_samples} samples)"
    if row.lrs:
        lo, hi = min(row.lrs), max(row.lrs)
        text += f" (lr {lo:.2g})" if f"{lo:.2g}" == f"{hi:.2g}" else f" (lr {lo:.2g}-{hi:.2g})"
    return text


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def ms(m: float | None, s: float | None, n: int, digits: int = 3) -> str:
    """``0.21 ± 0.02``; a single seed has no spread to show: ``0.21 (n=1)``."""
    if m is None:
        return "-"
    return f"{m:.{digits}g} ± {s:.2g}" if n > 1 and s is not None else f"{m:.{digits}g} (n={n})"


def difference_text(row: Row) -> str:
    """``+0.14 (0.08 to 0.20)``: the difference from the best and its 95% interval."""
    if row.is_best or row.difference_vs_best is None:
        return "-" if not row.is_best else "0"
    d = f"{row.difference_vs_best:+.2g}"
    return d if row.ci95 is None else f"{d} ({row.ci95[0]:.2g} to {row.ci95[1]:.2g})"


def verdict(row: Row, short: bool = False) -> str:
    """"best", "worse than the best (p = 0.004)", "not distinguishable from the best (p = 0.09)" with the
    adjusted p-value, or why there is no test; ``short``: without "than/from the best" (a table column
    headed "vs the best")."""
    if row.is_best:
        return "best"
    if not row.scores:
        return not_run(row) or "did not finish"
    if row.p_value_adjusted is None:
        return "too few seeds to tell" if short else "too few seeds to tell (2 per setting needed)"
    words = "worse" if row.differs else "not distinguishable"
    return f"{words}{'' if short else (' than the best' if row.differs else ' from the best')} ({p_text(row.p_value_adjusted)})"


def not_run(row: Row) -> str:
    """"waiting" for a setting the running study has yet to start, "not run" for one a finished (or
    cancelled) study never ran; "" when some trial of it reported."""
    if row.pending:
        return "waiting"
    return "" if row.n or row.failed or row.cancelled or row.scores else "not run"


def verdict_tooltip(row: Row, result: StudyResult) -> str:
    """The test behind the verdict, named in full (the table's tooltip)."""
    if row.is_best:
        return f"the lowest {LABELS[result.score]} of this study (mean over {row.n} seed(s))"
    if row.pending:
        return "its trials have not run yet: the study runs the settings in turn"
    if row.p_value_vs_best is None:
        return "needs at least two finished seeds here and for the best"
    return (f"{TEST} of this setting's {LABELS[result.score]} against the best's: p = {row.p_value_vs_best:.3g} "
            f"before correction, {row.p_value_adjusted:.3g} after {result.correction}. A difference counts when the "
            "adjusted p is below 0.05.")


def dip_text(row: Row) -> str:
    """Why an early-dip setting's lowest value is not one to keep."""
    epoch, low, end = row.mean.get("best_epoch"), row.mean.get("best_val_loss"), row.mean.get("end_val_loss")
    where = f" (epoch {epoch:.2g} on average)" if epoch is not None else ""
    times = f" and ended {end / low:.2g}x above it" if end and low and low > 0 else " and then got worse"
    return (f"{setting_label(row.setting)}: {row.early_dip} of {row.n} runs had their lowest validation loss in the "
            f"first epochs{where}{times}: an early dip, not a setting to keep")


def notes_text(row: Row) -> str:
    """Short flags for the table: early dip, overfitting, divergence, failures."""
    total = row.n + row.failed + row.cancelled
    parts = [f"early dip {row.early_dip}/{row.n}" if row.early_dip else "",
             f"overfit {row.overfit}/{row.n}" if row.overfit else "",
             f"diverged {row.diverged}/{row.n}" if row.diverged else "",
             f"failed {row.failed}/{total}" if row.failed else "",
             f"cancelled {row.cancelled}/{total}" if row.cancelled else "",
             f"same data as {', '.join(_v(v) for v in row.same_data_as)}" if row.same_data_as else ""]
    return ", ".join(p for p in parts if p)


def sentence(result: StudyResult) -> str:
    """What the study found, e.g. "ReLU reached the lowest validation loss at the end, 0.21 ± 0.02; Sigmoid
    0.35 ± 0.04, worse than the best by +0.14 (95% CI 0.08 to 0.20, p = 0.004 adjusted)"."""
    best = result.best
    if best is None:
        return "no trial finished, so there is nothing to compare"
    score = result.score
    parts = [f"{row_label(best)} reached the lowest {LABELS[score]}, {ms(best.mean[score], best.sd[score], best.n)}"]
    for r in result.rows:
        if r is best:
            continue
        if not r.scores and not_run(r):
            parts.append(f"{row_label(r)} {'is waiting to run' if r.pending else 'was not run'}")
            continue
        if not r.scores:
            why = ", ".join(x for x in (f"{r.failed} failed" if r.failed else "",
                                         f"{r.cancelled} cancelled" if r.cancelled else "") if x)
            parts.append(f"{row_label(r)} did not finish" + (f" ({why})" if why else ""))
            continue
        text = f"{row_label(r)} {ms(r.mean[score], r.sd[score], r.n)}, {verdict(r)}"
        if r.ci95 is not None:
            text += f", {r.difference_vs_best:+.3g} (95% CI {r.ci95[0]:.2g} to {r.ci95[1]:.2g})"
        parts.append(text)
    out = "; ".join(parts) + "."
    dips = [dip_text(r) for r in result.rows if r.dip_flagged]
    if dips:
        out += " Early dip: " + "; ".join(dips) + "."
    return out


__all__ = ["dip_text", "difference_text", "ms", "not_run", "notes_text", "p_text", "row_label", "sentence",
           "setting_label", "verdict", "verdict_tooltip"]
