"""Per-node health while training: statistics on a fixed probe batch every N steps, and findings
that name the node (see :mod:`core.health.monitor`, :mod:`core.health.rules`)."""
from __future__ import annotations

from .monitor import HealthMonitor, HealthProbe, series_rows, write_series_csv
from .rules import health_findings
from .stats import STATISTICS

__all__ = ["HealthMonitor", "HealthProbe", "STATISTICS", "health_findings", "series_rows", "write_series_csv"]
