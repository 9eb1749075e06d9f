"""Numbers in messages: rounded the way a person would write them."""

from __future__ import annotations

import math


def num(x: float) -> str:
    """Three significant digits, plain notation between 0.001 and 1e6."""
    if x is None or not math.isfinite(x):
        return "NaN" if x is None or math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1e6 or ax < 1e-3:
        mantissa, exponent = f"{x:.2e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    if ax >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def pct(p: float) -> str:
    """A percentage: whole numbers from 10%, one decimal below."""
    if not math.isfinite(p):
        return "∞%" if p > 0 else "NaN%"
    return f"{p:.0f}%" if abs(p) >= 9.95 else f"{p:.1f}%"


def lr(x: float) -> str:
    """A learning rate as people write them: 0.01, 3e-4, 1e-5."""
    if x >= 1e-3:
        return f"{x:.3g}"
    mantissa, exponent = f"{x:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def times(ratio: float) -> str:
    """A factor: 20×, 2.5×, 4.58e6× (a blow-up's ratio has no business showing eight digits)."""
    if ratio >= 1e4:
        return f"{num(ratio)}×"
    return f"{ratio:.0f}×" if ratio >= 9.95 else f"{ratio:.1f}×"


#: a learning rate far below these is likely the whole problem of a stalled run
TYPICAL_LR = {"sgd": 1e-2, "adagrad": 1e-2, "adadelta": 1.0}
DEFAULT_TYPICAL_LR = 1e-3  # the Adam family, RMSprop


def raise_lr_advice(rate: float | None, optimizer: str | None, gentle: str = "3–10×") -> str:
    """How to raise a learning rate: a gentle factor near the usual range, a jump to the optimizer's
    usual rate when the rate is 30× or more below it (1e-6 -> 1e-5 would still stall)."""
    if rate is None:
        return f"raise the learning rate {gentle} (the LR finder suggests one: Train ▸ Find Learning Rate…)"
    typical = TYPICAL_LR.get((optimizer or "").lower(), DEFAULT_TYPICAL_LR)
    if rate * 30 <= typical:
        return (f"raise the learning rate from {lr(rate)} to about {lr(typical)}, the usual rate for "
                f"{optimizer or 'this optimizer'}, or let the LR finder pick one (losslab lr-find, or Train ▸ "
                "Find Learning Rate…)")
    lo, hi = (3, 10) if gentle == "3–10×" else (3, 3)
    target = f"{lr(lo * rate)}–{lr(hi * rate)}" if hi != lo else lr(lo * rate)
    return f"raise the learning rate {gentle} (from {lr(rate)} to {target})"


def fell_to(before: float, after: float) -> str:
    """A fall said with the value it reached: "to 0.0004 (−99.9%)", never "fell 100%" for 0.4 → 0.0004."""
    value = f"{after:.2g}" if 1e-4 <= abs(after) < 1e-3 else num(after)
    if not (math.isfinite(before) and math.isfinite(after)) or before == 0:
        return f"to {value}"
    change = 100.0 * (after - before) / abs(before)
    text = pct(change)
    if abs(change) >= 99.5 and change != -100.0:  # one decimal more until it no longer reads as 100%
        digits = 1
        while digits < 6 and f"{abs(change):.{digits}f}".startswith("100"):
            digits += 1
        text = f"{change:.{digits}f}%"
    sign = "−" if change < 0 else "+"
    return f"to {value} ({sign}{text.lstrip('-')})"
