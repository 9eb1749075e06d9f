"""``py`` export: one standalone, readable PyTorch script that rebuilds the data, the network and the
training of a project.

The script follows LossLab's recipe exactly (``core/training/trainer.py``): ``torch.manual_seed(seed)``
before the network is built, a separate ``torch.Generator`` seeded the same way draws each epoch's
``randperm``, batches are consecutive slices of it (the last one partial), the epoch's train loss is
the mean of its step losses (the L1/L2 penalty excluded). Run with one thread it reproduces
LossLab's first-epoch train loss within floating-point noise.

User text (node ids, file names, the project name) only ever appears as sanitized identifiers or as
``repr()`` literals, so a crafted project cannot inject code.
"""
from __future__ import annotations

import datetime as _dt
import os
import pprint
from pathlib import Path

from .. import __version__
from ..catalog import LAYERS, SCHEDULES
from ..graph import GraphError, check_graph
from ..paths import resources_dir
from ..training.setup import head_names
from . import py_data
from .errors import ExportError
from .names import comment_text
from .py_model import model_code
from .py_training import training_code


def _data_candidates(project, script_dir: Path | None) -> list[str]:
    """Where the script looks for the data file, in order: relative to the script's folder (so moving a
    folder that holds both keeps it working), the project's relative path, the absolute path."""
    stored = str(project.data.path)
    base = Path(project.base_dir) if project.base_dir is not None else Path.cwd()
    absolute = Path(os.path.abspath(base / Path(stored).expanduser()))
    out = []
    if script_dir is not None:
        here, project_dir = Path(script_dir).resolve(), base.resolve()
        data = absolute.resolve()
        # relative to the script when one folder holds both (the script's, or the project's)
        if data.is_relative_to(here) or (here.is_relative_to(project_dir) and data.is_relative_to(project_dir)):
            out.append(Path(os.path.relpath(data, here)).as_posix())
    if not Path(stored).is_absolute():
        out.append(Path(stored).as_posix())
    out.append(str(absolute))
    return list(dict.fromkeys(out))


def _data_code(project, dataset, script_dir: Path | None = None) -> tuple[str, list[str]]:
    """(functions, body of ``load_data``) for the project's source."""
    d = project.data
    targets = list(dataset.targets)
    infos = dataset.targets
    if d.source == "images":
        from .py_images import image_data_code
        funcs, body = image_data_code(d, dataset, _data_candidates(project, script_dir))
        return "\n\n\n".join(f.strip("\n") for f in funcs) + "\n\n\n", body
    funcs = [py_data.SPLIT]
    body: list[str] = []
    extra = bool(dataset.n_unlabeled) and project.training.pseudo_labels is not None
    if d.source in ("csv", "npz"):
        body.append(f"    path = find_file({', '.join(repr(c) for c in _data_candidates(project, script_dir))})")
        if d.source == "csv":
            funcs += [py_data.READ_CSV]
            body += _csv_lines(project, dataset, extra)
        else:
            funcs += [py_data.READ_NPZ, py_data.ENCODE]
            feature_idx = None
            if d.features:
                all_names = _npz_feature_names(project)
                feature_idx = [all_names.index(f) for f in d.features]
            body.append(f"    x, y = read_npz(path, {feature_idx!r})")
            t = targets[0]
            if infos[t].is_classification:
                conv = "y.astype(np.int64)" if _npz_has_classes(project) else "encode_classes(y)"
            else:
                conv = "y.astype(np.float32)"
            body.append(f"    ys = {{{t!r}: {conv}}}")
    else:
        from ..data.registry import entry_for
        entry = entry_for(d.source)
        params = entry.validate_params(d.params, "data.params")
        funcs.insert(0, py_data.generator_code(d.source))
        call = py_data.generator_call(d.source, params)
        defaults = entry.default_targets
        if py_data.returns_target_dict(d.source):
            body.append(f"    x, ys = {call}")
        else:
            body.append(f"    x, y = {call}")
            body.append(f"    ys = {{{defaults[0]!r}: y}}")
        if targets != list(defaults):
            body.append(f"    ys = {{name: ys[name] for name in {targets!r}}}")
        if d.features:
            all_names = _builtin_feature_names(project)
            body.append(f"    x = x[:, {[all_names.index(f) for f in d.features]!r}]  # the chosen features")
    strat = next((t for t in targets if infos[t].is_classification), None)
    ordered = bool(dataset.time_ordered)
    body.append(f"    train, val, test = split_indices(len(x), {d.val_fraction!r}, {d.test_fraction!r}, seed={d.seed!r}"
                + (f", stratify=ys[{strat!r}]" if strat and not ordered else "")
                + (", ordered=True" if ordered else "") + ")")
    from .py_smalldata import subset_lines
    sub_funcs, sub_body = subset_lines(project, dataset, strat)   # data.classes / data.per_class
    funcs += sub_funcs
    body += sub_body
    body.append("    xs = [x[idx].astype(np.float32) for idx in (train, val, test)]")
    if d.normalize:
        per_feature = len(dataset.input_shape) == 1
        if extra:   # the unlabelled rows are scaled with the training split's statistics too
            body.append("    *xs, x_unlabelled = normalize(xs + [x_unlabelled], per_feature=" + repr(per_feature) + ")")
        else:
            body.append("    xs = normalize(xs, per_feature=" + repr(per_feature) + ")")
        funcs.append(NORMALIZE)
    body.append("    ys = [{name: torch.from_numpy(np.ascontiguousarray(y[idx])) for name, y in ys.items()}"
                " for idx in (train, val, test)]")
    if extra:
        body.append("    xs = xs + [x_unlabelled]  # the fourth: rows without a label, for pseudo-labels")
    body.append("    return [torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32)) for part in xs], ys")
    return "\n\n\n".join(f.strip("\n") for f in funcs) + "\n\n\n", body


def _csv_lines(project, dataset, extra: bool) -> list[str]:
    """``load_data``'s lines that read a CSV table: rows, unlabelled rows, inputs and targets."""
    d, targets, infos = project.data, list(dataset.targets), dataset.targets
    body = ["    header, rows, delimiter = read_table(path)"]
    if dataset.n_unlabeled:   # an empty class cell: kept aside for pseudo-labels, else dropped
        inputs = [c.name for c in dataset.encoding.inputs]
        body.append(f"    rows, unlabelled = split_unlabelled(header, rows, {targets[0]!r}, {inputs!r})")
    if d.missing == "drop":
        names = [c.name for c in dataset.encoding.inputs] + targets
        body.append(f"    rows = complete_rows(header, rows, {names!r})  # data.missing: drop")
    body.append("    x = fill_and_order(table_inputs(header, rows, delimiter))")
    if extra:
        body.append("    x_unlabelled = fill_and_order(table_inputs(header, unlabelled, delimiter))")
    body.append("    ys = {")
    for t in targets:
        classes = list(infos[t].classes) if infos[t].is_classification else None
        body.append(f"        {t!r}: target_values(header, rows, {t!r}, {classes!r}, delimiter),")
    body.append("    }")
    return body


NORMALIZE = '''
def normalize(parts, per_feature=True):
    """Standardize with the training split's mean and std (per feature, or one value for images)."""
    x = parts[0].astype(np.float64)
    mean, std = (x.mean(axis=0), x.std(axis=0)) if per_feature else (np.asarray(x.mean()), np.asarray(x.std()))
    std = np.where(std < 1e-12, 1.0, std)  # a constant feature stays as it is
    mean, std = mean.astype(np.float32), std.astype(np.float32)
    return [((p - mean) / std).astype(np.float32) for p in parts]
'''


def _builtin_feature_names(project) -> list[str]:
    from ..data.registry import entry_for
    entry = entry_for(project.data.source)
    return entry.builder(entry.validate_params(project.data.params, "data.params"), False).feature_names


def _npz_arrays(project) -> dict:
    import numpy as np
    p = Path(project.data.path)
    if not p.is_absolute() and project.base_dir is not None:
        p = Path(project.base_dir) / p
    with np.load(p, allow_pickle=False) as f:
        return {k: f[k] for k in f.files if k in ("feature_names", "classes")}


def _npz_has_classes(project) -> bool:
    return "classes" in _npz_arrays(project)


def _npz_feature_names(project) -> list[str]:
    names = _npz_arrays(project).get("feature_names")
    return [str(v) for v in names.tolist()] if names is not None else []


FIND_FILE = """def find_file(*candidates):
    \"\"\"The first of `candidates` that exists: relative ones next to this script, then in the project's folder.\"\"\"
    here = Path(__file__).resolve().parent
    for name in candidates:
        for folder in (here, PROJECT_DIR):
            if (folder / name).exists():
                return folder / name
    return here / candidates[0]"""


def script_source(project, dataset=None, script_path: str | Path | None = None) -> str:
    """The script's text (``script_path``: where it will be written, so data paths can be relative to
    it). Raises :class:`ExportError` for a graph that does not check or a layer, loss or schedule the
    script cannot write."""
    if dataset is None:
        from ..data import load_dataset
        dataset = load_dataset(project.data, project.base_dir)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    if not check.ok:
        raise ExportError("the model does not check, so there is nothing to export yet:\n"
                          + str(GraphError([p for p in check.problems if p.severity == "error"])))
    if project.training.schedule.type not in SCHEDULES.names():
        raise ExportError(f"training.schedule: the py format cannot write the schedule {project.training.schedule.type!r}")
    if project.data.exclude:
        raise ExportError(f"data.exclude: the py script cannot leave out the {len(project.data.exclude)} excluded "
                          "training sample(s) yet, so it would train on data the app does not; export the "
                          "original project (without data.exclude), or export ONNX/weights of the trained model")
    net = model_code(check, list(project.model.edges), project.output_nodes())
    script_dir = Path(script_path).resolve().parent if script_path is not None else None
    data_funcs, load_body = _data_code(project, dataset, script_dir)
    from .preprocessing import describe
    prep_doc = describe(project, dataset).to_dict("py", Path(script_path).name if script_path else "", project.name)
    prep_doc.pop("model_file")
    heads = []
    for name, o in zip(head_names(project), project.outputs):
        tname = o.target or next(iter(dataset.targets))
        heads.append((name, o, tname, dataset.targets[tname]))
    train = training_code(project, heads, dataset)
    from .py_smalldata import augment_code, patch_training, transfer_code
    transfer, augment = transfer_code(project, check, net.attrs), augment_code(project)
    train = patch_training(train, bool(transfer), bool(augment), project)
    t = project.training
    digits = ""
    if project.data.source == "digits":
        bundled = resources_dir() / "data" / "digits.npz"
        digits = (f"\n# the 8x8 digits ship with LossLab; copy digits.npz next to this script to run it elsewhere\n"
                  f"DIGITS_FILE = find_file('digits.npz', {str(bundled)!r})\n")
    base = str(project.base_dir) if project.base_dir is not None else "."
    head = [
        "#!/usr/bin/env python3",
        f"# Project {comment_text(project.name)}, exported from LossLab {__version__} on "
        f"{_dt.date.today().isoformat()}.",
        "# A standalone PyTorch script: it rebuilds the data, the network and the training as LossLab runs them.",
        "# Run: python THIS_FILE [--epochs N] [--threads N] [--json] [--save-weights FILE]",
        "# With one thread (--threads 1) its first epoch's train loss is LossLab's, within floating-point noise.",
        "# Predict: python THIS_FILE --weights WEIGHTS.pt --predict RAW.csv (weights: LossLab's state_dict export)",
        "# takes raw samples (" + ("the table's own rows, columns by name" if prep_doc["raw_input"]["kind"] == "table"
                                  else "as the data set holds them") + ") and prints LossLab's predictions.",
        "import argparse", "import csv", "import io",
        "import json", "import math", "import os", "import sys", *(["import types"] if transfer else []),
        "from pathlib import Path", "",
        "import numpy as np", "import torch", "from torch import nn", "",
        f"SEED = {t.seed!r}", f"EPOCHS = {t.epochs!r}", f"BATCH_SIZE = {t.batch_size!r}",
        "# relative data paths start at this script's folder, then the project's folder",
        f"PROJECT_DIR = Path({base!r})",
        "# what LossLab does to a raw sample before the network sees it (the same document as the",
        "# .preprocessing.json written beside a pt2, onnx or state_dict export)",
        "PREPROCESSING = " + pprint.pformat(prep_doc, width=110, sort_dicts=False), "", "", FIND_FILE, "", "",
    ]
    parts = ["\n".join(head)]
    if digits:
        parts.append(digits + "\n\n")
    parts.append(("" if digits else "\n") + "# --- data " + "-" * 90 + "\n\n\n")
    parts.append(data_funcs)
    parts.append(py_data.PREDICT.strip("\n") + "\n\n\n")
    parts.append("def load_data():\n"
                 '    """[x_train, x_val, x_test], [y_train, y_val, y_test] (dicts by target), split and normalized\n'
                 '    as LossLab does it."""\n' + "\n".join(load_body) + "\n\n\n")
    parts.append("# --- network " + "-" * 87 + "\n\n")
    parts.append(net.source + "\n\n")
    parts.append(_load_weights_code(check, net.attrs) + "\n\n")
    for extra in (transfer, augment):   # small data: transfer and augmentation, as LossLab applies them
        if extra:
            parts.append(extra.strip("\n") + "\n\n\n")
    parts.append("# --- training " + "-" * 86 + "\n\n")
    parts.append(train)
    return "".join(parts)


def _load_weights_code(check, names: dict[str, str]) -> str:
    """``load_weights(model, path)`` for the script: LossLab's state_dict export loads as it is, and the
    weights of ``losslab train --save-model`` (keys ``layers.<node>...``) are renamed to ``Net``'s
    attributes first, as :func:`~core.export.py_model.state_dict_for_script` renames them; weights of
    another network are refused with what to run instead of a traceback."""
    from ..network import _key
    keys = {}
    for nid in check.order:
        if nid not in names:
            continue
        keys[f"layers.{_key(nid)}."] = f"{names[nid]}."
        wrapper = LAYERS.get(check.nodes[nid].type).wrapper_attr
        if wrapper:   # LossLab's wrapper module (recurrent, batch norm) adds one level
            keys[f"layers.{_key(nid)}.{wrapper}."] = f"{names[nid]}."
    return ("# the weights of `losslab train --save-model` name each layer after its node: these are Net's names\n"
            "LOSSLAB_KEYS = " + pprint.pformat(keys, width=110) + "\n\n\n"
            + LOAD_WEIGHTS)


LOAD_WEIGHTS = '''def load_weights(model, path):
    """Load a state dict: LossLab's state_dict export, or the file of `losslab train --save-model`."""
    state = torch.load(path, weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith("_losslab.")}  # older files: input statistics
    if any(k.startswith("layers.") for k in state):
        renamed = {}
        for k, v in state.items():
            old = max((o for o in LOSSLAB_KEYS if k.startswith(o)), key=len, default=None)
            renamed[LOSSLAB_KEYS[old] + k[len(old):] if old else k] = v
        state = renamed
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise SystemExit(f"{path}: these weights do not fit this network ({str(e).splitlines()[0]}); "
                         "export them from the project they were trained with: "
                         "losslab export PROJECT --format state_dict --model WEIGHTS --out FILE.pt")
'''


def export_py(project, path: str | Path, dataset=None) -> Path:
    """Write the script to ``path`` (atomically) and return it."""
    from ..project import write_atomic
    path = Path(path)
    write_atomic(path, script_source(project, dataset, path))
    return path
