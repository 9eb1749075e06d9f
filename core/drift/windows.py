"""The records of a monitored stream: one :class:`Window` of rows, one :class:`StreamFinding`, and the
rule both findings share (a condition held ``sustain`` windows in a row)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


def _num(v) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


@dataclass
class Window:
    index: int
    start_row: int
    end_row: int
    n: int
    loss: float | None
    metric: float | None
    drift_share: float
    drifted_features: list[str]
    confidence: float | None
    statistics: dict[str, dict] = field(default_factory=dict)
    # drifted features found when a confirmed drift is dated back (see stream_findings), also in drifted_features
    followed_features: list[str] = field(default_factory=list)

    def to_dict(self, metric_name: str) -> dict:
        return {"index": self.index, "start_row": self.start_row, "end_row": self.end_row, "n": self.n,
                "loss": _num(self.loss), metric_name: _num(self.metric), "drift_share": self.drift_share,
                "drifted_features": list(self.drifted_features), "followed_features": list(self.followed_features),
                "confidence": _num(self.confidence)}


@dataclass(frozen=True)
class StreamFinding:
    kind: str
    start_window: int
    start_row: int
    features: list[str]
    message: str
    evidence: dict

    def to_dict(self) -> dict:
        return {"kind": self.kind, "start_window": self.start_window, "start_row": self.start_row,
                "features": list(self.features), "message": self.message, "evidence": dict(self.evidence)}


def first_sustained(flags: list[bool], sustain: int) -> int | None:
    """The first window of the first run of ``sustain`` windows in a row whose flag is set, or None."""
    run = 0
    for i, f in enumerate(flags):
        run = run + 1 if f else 0
        if run >= sustain:
            return i - sustain + 1
    return None
