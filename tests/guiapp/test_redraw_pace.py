"""The live plots' pace (``guiapp.training.redraw``): what each paced draw is charged, and which plot
goes next. Fake plots and a clock that only moves when the test moves it: no timing."""
from __future__ import annotations

import pytest

from guiapp import turns
from guiapp.training import redraw


class Plot:
    def __init__(self) -> None:
        self.paint_seconds = 0.0

    def refresh(self, _history) -> None:
        pass

    def settle(self) -> None:
        pass


class Host:
    def isVisible(self) -> bool:  # noqa: N802 - Qt's name
        return True


def fake_plots() -> dict:
    return {name: Plot() for name in ("epoch", "step", "metric", "optimizer")}


def test_the_plots_pace_charges_each_draw_its_own_paints_not_a_runs_start(monkeypatch):
    """The redraw budget charged every plot's paints since the last draw: a Run's start (four plots
    painted at once) was charged to its first live draw, and the plots stayed still for seconds (one
    live redraw in a 3 s run). Each draw is now charged its own plot's paints."""
    plots = fake_plots()
    pace = redraw.RedrawScheduler(Host(), plots, history=None, share=0.02)
    now = [100.0]
    monkeypatch.setattr(redraw.time, "perf_counter", lambda: now[0])   # the draws take no time here
    pace.clear()                                            # a Run starts ...
    for plot in plots.values():
        plot.paint_seconds += 0.010                         # ... and its four plots are painted
    pace.mark(*plots)
    pace.tick()
    assert len(pace._dirty) == 4                            # drawn in a turn of its own, not the drain's
    turns.finish()
    assert pace._next - now[0] < 0.05                       # the first draw is not charged the start
    drawn = next(n for n in plots if n not in pace._dirty)
    plots[drawn].paint_seconds += 0.006                     # its own repaint
    other = next(n for n in plots if n != drawn)
    plots[other].paint_seconds += 0.5                       # another plot's (a resize) is not the pace's
    now[0] = pace._next
    pace.tick()
    turns.finish()
    assert pace._next - now[0] == pytest.approx(0.006 * (1 / 0.02 - 1))


def test_while_training_loss_per_epoch_is_every_other_paced_draw(monkeypatch):
    """Four plots round-robin within the budget left Loss per epoch 3-6 s behind in a fast run (at
    epoch 131 it still showed epoch 1): while it has news it is every other draw."""
    plots = fake_plots()
    pace = redraw.RedrawScheduler(Host(), plots, history=None, first="epoch")
    now = [100.0]
    monkeypatch.setattr(redraw.time, "perf_counter", lambda: now[0])
    drawn = []
    for _ in range(8):
        pace.mark(*plots)                                   # every plot has news at every beat
        now[0] = max(now[0], pace._next)
        before = set(pace._dirty)
        pace.tick()
        turns.finish()
        drawn.extend(before - pace._dirty)
    assert drawn[::2] == ["epoch"] * 4
    assert sorted(drawn[1::2][:3]) == ["metric", "optimizer", "step"]   # the others still take turns
    pace.mark("epoch")
    now[0] = pace._next
    pace.tick()                                             # only it has news: drawn again at once
    turns.finish()
    assert "epoch" not in pace._dirty
