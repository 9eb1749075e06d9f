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
    plot.marks.set_region("r", 20, 40, "#ff9800")
    assert plot.marks.region("r").getRegion() == pytest.approx((20, 40))
    plot.marks.set_region("r", 25, 45, "#ff9800")
    assert plot.marks.region_keys() == ["r"] and plot.marks.region("r").getRegion() == pytest.approx((25, 45))
    plot.marks.set_marker("best", 30, "best 30", "#2e9d3a")
    assert plot.marks.marker("best").value() == 30
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


def test_the_legend_wraps_to_the_plots_width_instead_of_being_cut(qtbot):
    plot = LivePlot("Loss per step", "step", "loss")
    qtbot.addWidget(plot)
    for i, name in enumerate(("loss (raw)", "loss (smoothed)", "diagnosis_head loss", "severity_head loss")):
        plot.add_curve(str(i), name, "#1f77b4")
        plot.set_data(str(i), np.arange(3.0), np.arange(3.0))
    plot.resize(1600, 300)
    plot.show()
    qtbot.waitUntil(lambda: plot.title_text().count("\n") == 0)
    plot.resize(330, 300)
    qtbot.waitUntil(lambda: plot.title_text().count("\n") >= 2)
    item = plot.getPlotItem()
    qtbot.waitUntil(lambda: item.titleLabel.item.boundingRect().width() <= plot.width())
    assert all(name in plot.title_text() for name in ("diagnosis_head loss", "severity_head loss"))


def test_clear_view_forgets_old_ranges_and_the_right_axis_follows_its_curves(qtbot):
    plot = LivePlot("t", "epoch", "loss")
    qtbot.addWidget(plot)
    plot.show()
    plot.add_curve("a", "loss", "#1f77b4")
    plot.add_curve("b", "mae", "#9467bd", right=True)
    assert plot.getPlotItem().getAxis("right").isVisible()
    plot.set_data("a", np.arange(1.0, 151.0), np.linspace(2, 0, 150))
    plot.settle()
    vb = plot.getPlotItem().vb
    vb.setXRange(2, 3)
    plot.reset_curves()
    plot.clear_view()
    assert vb.viewRange()[0] == pytest.approx([0.0, 1.0]) and all(vb.autoRangeEnabled())
    plot.set_data("a", np.arange(1.0, 4.0), np.array([1.0, 0.5, 0.2]))
    plot.settle()
    assert vb.viewRange()[0][0] <= 1 and 3 <= vb.viewRange()[0][1] < 10
    plot.remove_curve("b")
    assert not plot.getPlotItem().getAxis("right").isVisible()


def test_export_is_1200_wide_from_a_tiny_plot(qtbot, tmp_path):
    from PySide6.QtGui import QImage
    plot = LivePlot("Gradient norm and learning rate", "step", "gradient norm", right_from_zero=True)
    qtbot.addWidget(plot)
    plot.add_curve("g", "gradient norm", "#9467bd")
    plot.add_curve("lr", "learning rate (right)", "#2ca02c", right=True)
    x = np.arange(1.0, 901.0)
    plot.set_data("g", x, 1 + np.sin(x / 10))
    plot.set_data("lr", x, np.full(900, 0.01))
    plot.resize(580, 97)
    plot.show()
    before, title = plot.getPlotItem().geometry(), plot.title_text()
    image = QImage(str(plot.export(tmp_path / "grad.png")))
    assert (image.width(), image.height()) == (1200, 600)
    assert plot.getPlotItem().geometry() == before and plot.title_text() == title   # the screen is untouched
    big = QImage(str(plot.export(tmp_path / "big.png", width=2000)))
    assert big.width() == 2000 and big.height() == 1000


def test_a_short_plot_folds_its_legend_and_keeps_room_for_the_curves(qtbot):
    """Four curves over a plot 120 px high (two heads at 1280x800): the legend takes one line and says
    "+N more", every name is in the title's tooltip, and the curves keep their minimum height."""
    from guiapp.plots.live_plot import MIN_DATA_PX
    plot = LivePlot("Loss per epoch", "epoch", "loss")
    qtbot.addWidget(plot)
    names = ("train", "validation", "diagnosis_head val", "severity_head val")
    for i, name in enumerate(names):
        plot.add_curve(str(i), name, "#1f77b4")
        plot.set_data(str(i), np.arange(5.0), np.arange(5.0) + i)
    plot.resize(300, 120)
    plot.show()
    qtbot.waitExposed(plot)
    vb = plot.getPlotItem().vb
    qtbot.waitUntil(lambda: "more" in plot.title_text())
    qtbot.waitUntil(lambda: vb.height() >= MIN_DATA_PX - 1)
    assert plot.title_text().count("\n") <= 1
    tip = plot.getPlotItem().titleLabel.toolTip()
    assert all(name in tip for name in names) and plot.legend_names() == list(names)
    # taller: the whole legend comes back
    plot.resize(300, 400)
    qtbot.waitUntil(lambda: "more" not in plot.title_text())
    assert all(name in plot.title_text() for name in names)


def test_the_crosshair_readout_leaves_with_the_pointer_and_with_the_data(qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    plot = LivePlot("t", "epoch", "loss")
    qtbot.addWidget(plot)
    plot.add_curve("a", "train", "#1f77b4")
    plot.set_data("a", np.arange(10.0), np.arange(10.0))
    plot.show()
    assert plot.crosshair.show_at(3.0) and plot.crosshair.label.isVisible()
    QApplication.sendEvent(plot, QEvent(QEvent.Type.Leave))
    assert not plot.crosshair.label.isVisible() and not plot.crosshair.line.isVisible()
    assert plot.crosshair.show_at(3.0)
    plot.reset_curves()                          # a new run starts
    assert plot.crosshair.text() == ""


def test_a_marker_label_stays_inside_the_data_area(qtbot):
    """"best val epoch N" at the right edge and at the top: inside the view box, never over the title."""
    from PySide6.QtWidgets import QApplication
    plot = LivePlot("Loss per epoch", "epoch", "loss")
    qtbot.addWidget(plot)
    plot.add_curve("a", "train", "#1f77b4")
    plot.set_data("a", np.arange(1.0, 31.0), np.linspace(1, 0, 30))
    plot.resize(320, 160)
    plot.show()
    qtbot.waitExposed(plot)
    for epoch in (30.0, 1.0, 15.0):
        line = plot.marks.set_marker("best", epoch, f"best val epoch {int(epoch)}", "#2ca02c")
        plot.settle()
        qtbot.waitUntil(lambda: plot.getPlotItem().vb.height() > 0)
        QApplication.processEvents()
        line.label.updatePosition()
        box = line.label.mapRectToScene(line.label.boundingRect())
        area = plot.getPlotItem().vb.sceneBoundingRect()
        assert area.adjusted(-1, -1, 1, 1).contains(box), (epoch, box, area)


def test_the_legend_names_only_curves_that_have_data(qtbot):
    plot = LivePlot("Loss per epoch", "epoch", "loss")
    qtbot.addWidget(plot)
    plot.add_curve("train", "train", "#1f77b4")
    plot.add_curve("run", "wine · lr=0.01 (val)", "#2ca02c")
    plot.set_data("run", np.arange(3.0), np.arange(3.0))
    assert plot.legend_names() == ["wine · lr=0.01 (val)"] and "train" not in plot.title_text()
    plot.set_data("train", np.arange(2.0), np.arange(2.0))
    assert "train" in plot.title_text()
    plot.clear_data()
    assert plot.legend_names() == [] and plot.title_text().strip() == "Loss per epoch"


def test_fold_legend_keeps_every_name_it_can_and_counts_the_rest():
    from guiapp.plots.legend import fold_legend
    widths = [40, 60, 110, 100]                               # train, validation, two head curves
    assert fold_legend(90, widths, 10, 500, 1, 50, 25) == (((0, 1, 2, 3),), 0, "+{} more")
    # one row only: what fits beside the title, then "+N more"
    assert fold_legend(90, widths, 10, 280, 1, 50, 25) == (((0, 1),), 2, "+{} more")
    # a title too long for "+N more" beside it gets the short "+N"
    assert fold_legend(250, widths, 10, 290, 1, 50, 25) == (((),), 4, "+{}")
    # two rows: the title alone, then one row of entries and the fold
    assert fold_legend(90, widths, 10, 280, 2, 50, 25) == (((), (0, 1, 2)), 1, "+{} more")
    # rows enough: everything wraps, nothing folds
    assert fold_legend(90, widths, 10, 280, 4, 50, 25) == (((), (0, 1, 2), (3,)), 0, "+{} more")


def test_held_range_keeps_the_range_while_the_data_fits_and_grows_with_room():
    from guiapp.plots.held_range import held_range
    assert held_range((0.0, 100.0), (0.0, 90.0), 0.25) == (0.0, 100.0)        # fits, fills 90%: kept
    assert held_range((0.0, 100.0), (0.0, 110.0), 0.25) == (0.0, 137.5)       # grew past the right end
    assert held_range((0.0, 100.0), (0.0, 50.0), 0.25) == (0.0, 50.0)         # fills half: fitted again
    assert held_range((0.1, 0.8), (0.05, 0.8), 0.1) == pytest.approx((0.0, 0.8))  # room never below zero
    # pyqtgraph's padding (2% a side) is not data: the left end stays where the data starts
    assert held_range((-2.0, 110.0), (-4.0, 108.0), 0.25, padding=0.02) == (-2.0, 110.0)
    assert held_range((-2.0, 110.0), (-4.0, 212.0), 0.25, padding=0.02) == pytest.approx((-4.0, 212.0 + 216 / 1.04 / 4))
    assert held_range((-3.0, -1.0), (-3.5, -1.0), 0.1) == pytest.approx((-3.75, -1.0))  # log10 space
    assert held_range((0.0, 1.0), (0.0, math.inf), 0.1) == (0.0, math.inf)    # what pyqtgraph drops


def test_while_a_run_is_drawn_the_axes_keep_their_range_between_steps(qtbot):
    """A new range makes both axes compute their ticks again (most of a live paint): while held, the
    range moves only when the data grows past it, with room; released, the plot fits its data."""
    from guiapp.plots.held_range import hold_ranges
    plot = LivePlot("t", "step", "loss")
    qtbot.addWidget(plot)
    plot.show()
    plot.add_curve("a", "loss", "#1f77b4")
    vb = plot.getPlotItem().vb
    plot.clear_view()
    hold_ranges(plot, True)
    ranges = []
    for n in range(100, 1001, 25):                          # 37 redraws of a growing, falling curve
        x = np.arange(1.0, n + 1)
        plot.set_data("a", x, 1.0 / np.sqrt(x))
        plot.settle()
        ranges.append(tuple(map(tuple, vb.viewRange())))
    assert len(set(ranges)) <= 12                           # (pyqtgraph's fit: a new range every redraw)
    assert all(r[0][1] >= n for r, n in zip(ranges, range(100, 1001, 25)))   # the newest step is shown
    hold_ranges(plot, False)
    plot.settle()
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x1 < 1100 and y0 < 1 / math.sqrt(1000)            # fitted again (no room past the data)
    vb.setXRange(10, 20)                                    # a zoom while held is the person's
    hold_ranges(plot, True)
    plot.set_data("a", np.arange(1.0, 2001), np.ones(2000))
    plot.settle()
    assert vb.viewRange()[0] == pytest.approx([10, 20], abs=1)



def test_a_plot_that_follows_its_data_keeps_its_axes_when_cleared_until_new_data_comes(qtbot):
    """A Run's start empties the plots: one that was not zoomed keeps the range it shows (its axes need
    no new ticks for an empty plot) and fits the new Run's data when it comes, held or not."""
    from guiapp.plots.held_range import hold_ranges
    plot = LivePlot("t", "epoch", "loss")
    qtbot.addWidget(plot)
    plot.show()
    plot.add_curve("a", "loss", "#1f77b4")
    plot.set_data("a", np.arange(1.0, 151.0), np.linspace(2, 0, 150))
    plot.settle()
    vb = plot.getPlotItem().vb
    shown = vb.viewRange()
    plot.reset_curves()
    plot.clear_view(keep_followed=True)
    plot.settle()
    assert vb.viewRange() == shown and all(vb.autoRangeEnabled())
    hold_ranges(plot, True)                                  # a Run of another project: epochs 1..3
    plot.set_data("a", np.arange(1.0, 4.0), np.array([1.0, 0.5, 0.2]))
    plot.settle()
    assert vb.viewRange()[0][0] <= 1 and 3 <= vb.viewRange()[0][1] < 10
