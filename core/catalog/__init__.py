"""Registries of everything a person can pick, each entry one typed record with its parameters as data."""
from .layer_entry import FROM_MODULE, CategoryStyle, LayerEntry, Traits
from .layers import LAYERS, category_style
from .losses import LOSSES, LossEntry, default_loss, loss_fits
from .optimizers import OPTIMIZERS, SCHEDULES, OptimizerEntry, ScheduleEntry, build_schedule
from .params import Entry, Param, ParamError, Registry

__all__ = ["FROM_MODULE", "LAYERS", "LOSSES", "OPTIMIZERS", "SCHEDULES", "CategoryStyle", "Entry", "LayerEntry",
           "LossEntry", "OptimizerEntry", "Param", "ParamError", "Registry", "ScheduleEntry", "Traits", "build_schedule",
           "category_style", "default_loss", "loss_fits"]
