"""Registries of everything a person can pick, each entry with its parameters as data."""
from .layers import ACTIVATIONS, LAYERS
from .losses import LOSSES, loss_fits
from .optimizers import OPTIMIZERS, SCHEDULES, build_schedule
from .params import Entry, Param, ParamError, Registry

__all__ = ["ACTIVATIONS", "LAYERS", "LOSSES", "OPTIMIZERS", "SCHEDULES", "Entry", "Param", "ParamError",
           "Registry", "build_schedule", "loss_fits"]
