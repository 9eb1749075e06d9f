"""Plot building blocks: growing buffers, TensorBoard smoothing, and the LivePlot widget."""
from __future__ import annotations

import math

import numpy as np
import pytest

from guiapp.plots import EmaState, GrowingArray, LivePlot, ema


def reference_ema(values, weight):
    """TensorBoard's loop (non-finite values pass through as NaN and are skipped)."""
    last, count, out = 0.0, 0, []
    for v in values:
        if not math.isfinite(v):
            out.append(math.nan)
            continue
        last = last * weight + (1 - weight) * v
        count += 1
        out.append(last / (1 - weight ** count))
    return np.array(out)


def test_growing_array_doubles_and_keeps_old_views_valid():
    buf = GrowingArray(16)
    buf.extend(np.arange(10.0))
    old = buf.view()
    buf.extend(np.arange(10.0, 100.0))
    assert len(buf) == 100 and buf.capacity == 128
    assert np.array_equal(buf.view(), np.arange(100.0))
    assert np.array_equal(old, np.arange(10.0))
    buf.pad_to(103)
    assert np.isnan(buf.view()[-3:]).all()
    buf.append(7.0)
    assert buf.view()[-1] == 7.0 and buf.view().dtype == np.float64


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.6, 0.9, 0.99, 0.999])
def test_ema_matches_tensorboard_in_one_go_and_incrementally(weight):
    rng = np.random.default_rng(0)
    x = rng.random(3000) * 10
    x[[5, 700, 2999]] = [np.nan, np.inf, np.nan]
    expected = reference_ema(x, weight)
    whole, _ = ema(x, weight)
    np.testing.assert_allclose(whole, expected, rtol=1e-9, atol=1e-12)
    parts, state = [], EmaState()
    for lo, hi in ((0, 1), (1, 64), (64, 65), (65, 2000), (2000, 3000)):
        y, state = ema(x[lo:hi], weight, state)
        parts.append(y)
    np.testing.assert_allclose(np.concatenate(parts), expected, rtol=1e-9, atol=1e-12)


def test_live_plot_curves_crosshair_regions_markers_and_log(qtbot):
    plot = LivePlot("t", "step", "loss")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    curve = plot.add_curve("a", "loss", "#1f77b4")
    assert plot.add_curve("a", "loss", "#1f77b4") is curve
    assert curve.opts["clipToView"] and curve.opts["autoDownsample"] and curve.opts["downsampleMethod"] == "peak"
    x = np.arange(1, 101, dtype=np.float64)
    plot.set_data("a", x, 1.0 / x)
    plot.add_curve("b", "lr", "#2ca02c", right=True)
    plot.set_data("b", x, np.full(100, 0.01))
    text = plot.crosshair.show_at(10.2)
    assert "x 10" in text and "loss: 0.1" in text and "lr: 0.01" in text
    plot.set_region("r", 20, 40, "#ff9800")
    assert plot.region("r").getRegion() == pytest.approx((20, 40))
    plot.set_region("r", 25, 45, "#ff9800")
    assert plot.region_keys() == ["r"] and plot.region("r").getRegion() == pytest.approx((25, 45))
    plot.set_marker("best", 30, "best 30", "#2e9d3a")
    assert plot.marker("best").value() == 30
    plot.set_log_y(True)
    assert curve.opts["logMode"] == [False, True]
    plot.remove_curve("b")
    assert not plot.has_curve("b")
    plot.reset_curves()
    assert plot.point_count("a") == 0


def test_nan_and_inf_in_data_are_drawn(qtbot):
    plot = LivePlot()
    qtbot.addWidget(plot)
    plot.show()
    plot.add_curve("a", "loss", "#1f77b4")
    y = np.array([1.0, 0.5, np.nan, np.inf, 2.0])
    plot.set_data("a", np.arange(1.0, 6.0), y)
    plot.set_log_y(True)
    assert not plot.grab().isNull()
