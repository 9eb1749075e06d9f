"""The learning-rate schedule of a run, and how a continued run carries it on.

A continued run (``train(resume=...)``, the window's Run ▸ Continue) picks the schedule up where the
previous run left it: the scheduler's state is saved with the result and loaded again, so a cosine
schedule that reached its minimum stays there instead of jumping back to the full rate (the loss
spiked when it restarted). A schedule with an end (cosine over ``T_max`` epochs, one-cycle over its
steps) holds its last rate past that end. When the person changed the schedule or the project's
learning rate between the runs, the new settings win and the schedule starts over.
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["HeldSchedule", "continue_schedule", "schedule_state"]


class HeldSchedule:
    """A torch scheduler that stops stepping at its end (the schedule entry's ``end``: a cosine's
    ``T_max``, one-cycle's last step), holding the last rate; ``step(*args)`` is the scheduler's otherwise."""

    def __init__(self, scheduler, end: Callable[[Any], int | None] | None = None) -> None:
        self.scheduler = scheduler
        self._end = end

    @classmethod
    def wrap(cls, scheduler, end: Callable[[Any], int | None] | None = None) -> "HeldSchedule | None":
        return None if scheduler is None else cls(scheduler, end)

    @property
    def end(self) -> int | None:
        """The scheduler step after which the rate holds, or None (no end)."""
        return None if self._end is None else self._end(self.scheduler)

    def step(self, *args) -> None:
        end = self.end
        if end is not None and self.scheduler.last_epoch >= end:
            return
        self.scheduler.step(*args)

    def state_dict(self) -> dict:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.scheduler.load_state_dict(state)


def _key(training) -> dict[str, Any]:
    """What must be unchanged for a schedule to continue: its type and params and the project's rate."""
    return {"type": training.schedule.type, "params": dict(training.schedule.params),
            "lr": training.optimizer.params.get("lr")}


def schedule_state(schedule: HeldSchedule | None, training) -> dict | None:
    """The part of a run's state that lets the next run continue its schedule."""
    if schedule is None:
        return None
    return {"key": _key(training), "state": schedule.state_dict()}


def continue_schedule(schedule: HeldSchedule | None, saved: dict | None, training, optimizer) -> bool:
    """Load ``saved`` (from :func:`schedule_state`) into ``schedule`` when the settings are unchanged;
    the optimizer then keeps the rate the schedule had reached. False: the schedule starts over."""
    if schedule is None or not saved or saved.get("key") != _key(training):
        return False
    try:
        schedule.load_state_dict(saved["state"])
    except (KeyError, TypeError, ValueError):
        return False
    last = getattr(schedule.scheduler, "_last_lr", None)
    if last:
        for group, lr in zip(optimizer.param_groups, last):
            group["lr"] = lr
    return True
