"""``load_dataset``: from a project's data spec to a split, normalized :class:`Dataset`."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from core.data.dataset import Dataset, RawData, build_dataset, check_fractions, split_indices
from core.data.errors import DataError
from core.data.names import names_arg
from core.data.npzfile import read_npz
from core.data.safe_files import DATA_MAX_BYTES, open_regular, resolve_path
from core.data.registry import FILE_SOURCES, DatasetEntry, entry_for
from core.data.targets import TASKS

_DEFAULTS: dict[str, Any] = {
    "source": None, "params": None, "path": None, "target": None, "features": None, "task": "auto",
    "val_fraction": 0.2, "test_fraction": 0.0, "seed": 0, "normalize": True, "missing": "mean",
    "categories": None, "classes": None, "per_class": None, "exclude": None,
}


def _field(spec: Any, name: str) -> Any:
    if isinstance(spec, Mapping):
        return spec.get(name, _DEFAULTS[name])
    return getattr(spec, name, _DEFAULTS[name])


def _check_spec(spec: Any) -> tuple[str, str, int, bool]:
    source = _field(spec, "source")
    task = _field(spec, "task")
    if task not in TASKS:
        raise DataError("data.task", f"expected one of {', '.join(TASKS)}, received task={task!r}")
    seed = _field(spec, "seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError("data.seed", f"expected a whole number >= 0, received seed={seed!r}")
    normalize = _field(spec, "normalize")
    if not isinstance(normalize, bool):
        raise DataError("data.normalize", f"expected true or false, received normalize={normalize!r}")
    return source, task, seed, normalize


def _select(raw: RawData, source: str, target: Any, features: Any, task: str) -> RawData:
    """Keep the chosen targets and features of a built-in set."""
    wanted = names_arg(target, "target") or list(raw.targets)
    for name in wanted:
        if name not in raw.targets:
            raise DataError("data.target", f"{source} has no target {name!r}; its targets are: "
                                           f"{', '.join(raw.targets)}")
        if task != "auto" and raw.targets[name].task != task:
            raise DataError("data.task", f"{source}'s target {name!r} is a {raw.targets[name].task} target, "
                                         f"not {task}; set data.task to auto")
    x, names = raw.x, raw.feature_names
    chosen = names_arg(features, "features")
    if chosen is not None:
        if raw.x.ndim != 2:
            raise DataError("data.features", f"{source} is an image set; its pixels cannot be picked one by one, "
                                             "leave data.features empty")
        for f in chosen:
            if f not in names:
                raise DataError("data.features", f"{source} has no feature {f!r}; its features are: "
                                                  f"{', '.join(names)}")
        x = x[:, [names.index(f) for f in chosen]]
        names = chosen
    return RawData(x, {k: raw.ys[k] for k in wanted}, {k: raw.targets[k] for k in wanted}, list(names),
                   raw.ordered)


def _stratify_labels(raw: RawData) -> np.ndarray | None:
    for name, info in raw.targets.items():
        if info.is_classification:
            return raw.ys[name]
    return None


def _split(raw: RawData, vf: float, tf: float, seed: int, where: str):
    return split_indices(raw.n, vf, tf, seed, _stratify_labels(raw), raw.ordered, where)


def _read_file(spec: Any, source: str, base_dir: str | os.PathLike | None, task: str) -> tuple[str, RawData]:
    params = _field(spec, "params")
    if params:
        key = next(iter(params)) if isinstance(params, Mapping) else ""
        raise DataError(f"data.params.{key}" if key else "data.params",
                        f"{source} files take no parameters; remove data.params")
    path = _field(spec, "path")
    if not path or not isinstance(path, (str, os.PathLike)):
        raise DataError("data.path", f"a {source} source needs a file; set data.path to the {source} file")
    p = data_file_path(path, base_dir)
    raw = read_npz(p, str(path), _field(spec, "target"), _field(spec, "features"), task)
    return Path(path).stem, raw


def data_file_path(path: str | os.PathLike, base_dir: str | os.PathLike | None) -> Path:
    """``data.path`` resolved: ``~`` expanded (an unknown user is refused), relative paths start at
    ``base_dir``, a NUL byte refused (:func:`core.data.safe_files.resolve_path`)."""
    return resolve_path(path, base_dir)


def _load_csv(spec: Any, base_dir, task: str, vf: float, tf: float, seed: int, normalize: bool,
              progress) -> Dataset:
    from core.data.tabledata import load_csv_dataset
    if _field(spec, "params"):
        _read_file(spec, "csv", base_dir, task)  # reports the stray params
    path = _field(spec, "path")
    if not path or not isinstance(path, (str, os.PathLike)):
        raise DataError("data.path", "a csv source needs a file; set data.path to the csv file")
    p = data_file_path(path, base_dir)
    try:  # a FIFO, a device or a huge file is refused before the CSV reader opens it
        os.close(open_regular(p, str(path), DATA_MAX_BYTES, "a CSV file")[0])
    except FileNotFoundError:
        pass  # the reader says "file not found" with its own advice
    return load_csv_dataset(p, str(path), _field(spec, "target"),
                            _field(spec, "features"), task, _field(spec, "missing"), _field(spec, "categories"),
                            vf, tf, seed, normalize, progress)


def _load_images(spec: Any, base_dir, task: str, vf: float, tf: float, seed: int, normalize: bool, shifted: bool,
                 progress) -> Dataset:
    from core.data.image_dataset import load_image_dataset
    from core.data.registry import IMAGE_FOLDER
    if shifted:
        raise DataError("data.source", "an image folder has no built-in shifted variant; load the new images "
                                       "from their own folder to compare them with the training data")
    path = _field(spec, "path")
    if not path or not isinstance(path, (str, os.PathLike)):
        raise DataError("data.path", "an images source needs a folder; set data.path to the folder of class "
                                     "subfolders")
    params = IMAGE_FOLDER.validate_params(_field(spec, "params"), "data.params")
    return load_image_dataset(data_file_path(path, base_dir), str(path), params, target=_field(spec, "target"),
                              task=task, val_fraction=vf, test_fraction=tf, seed=seed, normalize=normalize,
                              progress=progress)


def load_dataset(spec: Any, base_dir: str | os.PathLike | None = None, *, shifted: bool = False,
                 progress: Any = None) -> Dataset:
    """:func:`_load_all` (see there), then ``data.exclude`` (:mod:`core.data.exclude`, the training split
    only, not the shifted variant) and ``data.classes``/``data.per_class`` (:mod:`core.data.subset`)."""
    ds = _load_all(spec, base_dir, shifted=shifted, progress=progress)
    if not shifted:
        from core.data.exclude import exclude_training
        ds = exclude_training(ds, _field(spec, "exclude"))
    classes, per_class = _field(spec, "classes"), _field(spec, "per_class")
    if classes is None and per_class is None:
        return ds
    from core.data.subset import subset_by_class
    seed = _field(spec, "seed")
    stats = None
    if shifted and ds.mean is not None:  # the shifted set is normalized as the (subset) training data was
        from core.data.exclude import exclude_training
        base = subset_by_class(exclude_training(_load_all(spec, base_dir), _field(spec, "exclude")), classes,
                               per_class, seed)
        stats = (base.mean, base.std)
    return subset_by_class(ds, classes, per_class, seed, stats)


def _load_all(spec: Any, base_dir: str | os.PathLike | None = None, *, shifted: bool = False,
              progress: Any = None) -> Dataset:
    """Build the :class:`Dataset` that ``spec`` (the project's data spec) describes.

    ``spec`` has the attributes (or keys) source, params, path, target, features, task,
    val_fraction, test_fraction, seed and normalize; relative paths start at ``base_dir``.
    The generator's ``seed`` param draws the data, ``spec.seed`` shuffles the split; the same
    spec always gives identical tensors. Classification splits are stratified on the first
    classification target; time series keep time order.

    ``shifted=True`` returns the built-in set's deployment variant (see each entry's
    ``shift_doc``), split the same way and normalized with the statistics fitted on the
    ORIGINAL training split, so a model trained on the original sees it as it would in use.
    Any bad input raises :class:`DataError` naming the place. ``progress(fraction)`` is called
    while a CSV file is read and may raise ``core.data.csvfile.Cancelled``.
    """
    source, task, seed, normalize = _check_spec(spec)
    vf, tf = check_fractions(_field(spec, "val_fraction"), _field(spec, "test_fraction"))
    if source == "images":
        return _load_images(spec, base_dir, task, vf, tf, seed, normalize, shifted, progress)
    if source in FILE_SOURCES:
        if shifted:
            raise DataError("data.source", f"a {source} file has no built-in shifted variant; load the new "
                                           "data from its own file to compare it with the training data")
        if source == "csv":
            return _load_csv(spec, base_dir, task, vf, tf, seed, normalize, progress)
        name, raw = _read_file(spec, source, base_dir, task)
        ds = build_dataset(name, raw, _split(raw, vf, tf, seed, str(_field(spec, "path"))),
                           normalize=normalize, source=source)
        return ds
    entry: DatasetEntry = entry_for(source)
    params = entry.validate_params(_field(spec, "params"), "data.params")
    where = "data.params.samples" if "samples" in params else "data"
    target, features = _field(spec, "target"), _field(spec, "features")
    raw = _select(entry.builder(params, False), source, target, features, task)
    ds = build_dataset(source, raw, _split(raw, vf, tf, seed, where), normalize=normalize, source=source)
    if not shifted:
        return ds
    raw_s = _select(entry.builder(params, True), source, target, features, task)
    stats = (ds.mean, ds.std) if normalize else None
    return build_dataset(source, raw_s, _split(raw_s, vf, tf, seed, where), normalize=normalize,
                         stats=stats, source=source, shifted=True)
