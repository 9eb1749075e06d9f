"""A project's reference data (its training split, raw) and how a new file becomes its model's inputs."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.data import DataError, load_dataset
from core.data.columns import NUMERIC, EncodingReport, InputColumn, TableEncoding
from core.data.csvfile import Progress, Table, read_table
from core.data.loader import data_file_path
from core.data.tabledata import prepare_table
from core.drift.frame import Frame, frame_from_array, frame_from_table


@dataclass
class Reference:
    """The training split as drift sees it, and the recipe for new rows."""

    project: Any
    dataset: Any                     # the project's Dataset (normalized tensors)
    encoding: TableEncoding
    frame: Frame                     # raw training rows, one column per input column

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.encoding.inputs]

    @property
    def categorical(self) -> set[str]:
        return {c.name for c in self.encoding.inputs if c.kind != NUMERIC}

    def new_frame(self, table: Table) -> Frame:
        missing = [n for n in self.names if n not in table.columns]
        if missing:
            raise DataError(table.shown, f"has no column {missing[0]!r}, which the model uses; a deployment file "
                                         f"needs the training columns: {', '.join(self.names)}")
        return frame_from_table(table, self.names, self.categorical)

    def inputs(self, table: Table, report: EncodingReport | None = None) -> np.ndarray:
        """The model's (normalized) float32 inputs for every row of ``table``."""
        x = self.encoding.encode(table, None, report)
        ds = self.dataset
        if ds.mean is not None:
            x -= ds.mean
            x /= ds.std
        return x


def project_reference(project, dataset=None, progress: Progress | None = None) -> Reference:
    """The reference of ``project``: its training split (for a CSV source, re-read from the file)."""
    ds = dataset if dataset is not None else load_dataset(project.data, project.base_dir, progress=progress)
    if len(ds.input_shape) != 1:
        raise DataError("data.source", f"{ds.name} is an image set; drift checks work on tables (one value per "
                                       "feature)")
    if ds.encoding is not None:
        d = project.data
        table = read_table(data_file_path(d.path, project.base_dir), str(d.path), progress)
        prep = prepare_table(table, d.target, d.features, d.task, d.missing, d.categories, d.val_fraction,
                             d.test_fraction, d.seed)
        frame = frame_from_table(table, [c.name for c in ds.encoding.inputs],
                                 {c.name for c in ds.encoding.inputs if c.kind != NUMERIC}).take(prep.train_rows())
        return Reference(project, ds, ds.encoding, frame)
    if ds.mean is not None:  # the raw training rows exactly (de-normalizing would blur 0/1 and whole numbers)
        raw_spec = copy.copy(project.data)
        raw_spec.normalize = False
        x = load_dataset(raw_spec, project.base_dir).x_train.numpy().astype(np.float64)
    else:
        x = ds.x_train.numpy().astype(np.float64)
    fills = ds.mean if ds.mean is not None else x.mean(axis=0)
    enc = TableEncoding([InputColumn(n, NUMERIC, [], float(fills[j])) for j, n in enumerate(ds.feature_names)])
    return Reference(project, ds, enc, frame_from_array(x, ds.feature_names))


def read_new(path: str | Path, shown: str | None = None, progress: Progress | None = None) -> Table:
    """A deployment/new file as a table (CSV)."""
    p = Path(path)
    return read_table(p, shown or str(path), progress)
