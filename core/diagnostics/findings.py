"""What a diagnostic rule reports, and the facts a rule may need.

A :class:`Finding` is a frozen value: the kind of problem, how bad it is, one
line with numbers, what to try, and the evidence numbers the decision was made
on. It crosses threads and lands in the run store as a plain dict
(:meth:`Finding.to_dict`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

__all__ = ["Finding", "DiagnosticContext", "SEVERITIES", "sort_findings"]


def _json_number(value: Any) -> float | int | None:
    """A JSON-safe number: NaN/inf become None (strict JSON has neither)."""
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _plain_number(value: Any) -> float | int:
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class Finding:
    """One thing LossLab noticed in a run, with its range and evidence.

    ``message`` is one line with numbers; ``suggestion`` says what to try;
    ``evidence`` holds the numbers the rule decided on (floats; epochs and
    steps are whole numbers). Epochs and steps are 1-based.
    """

    kind: str
    severity: str
    message: str
    suggestion: str
    evidence: dict[str, float] = field(default_factory=dict, hash=False)
    start_epoch: int | None = None
    end_epoch: int | None = None
    start_step: int | None = None
    end_step: int | None = None
    node: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITY_RANK:
            raise ValueError(
                f"severity must be one of {', '.join(SEVERITIES)}, received severity={self.severity!r}"
            )
        # One line each, whatever a node id or a caller put in.
        for name in ("message", "suggestion"):
            text = getattr(self, name)
            if "\n" in text or "\r" in text:
                object.__setattr__(self, name, " ".join(text.split()))
        # Plain Python numbers only: numpy scalars must not leak into payloads and the run store.
        plain = {str(k): _plain_number(v) for k, v in self.evidence.items()}
        object.__setattr__(self, "evidence", plain)

    def to_dict(self) -> dict:
        """A JSON-ready dict; non-finite evidence numbers become ``None``. A finding at a node also
        names it in its evidence (``"node": NODE_ID``), so the evidence alone says where."""
        evidence: dict[str, Any] = {str(k): _json_number(v) for k, v in self.evidence.items()}
        if self.node is not None:
            evidence["node"] = self.node
        return {
            "kind": self.kind,
            "severity": self.severity,
            "start_epoch": _opt_int(self.start_epoch),
            "end_epoch": _opt_int(self.end_epoch),
            "start_step": _opt_int(self.start_step),
            "end_step": _opt_int(self.end_step),
            "message": self.message,
            "evidence": evidence,
            "suggestion": self.suggestion,
            "node": self.node,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """Inverse of :meth:`to_dict` (``None`` evidence comes back as NaN)."""
        evidence = {
            str(k): (math.nan if v is None else v) for k, v in (data.get("evidence") or {}).items()
            if not isinstance(v, str)  # the node's name (see to_dict): the evidence numbers are numbers
        }
        return cls(
            kind=str(data["kind"]),
            severity=str(data["severity"]),
            message=str(data.get("message", "")),
            suggestion=str(data.get("suggestion", "")),
            evidence=evidence,
            start_epoch=_opt_int(data.get("start_epoch")),
            end_epoch=_opt_int(data.get("end_epoch")),
            start_step=_opt_int(data.get("start_step")),
            end_step=_opt_int(data.get("end_step")),
            node=data.get("node"),
        )


@dataclass
class DiagnosticContext:
    """Facts about the run that some rules need; every field is optional.

    ``baseline_loss`` is the loss of a trivial predictor (the class shares or
    mean) on the validation set; ``majority_rate`` the share of the majority
    class there (0..1); ``dead_unit_share`` maps a ReLU node id to the share of
    its units that output zero for the whole validation set; ``val_samples``
    the validation set's size (one sample's worth of accuracy is noise).
    """

    task: str = "classification"
    baseline_loss: float | None = None
    majority_rate: float | None = None
    lr: float | None = None
    optimizer: str | None = None
    dead_unit_share: dict[str, float] | None = None
    val_samples: int | None = None


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; earlier ranges first."""

    def key(f: Finding) -> tuple:
        start = f.start_epoch if f.start_epoch is not None else 1 << 30
        return (_SEVERITY_RANK[f.severity], start, f.kind, f.node or "")

    return sorted(findings, key=key)
