"""The training loop, its events and its control object (no Qt, no printing)."""
from .control import TrainingControl
from .events import EpochRecord, RunInfo, RunResult, StepRecords, TrainingObserver
from .setup import RunSetup, available_devices, pick_device, prepare
from .trainer import train, trained_model

__all__ = ["EpochRecord", "RunInfo", "RunResult", "RunSetup", "StepRecords", "TrainingControl",
           "TrainingObserver", "available_devices", "pick_device", "prepare", "train", "trained_model"]
