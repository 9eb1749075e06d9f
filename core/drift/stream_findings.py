"""The monitor's two findings over its windows, and their words: ``input_drift`` and ``performance_decline``.

The words follow the windows' table: a decline never says "no drift" while windows list drifted
features, and it names what fell beyond the validation split's noise (the metric, the loss, or both)
and what stayed inside it.
"""
from __future__ import annotations

from core.drift.windows import StreamFinding, Window, first_sustained
from core.drift.stats import DRIFT_SHARE, PSI_MIN

DATING_ALPHA = 0.05  # following a confirmed drift: its features only, corrected for their number


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _rows(w: Window) -> str:
    return f"rows {w.start_row}-{w.end_row}"


def _feature_story(windows: list[Window], start: int) -> dict[str, dict]:
    """Per feature drifted from window ``start`` on: its first window, windows drifted, largest KS and PSI."""
    story: dict[str, dict] = {}
    for w in windows[start:]:
        for name in w.drifted_features:
            st = w.statistics.get(name, {})
            s = story.setdefault(name, {"first_window": w.index, "windows": 0, "statistic": 0.0, "psi": 0.0,
                                        "test": st.get("test", "ks")})
            s["windows"] += 1
            s["statistic"] = max(s["statistic"], st.get("statistic") or 0.0)
            s["psi"] = max(s["psi"], st.get("psi") or 0.0)
    return story


def _relaxed(w: Window, names: list[str]) -> list[str]:
    """Of ``names``, those not yet drifted in ``w`` that drift there at the dating level."""
    return [n for n in names if n not in w.drifted_features and n in w.statistics
            and (w.statistics[n].get("p_value") or 1.0) * len(names) < DATING_ALPHA
            and (w.statistics[n].get("psi") or 0.0) >= PSI_MIN]


def _mark(w: Window, names: list[str]) -> None:
    w.followed_features = list(w.followed_features) + names
    w.drifted_features = list(w.drifted_features) + names
    w.drift_share = len(w.drifted_features) / max(1, len(w.statistics))


def _follow(windows: list[Window], at: int, names: list[str]) -> int:
    """Once a drift of ``names`` is confirmed at window ``at``: mark where those features drift at the dating
    level (``DATING_ALPHA``, corrected for those features only, and PSI >= 0.1) from there on, and go back
    while the window before drifts so too; returns the window the drift starts.

    Detection is strict (corrected for every feature and window), so an unchanged stream raises nothing;
    once a drift is confirmed, where it starts and which of its features move are questions about a few
    features, and the first windows of a ramp are weaker than the rest."""
    for w in windows[at:]:
        _mark(w, _relaxed(w, names))
    while at > 0:
        early = _relaxed(windows[at - 1], names)
        if not early:
            break
        _mark(windows[at - 1], early)
        at -= 1
    return at


def input_drift_finding(windows: list[Window], sustain: int, share: float = DRIFT_SHARE,
                        reliance=None) -> StreamFinding | None:
    """Some feature drifts in ``sustain`` windows in a row: where it starts, which features, their weight."""
    at = first_sustained([bool(w.drifted_features) for w in windows], sustain)
    if at is None:
        return None
    confirmed = sorted({n for w in windows[at:at + sustain] for n in w.drifted_features})
    confirmed_at, at = at, _follow(windows, at, confirmed)
    first = windows[at]
    story = _feature_story(windows, at)
    if reliance is not None:
        names = sorted(story, key=lambda n: (-reliance.shares.get(n, 0.0), story[n]["first_window"]))
    else:
        names = sorted(story, key=lambda n: (story[n]["first_window"], -story[n]["psi"]))
    n_all = len(first.statistics)

    def one(name: str) -> str:
        s = story[name]
        when = f"from window {s['first_window']}, " if s["first_window"] != at else ""
        test = "KS" if s["test"] == "ks" else "chi-square"
        return f"{name} ({when}{test} up to {s['statistic']:.2f}, PSI up to {s['psi']:.2g})"
    shown = ", ".join(one(n) for n in names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    verb = "drifts" if len(names) == 1 else "drift"
    dated = f", confirmed from window {confirmed_at}" if confirmed_at != at else ""
    text = f"{len(names)} of {_plural(n_all, 'feature')} {verb} from {_rows(first)} (window {at}{dated}) on: {shown}"
    carried = None
    if reliance is not None:
        carried = reliance.share_of(names)
        pronoun = "it carries" if len(names) == 1 else "together they carry"
        text += f"; {pronoun} {carried:.0%} of the model's reliance"
    whole = first_sustained([w.drift_share >= share for w in windows], sustain)
    top = max(w.drift_share for w in windows[at:])
    if whole is not None:
        text += (f"; the data set as a whole drifts from window {whole} ({top:.0%} of its features at most, "
                 f"{share:.0%} is the line)")
    else:
        text += (f"; the data set as a whole stays under the {share:.0%} line ({top:.0%} of its features at most): "
                 "the drift is confined to these features")
    evidence = {"windows_drifted": sum(1 for w in windows[at:] if w.drifted_features),
                "confirmed_from": confirmed_at,
                "drift_share_max": top, "dataset_drifted_from": whole,
                **{f"{n}_psi": story[n]["psi"] for n in names[:5]},
                **{f"{n}_statistic": story[n]["statistic"] for n in names[:5]}}
    if carried is not None:
        evidence["reliance_share"] = carried
        evidence.update({f"{n}_reliance": reliance.shares.get(n, 0.0) for n in names[:5]})
    return StreamFinding("input_drift", at, first.start_row, names, text, evidence)


def _beyond(w: Window, band: dict, metric_name: str, higher_is_better: bool) -> tuple[bool, bool]:
    """(loss beyond the validation noise, metric beyond it) for one window."""
    if w.loss is None:
        return False, False
    _m, m_lo, m_hi = band[metric_name]
    metric_bad = w.metric is not None and ((w.metric < m_lo) if higher_is_better else (w.metric > m_hi))
    return w.loss > band["loss"][2], bool(metric_bad)


def _what_fell(w: Window, band: dict, metric_name: str, higher_is_better: bool) -> tuple[list[str], str]:
    loss_bad, metric_bad = _beyond(w, band, metric_name, higher_is_better)
    base, lo, hi = band[metric_name]
    metric_text = (f"{metric_name} {w.metric:.3f} against {base:.3f} on validation "
                   f"(its noise for {w.n} rows {'goes down to' if higher_is_better else 'goes up to'} "
                   f"{lo if higher_is_better else hi:.3f})")
    loss_text = f"loss {w.loss:.3f} against {band['loss'][0]:.3f} on validation (noise up to {band['loss'][2]:.3f})"
    fell = [name for name, bad in ((metric_name, metric_bad), ("loss", loss_bad)) if bad]
    if metric_bad and loss_bad:
        return fell, f"{metric_text}, and {loss_text}"
    if metric_bad:
        return fell, (f"{metric_text}; the loss ({w.loss:.3f}) stays within validation noise "
                      f"(up to {band['loss'][2]:.3f})")
    return fell, f"{loss_text}; {metric_name} {w.metric:.3f} stays within validation noise"


def _lead_words(windows: list[Window], at: int, drift: StreamFinding | None,
                sustain: int) -> tuple[str, int | None]:
    """What the inputs did before the decline at window ``at``, in words that agree with the windows' table."""
    if drift is not None:
        lead = at - drift.start_window
        names = ", ".join(drift.features[:4]) + (", ..." if len(drift.features) > 4 else "")
        if lead > 0:
            return (f"; the input drift ({names}) was visible from window {drift.start_window}, "
                    f"{_plural(lead, 'window')} earlier"), lead
        if lead == 0:
            return f"; it starts with the input drift ({names}) in window {at}", 0
        return (f"; it comes {_plural(-lead, 'window')} before the input drift ({names}) holds "
                f"from window {drift.start_window}"), lead
    before = [w for w in windows[:at + 1] if w.drifted_features]
    if before:
        first = before[0]
        listed = ", ".join(sorted({n for w in before for n in w.drifted_features})[:4])
        lead = at - first.index
        where = ", ".join(str(w.index) for w in before[:5])
        return (f"; window{'s' if len(before) != 1 else ''} {where} listed drifted features ({listed}), though not "
                f"{sustain} windows in a row: the first {_plural(lead, 'window')} before the decline"), lead
    later = next((w for w in windows[at + 1:] if w.drifted_features), None)
    if later is not None:
        return (f"; the inputs showed no drifted feature until window {later.index}, after it began: look at the "
                "labels or at what the target means now (concept drift)"), None
    return ("; no window's inputs drifted: look at the labels or at what the target means now (concept drift)",
            None)


def decline_finding(windows: list[Window], band: dict, metric_name: str, higher_is_better: bool, sustain: int,
                    drift: StreamFinding | None) -> StreamFinding | None:
    """The loss or metric beyond the validation split's noise ``sustain`` windows in a row."""
    bad = [any(_beyond(w, band, metric_name, higher_is_better)) for w in windows]
    at = first_sustained(bad, sustain)
    if at is None:
        return None
    w = windows[at]
    fell, numbers = _what_fell(w, band, metric_name, higher_is_better)
    lead_text, lead = _lead_words(windows, at, drift, sustain)
    return StreamFinding(
        "performance_decline", at, w.start_row, list(w.drifted_features),
        f"performance falls from window {at} ({_rows(w)}): {numbers}{lead_text}",
        {"fell": fell, "loss": w.loss, "validation_loss": band["loss"][0], "validation_loss_high": band["loss"][2],
         metric_name: w.metric, f"validation_{metric_name}": band[metric_name][0],
         f"validation_{metric_name}_{'low' if higher_is_better else 'high'}":
             band[metric_name][1 if higher_is_better else 2],
         "lead_windows": lead})  # None when no window drifted before it (null in JSON, not NaN)
