"""Runs in the window: the Runs panel, the overlay of runs on the plots, recording the window's trainings."""
from .overlay import OverlayRun, RunOverlay
from .panel import RunDiffDialog, RunsPanel
from .recording import WindowRecorder

__all__ = ["OverlayRun", "RunDiffDialog", "RunOverlay", "RunsPanel", "WindowRecorder"]
