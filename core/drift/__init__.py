"""Drift: reference (training) data against new data, and a trained model's performance over time.

- :mod:`.frame`: raw columns to compare; :mod:`.stats`: per-feature KS / chi-square / PSI /
  out-of-range with a Bonferroni correction and a three-level verdict (stable / features drifted /
  data set drifted; scipy supplies the tests);
- :mod:`.reference`: a project's training split as reference, and its recipe for new files;
- :mod:`.scenarios`: covariate shift, gradual ramp, class balance, label noise;
- :mod:`.scoring`: a trained model's loss, metric and confidence (imports torch);
- :mod:`.reliance`: how much a trained model relies on each input (permutation importance on validation);
- :mod:`.monitor`: windows over a time-ordered stream; :mod:`.stream_findings`: its ``input_drift`` /
  ``performance_decline`` findings and their words;
- :mod:`.deployment`: the pieces together for a project (CLI and window).

No Qt here.
"""
from __future__ import annotations

from core.drift.frame import Frame, frame_from_array, frame_from_table
from core.drift.stats import ALPHA, CORRECTION, DRIFT_SHARE, PSI_MIN, DriftReport, FeatureDrift, compare

__all__ = ["ALPHA", "CORRECTION", "DRIFT_SHARE", "DriftReport", "FeatureDrift", "Frame", "PSI_MIN", "compare",
           "frame_from_array", "frame_from_table"]
