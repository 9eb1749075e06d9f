"""Shared pieces of the ``losslab`` commands: the user-error type, project loading, number formatting."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..log import get_logger

Out = Callable[[str], None]


class UserError(Exception):
    """A problem in the user's input: printed as-is, exit status 2."""


#: data files a person may hand to a command that wants a project
DATA_SUFFIXES = {".csv": "a CSV data table", ".tsv": "a data table", ".npz": "a NumPy data file"}


def not_a_project(path: str) -> str | None:
    """What to say when ``path`` is a data file rather than a project, or None."""
    what = DATA_SUFFIXES.get(Path(path).suffix.lower())
    if what is None:
        return None
    name = Path(path).name
    source = "npz" if what.startswith("a NumPy") else "csv"
    return (f"{name} is {what}, not a LossLab project. To train on it, make a project that reads it: in the "
            f"window (run `losslab`), pick \"{source.upper()} file…\" as the data set in the Data panel, choose "
            f"{name} (and its target column), then File ▸ Save As…; or copy "
            f"resources/examples/csv-moons.losslab.json beside it and set data.source to \"{source}\", data.path "
            f"to \"{name}\" and data.target to the column to predict. Then: losslab train PROJECT.losslab.json")


def load_project(path: str):
    from ..data import DataError, load_dataset
    from ..project import Project, ProjectError
    data_file = not_a_project(path)
    if data_file and Path(path).is_file():
        raise UserError(data_file)
    try:
        project = Project.load(path)
        dataset = load_dataset(project.data, project.base_dir)
    except (ProjectError, DataError) as e:
        named = e.where.startswith(str(path)) or str(path) in e.where or e.where.startswith(Path(path).name)
        raise UserError(str(e) if named else f"{path}: {e}") from None
    return project, dataset


def check_project(project, dataset, device: str | None = None, rows_scale: float = 1.0):
    """The graph check plus what ``train`` would otherwise only find out by failing (class weights, memory,
    BatchNorm, the device): returns ``(check, errors)``, errors as (message, where). ``check`` and ``train``
    call this same function, so a project ``check`` accepts is one ``train`` starts. ``rows_scale``: the
    dataset is a sample of a table that many times larger (the memory check counts the whole table)."""
    from ..graph import check_graph
    from ..preflight import batchnorm_problems, class_weight_problems, memory_problems, preflight
    check = check_graph(project, dataset.input_shape, dataset.targets)
    errors = [(p.message, p.where) for p in check.problems if p.severity == "error"]
    if rows_scale == 1.0:
        problems = preflight(project, check, dataset)
    else:       # the same checks as preflight, on the whole table's training rows
        from ..data.safe_files import available_memory
        n_train = int(round(dataset.x_train.shape[0] * rows_scale))
        problems = class_weight_problems(project, dataset.targets) + batchnorm_problems(project, check, n_train)
        if check.ok:
            problems += memory_problems(project, check, n_train, available_memory())
    if check.ok:   # small data: transfer sources that do not fit, everything frozen, flips of a table
        from ..training.transfer import smalldata_problems
        problems += smalldata_problems(project, check, dataset)
    errors += [(p.message, p.where) for p in problems]
    from ..training.pseudo_labels import pseudo_label_problem
    why = pseudo_label_problem(project, dataset.targets)
    if why:
        errors.append((why, "training.pseudo_labels"))
    try:
        from ..training.setup import pick_device
        if device:
            pick_device(device, "--device")
        else:
            pick_device(project.training.device)
    except ValueError as e:
        errors.append((f"{e} (or pass --device to losslab train)", "--device" if device else "training.device"))
    return check, errors


def fmt_shape(shape) -> str:
    from ..catalog.layer_shapes import fmt_shape
    return "-" if shape is None else fmt_shape(shape)


def lint(project, check, dataset) -> list:
    try:
        from ..diagnostics.lint import lint_project
    except ImportError as e:
        get_logger(__name__).debug("architecture lint unavailable: %s", e)
        return []
    return lint_project(project, check, dataset)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
