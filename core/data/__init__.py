"""Data for LossLab: built-in generators, the bundled digits, CSV/NPZ import, splits, normalization.

Everything ends as tensors in memory in a :class:`Dataset`. No Qt here.
"""
from __future__ import annotations

from core.data.dataset import CLASSIFICATION, REGRESSION, Dataset, TargetInfo
from core.data.errors import DataError
from core.data.loader import load_dataset
from core.data.registry import DATASETS, FILE_SOURCES, SOURCES, DatasetEntry, dataset_params

__all__ = [
    "CLASSIFICATION", "DATASETS", "DataError", "Dataset", "DatasetEntry", "FILE_SOURCES", "REGRESSION",
    "SOURCES", "TargetInfo", "dataset_params", "load_dataset",
]
