"""Registries of everything a person can pick, each entry one typed record with its parameters as data."""
from .layer_entry import FROM_MODULE, CategoryStyle, LayerEntry, Traits
from .layer_code import LayerCode, TorchModule
from .layers import INPUT_TYPE, LAYERS, category_style, is_input
from .losses import LOSSES, LossEntry, default_loss, loss_fits
from .optimizers import (DEFAULT_OPTIMIZER, DEFAULT_SCHEDULE, OPTIMIZERS, SCHEDULES, OptimizerEntry, ScheduleEntry,
                         build_schedule)
from .params import Entry, Param, ParamError, Registry

__all__ = ["DEFAULT_OPTIMIZER", "DEFAULT_SCHEDULE", "FROM_MODULE", "INPUT_TYPE", "LAYERS", "LayerCode", "TorchModule",
           "is_input", "LOSSES", "OPTIMIZERS", "SCHEDULES", "CategoryStyle", "Entry", "LayerEntry",
           "LossEntry", "OptimizerEntry", "Param", "ParamError", "Registry", "ScheduleEntry", "Traits", "build_schedule",
           "category_style", "default_loss", "loss_fits"]
