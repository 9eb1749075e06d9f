"""The project document: data, model graph, output heads with losses, training settings.

Stored as ``*.losslab.json`` (format ``losslab-project``, version 1). ``Project.from_dict`` validates
everything and raises :class:`ProjectError` naming the JSON path and the value received.
"""
from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .catalog import LAYERS, LOSSES, OPTIMIZERS, SCHEDULES
from .catalog.params import Entry, Param, ParamError, Registry
from .log import get_logger

_log = get_logger(__name__)
from .project_json import JsonProblem, check_values, loads as _loads, short_repr as _q, shorten as _short
from .smalldata_spec import (SMALLDATA_DATA_KEYS, SMALLDATA_NODE_KEYS, data_smalldata_dict,  # noqa: E402
                             node_smalldata_dict, parse_data_smalldata, parse_node_smalldata)

FORMAT = "losslab-project"
VERSION = 1
SUFFIX = ".losslab.json"
TASKS = ("auto", "classification", "regression")

#: version -> function upgrading a document of that version to the next one (kept for version 2+).
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


class ProjectError(ParamError):
    """A project document was refused; ``where`` is the JSON path (e.g. ``model.nodes[2].params.p``)."""


from .project_specs import (Component, DataSpec, EarlyStopping, ModelSpec, NodeSpec,  # noqa: E402,F401
                            OutputSpec, PseudoLabels, TrainingSpec)


@dataclass
class Project:
    name: str = "untitled"
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    outputs: list[OutputSpec] = field(default_factory=list)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    view: dict[str, Any] | None = None
    #: folder that relative data paths are resolved against (not stored)
    base_dir: Path | None = field(default=None, compare=False, repr=False)

    # -- serialization -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "name": self.name, "data": data_dict(self.data),
            "model": {"nodes": [_node_dict(n) for n in self.model.nodes],
                      "edges": [[a, b] for a, b in self.model.edges]},
            "outputs": [_output_dict(o) for o in self.outputs],
            "training": training_dict(self.training),
        }
        if self.view is not None:
            out["view"] = copy.deepcopy(self.view)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, doc: Any, base_dir: str | os.PathLike | None = None) -> "Project":
        """Validate and build a project; raises :class:`ProjectError` naming the JSON path."""
        return _parse(doc, Path(base_dir) if base_dir is not None else None)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Project":
        from .data.safe_files import PROJECT_MAX_BYTES, SafeFileError, read_regular_bytes
        try:
            path = Path(path)
            data = read_regular_bytes(path, str(path), PROJECT_MAX_BYTES, what="a project file")
            text = data.decode("utf-8")
            doc = _loads(text, path.name)
        except FileNotFoundError:
            raise ProjectError(str(path), "no such file: check the path") from None
        except (SafeFileError, JsonProblem) as e:
            raise ProjectError(e.where, e.reason) from None
        except UnicodeDecodeError as e:
            line = data[:e.start].count(b"\n") + 1
            raise ProjectError(f"{path.name} line {line}", "the file is not UTF-8 text: this is not a LossLab "
                                                           "project, or it was damaged") from None
        except (OSError, ValueError) as e:
            raise ProjectError(str(path), f"cannot read the file ({e})") from None
        _log.debug("reading project %s (%d bytes)", path, len(data))
        return cls.from_dict(doc, path.resolve().parent)

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically: a temporary file in the same folder, then ``os.replace``. A data file in the
        project's folder or below it is stored relative to it (:mod:`core.project_paths`)."""
        from .project_paths import stored_data_path
        folder = Path(path).resolve().parent
        if isinstance(self.data.path, str) and self.data.path:
            self.data.path = stored_data_path(self.data.path, self.base_dir, folder)
        write_atomic(Path(path), self.to_json())
        self.base_dir = folder

    def copy(self) -> "Project":
        """A deep copy, sharing nothing with this project (a field-wise copy: no serialise and parse)."""
        m = self.model
        nodes = [_copy_node(n) for n in m.nodes]
        return Project(name=self.name, data=copy.deepcopy(self.data), model=ModelSpec(nodes, list(m.edges)),
                       outputs=copy.deepcopy(self.outputs), training=copy.deepcopy(self.training),
                       view=_copy_view(self.view), base_dir=self.base_dir)

    def output_nodes(self) -> list[str]:
        return [o.node for o in self.outputs]


def write_atomic(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, ``os.replace``; stale temporaries of killed saves are removed."""
    from .atomic_files import write_atomic as _write
    _write(Path(path), text.encode("utf-8"))


def _json_copy(v: Any) -> Any:
    """A copy of a JSON value (dicts, lists, scalars): what ``deepcopy`` does, without its bookkeeping."""
    if isinstance(v, dict):
        return {k: _json_copy(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_json_copy(x) for x in v)
    return v


def _copy_node(n: NodeSpec) -> NodeSpec:
    """A node whose containers are its own (every field copied: a field added later copies too)."""
    c = copy.copy(n)
    for f, v in vars(n).items():
        if isinstance(v, (dict, list)):
            setattr(c, f, _json_copy(v))
    return c


def _copy_view(view: dict[str, Any] | None) -> dict[str, Any] | None:
    """The view with its node positions copied as lists (what ``deepcopy`` would do, ten times faster)."""
    if view is None:
        return None
    nodes = view.get("nodes")
    rest = copy.deepcopy({k: v for k, v in view.items() if k != "nodes"})
    if isinstance(nodes, dict) and all(isinstance(v, list) for v in nodes.values()):
        return {**rest, "nodes": {k: list(v) for k, v in nodes.items()}} if "nodes" in view else rest
    return copy.deepcopy(view)


def data_dict(d: DataSpec) -> dict[str, Any]:
    """``project.data`` as its JSON object (``to_dict()["data"]``)."""
    data: dict[str, Any] = {"source": d.source, "params": copy.deepcopy(d.params)}
    if d.path is not None:
        data["path"] = d.path
    if d.target is not None:
        data["target"] = list(d.target) if isinstance(d.target, list) else d.target
    if d.features is not None:
        data["features"] = list(d.features)
    data.update(task=d.task, val_fraction=d.val_fraction, test_fraction=d.test_fraction, seed=d.seed,
                normalize=d.normalize)
    if d.missing != "mean":
        data["missing"] = d.missing
    if d.categories:
        data["categories"] = {k: list(v) for k, v in d.categories.items()}
    data.update(data_smalldata_dict(d))
    if d.exclude:
        data["exclude"] = list(d.exclude)
    return data


def training_dict(t: TrainingSpec) -> dict[str, Any]:
    """``project.training`` as its JSON object (``to_dict()["training"]``)."""
    out = {"optimizer": _component_dict(t.optimizer), "schedule": _component_dict(t.schedule),
           "epochs": t.epochs, "batch_size": t.batch_size, "seed": t.seed, "device": t.device,
           "l1": t.l1, "l2": t.l2, "grad_clip": t.grad_clip,
           "early_stopping": {"patience": t.early_stopping.patience, "min_delta": t.early_stopping.min_delta,
                              "restore_best": t.early_stopping.restore_best}}
    if t.pseudo_labels is not None:
        out["pseudo_labels"] = t.pseudo_labels.to_dict()
    return out


def _node_dict(n: NodeSpec) -> dict[str, Any]:
    d: dict[str, Any] = {"id": n.id, "type": n.type}
    if n.params:
        d["params"] = copy.deepcopy(n.params)
    d.update(node_smalldata_dict(n))
    return d


def _component_dict(c: Component) -> dict[str, Any]:
    return {"type": c.type, "params": copy.deepcopy(c.params)}


def _output_dict(o: OutputSpec) -> dict[str, Any]:
    d: dict[str, Any] = {"node": o.node}
    if o.target is not None:
        d["target"] = o.target
    d.update(loss=_component_dict(o.loss), weight=o.weight)
    return d


# -- validation ------------------------------------------------------------------------------------
def _fail(where: str, msg: str) -> None:
    raise ProjectError(where, msg)


def _names(ids, limit: int = 20) -> str:
    """Node ids for a message: sorted, the first ``limit`` only (a 100,000-node graph is not listed)."""
    ids = sorted(ids)
    shown = ", ".join(_short(i, 40).strip('"') for i in ids[:limit])
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def _obj(v: Any, where: str, keys: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(v, dict):
        _fail(where, f"expected an object, received {_short(v)}")
    for k in v:
        if k not in keys:
            _fail(f"{where}.{k}", f"unknown key {k!r}; allowed here: {', '.join(keys)}")
    for k in required:
        if k not in v:
            _fail(f"{where}.{k}", f"missing; add \"{k}\"")
    return v


def _val(v: Any, where: str, param: Param) -> Any:
    try:
        return param.validate(v, where)
    except ParamError as e:
        raise ProjectError(e.where, e.reason) from None


def _component(v: Any, where: str, registry: Registry) -> Component:
    v = _obj(v, where, ("type", "params"), ("type",))
    try:
        entry: Entry = registry.get(v["type"], f"{where}.type")
        params = _given_params(entry, v.get("params", {}), f"{where}.params")
    except ParamError as e:
        raise ProjectError(e.where, e.reason) from None
    return Component(v["type"], params)


def _given_params(entry: Entry, params: Any, where: str) -> dict[str, Any]:
    """Validate only the stored keys (defaults are not written back, so files stay as authored)."""
    if not isinstance(params, dict):
        _fail(where, f"expected an object of parameters, received {_short(params)}")
    full = entry.validate_params(params, where)
    return {k: full[k] for k in params}


def _parse(doc: Any, base_dir: Path | None) -> Project:
    if not isinstance(doc, dict):
        _fail("$", "a project file holds one JSON object")
    try:
        check_values(doc)
    except JsonProblem as e:
        raise ProjectError(e.where, e.reason) from None
    if doc.get("format") != FORMAT:
        _fail("format", f"expected \"{FORMAT}\", received {_short(doc.get('format'))}: this is not a LossLab project")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        _fail("version", f"expected a positive integer, received {_short(version)}")
    if version > VERSION:
        _fail("version", f"the file is format version {version} but this LossLab reads up to version {VERSION}: "
                         "update LossLab to open it")
    while version < VERSION:
        doc = MIGRATIONS[version](copy.deepcopy(doc))
        version += 1
    _obj(doc, "$", ("format", "version", "name", "data", "model", "outputs", "training", "view"),
         ("data", "model", "outputs"))
    name = doc.get("name", "untitled")
    if not isinstance(name, str):
        _fail("name", f"expected text, received {_short(name)}")
    model = _parse_model(doc["model"])
    outputs = _parse_outputs(doc["outputs"], model)
    view = doc.get("view")
    if view is not None and not isinstance(view, dict):
        _fail("view", "expected an object")
    return Project(name=name, data=_parse_data(doc["data"]), model=model, outputs=outputs,
                   training=_parse_training(doc.get("training", {})), view=view, base_dir=base_dir)


_P = {
    "val_fraction": Param("val_fraction", "float", 0.2, min=0.0, max=0.9),
    "test_fraction": Param("test_fraction", "float", 0.0, min=0.0, max=0.9),
    "seed": Param("seed", "int", 0, min=0, max=2**32 - 1),
    "normalize": Param("normalize", "bool", True),
    "task": Param("task", "choice", "auto", choices=TASKS),
    "missing": Param("missing", "choice", "mean", choices=("mean", "most_frequent", "drop")),
    "epochs": Param("epochs", "int", 100, min=1, max=1_000_000),
    "batch_size": Param("batch_size", "int", 32, min=1, max=1 << 24),
    "l1": Param("l1", "float", 0.0, min=0.0, max=100.0),
    "l2": Param("l2", "float", 0.0, min=0.0, max=100.0),
    "grad_clip": Param("grad_clip", "float", 0.0, min=0.0, max=1e6),
    "patience": Param("patience", "int", 0, min=0, max=1_000_000),
    "min_delta": Param("min_delta", "float", 0.0, min=0.0, max=1e6),
    "restore_best": Param("restore_best", "bool", True),
    "weight": Param("weight", "float", 1.0, min=0.0, max=1e6),
}


def _parse_data(v: Any) -> DataSpec:
    w = "data"
    v = _obj(v, w, ("source", "params", "path", "target", "features", "task", "val_fraction", "test_fraction",
                    "seed", "normalize", "missing", "categories", "exclude", *SMALLDATA_DATA_KEYS), ("source",))
    source = v["source"]
    from .data import DATASETS  # the data package registers the built-in sources
    from .data.registry import params_entry
    known = ["csv", "npz", "images", *DATASETS.names()]
    if not isinstance(source, str) or source not in known:
        _fail(f"{w}.source", f"unknown data source {_short(source)}; choose one of: {', '.join(known)}")
    params = v.get("params", {})
    if params_entry(source) is not None:
        try:
            params = _given_params(params_entry(source), params, f"{w}.params")
        except ParamError as e:
            raise ProjectError(e.where, e.reason) from None
    elif not isinstance(params, dict):
        _fail(f"{w}.params", "expected an object")
    path = v.get("path")
    if source in ("csv", "npz", "images") and not isinstance(path, str):
        what = "the folder" if source == "images" else "the file"
        _fail(f"{w}.path", f"a {source} source needs \"path\": {what}, relative to the project file")
    if path is not None and not isinstance(path, str):
        _fail(f"{w}.path", f"expected text, received {_short(path)}")
    target = v.get("target")
    if target is not None and not (isinstance(target, str) or (
            isinstance(target, list) and target and all(isinstance(t, str) for t in target))):
        _fail(f"{w}.target", f"expected a column name or a list of names, received {_short(target)}")
    features = v.get("features")
    if features is not None and not (isinstance(features, list) and all(isinstance(f, str) for f in features)):
        _fail(f"{w}.features", f"expected a list of column names, received {_short(features)}")
    spec = DataSpec(source=source, params=params, path=path, target=target, features=features,
                    task=_val(v.get("task", "auto"), f"{w}.task", _P["task"]),
                    val_fraction=_val(v.get("val_fraction", 0.2), f"{w}.val_fraction", _P["val_fraction"]),
                    test_fraction=_val(v.get("test_fraction", 0.0), f"{w}.test_fraction", _P["test_fraction"]),
                    seed=_val(v.get("seed", 0), f"{w}.seed", _P["seed"]),
                    normalize=_val(v.get("normalize", True), f"{w}.normalize", _P["normalize"]),
                    missing=_val(v.get("missing", "mean"), f"{w}.missing", _P["missing"]),
                    categories=_parse_categories(v.get("categories", {}), f"{w}.categories"))
    try:
        parse_data_smalldata(v, spec, w)
    except ParamError as e:
        raise ProjectError(e.where, e.reason) from None
    from .data.exclude import check_exclude
    from .data.errors import DataError
    try:
        spec.exclude = check_exclude(v.get("exclude"), f"{w}.exclude")
    except DataError as e:
        raise ProjectError(e.where, e.reason) from None
    if spec.val_fraction + spec.test_fraction >= 0.95:
        _fail(f"{w}.val_fraction", f"val_fraction + test_fraction is {spec.val_fraction + spec.test_fraction:g}: "
                                   "leave at least 5% of the data for training")
    return spec


def _parse_categories(v: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(v, dict):
        _fail(where, "expected an object: column name -> list of its categories")
    for k, cats in v.items():
        if not (isinstance(cats, list) and all(isinstance(c, str) for c in cats)):
            _fail(f"{where}.{k}", "expected a list of category names (text); [] takes them from the training file")
        if len(set(cats)) != len(cats):
            _fail(f"{where}.{k}", "names a category more than once; list each once")
    return {k: list(c) for k, c in v.items()}


def _parse_model(v: Any) -> ModelSpec:
    v = _obj(v, "model", ("nodes", "edges"), ("nodes",))
    nodes_v = v["nodes"]
    if not isinstance(nodes_v, list):
        _fail("model.nodes", "expected a list of nodes")
    nodes: list[NodeSpec] = []
    seen: set[str] = set()
    for i, n in enumerate(nodes_v):
        nodes.append(parse_node(n, f"model.nodes[{i}]", seen))
    edges_v = v.get("edges", [])
    if not isinstance(edges_v, list):
        _fail("model.edges", "expected a list of [from, to] pairs")
    edges: list[tuple[str, str]] = []
    seen_edges: set[tuple[str, str]] = set()
    for i, e in enumerate(edges_v):
        w = f"model.edges[{i}]"
        if not (isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)):
            _fail(w, f"expected [\"from_id\", \"to_id\"], received {_short(e)}")
        for x in e:
            if x not in seen:
                _fail(w, f"edge refers to unknown node {_q(x)}; nodes are: {_names(seen)}")
        if (e[0], e[1]) in seen_edges:
            _fail(w, f"duplicate edge {_short(e)}")
        seen_edges.add((e[0], e[1]))
        edges.append((e[0], e[1]))
    return ModelSpec(nodes, edges)


def parse_node(n: Any, w: str, seen: set[str]) -> NodeSpec:
    """One node of ``model.nodes`` (at JSON path ``w``); its id is added to ``seen`` (ids so far)."""
    n = _obj(n, w, ("id", "type", "params", *SMALLDATA_NODE_KEYS), ("id", "type"))
    nid = n["id"]
    if not isinstance(nid, str) or not nid.strip():
        _fail(f"{w}.id", f"expected a non-empty name, received {_short(nid)}")
    if nid in seen:
        _fail(f"{w}.id", f"duplicate node id {_q(nid)}: give each node its own id")
    seen.add(nid)
    try:
        entry = LAYERS.get(n["type"], f"{w}.type")
        node = NodeSpec(nid, n["type"], _given_params(entry, n.get("params", {}), f"{w}.params"))
        parse_node_smalldata(n, node, w)
    except ParamError as e:
        raise ProjectError(e.where, e.reason) from None
    return node


def _parse_outputs(v: Any, model: ModelSpec) -> list[OutputSpec]:
    if not isinstance(v, list):
        _fail("outputs", "expected a list of output heads")
    ids = set(model.ids())
    out: list[OutputSpec] = []
    for i, o in enumerate(v):
        w = f"outputs[{i}]"
        o = _obj(o, w, ("node", "target", "loss", "weight"), ("node", "loss"))
        if not isinstance(o["node"], str):
            _fail(f"{w}.node", f"expected a node id (text), received {_short(o['node'])}")
        if o["node"] not in ids:
            _fail(f"{w}.node", f"no node {_short(o['node'])} in the model; nodes are: {_names(ids)}")
        target = o.get("target")
        if target is not None and not isinstance(target, str):
            _fail(f"{w}.target", f"expected a target column name, received {_short(target)}")
        out.append(OutputSpec(node=o["node"], loss=_component(o["loss"], f"{w}.loss", LOSSES), target=target,
                              weight=_val(o.get("weight", 1.0), f"{w}.weight", _P["weight"])))
    return out


def _parse_training(v: Any) -> TrainingSpec:
    w = "training"
    v = _obj(v, w, ("optimizer", "schedule", "epochs", "batch_size", "seed", "device", "l1", "l2", "grad_clip",
                    "early_stopping", "pseudo_labels"))
    t = TrainingSpec()
    if "pseudo_labels" in v:
        t.pseudo_labels = _parse_pseudo_labels(v["pseudo_labels"], f"{w}.pseudo_labels")
    if "optimizer" in v:
        t.optimizer = _component(v["optimizer"], f"{w}.optimizer", OPTIMIZERS)
    if "schedule" in v:
        t.schedule = _component(v["schedule"], f"{w}.schedule", SCHEDULES)
    for key in ("epochs", "batch_size", "seed", "l1", "l2", "grad_clip"):
        if key in v:
            setattr(t, key, _val(v[key], f"{w}.{key}", _P[key]))
    device = v.get("device", "auto")
    if not isinstance(device, str) or not (device in ("auto", "cpu", "cuda", "mps") or re.fullmatch(r"cuda:\d+", device)):
        _fail(f"{w}.device", f"expected \"auto\", \"cpu\", \"cuda\" or \"cuda:N\", received {_short(device)}")
    t.device = device
    if "early_stopping" in v:
        es = _obj(v["early_stopping"], f"{w}.early_stopping", ("patience", "min_delta", "restore_best"))
        t.early_stopping = EarlyStopping(
            patience=_val(es.get("patience", 0), f"{w}.early_stopping.patience", _P["patience"]),
            min_delta=_val(es.get("min_delta", 0.0), f"{w}.early_stopping.min_delta", _P["min_delta"]),
            restore_best=_val(es.get("restore_best", True), f"{w}.early_stopping.restore_best", _P["restore_best"]))
    return t


def _parse_pseudo_labels(v: Any, w: str) -> PseudoLabels:
    v = _obj(v, w, ("threshold", "rounds", "label_fraction"))
    out = PseudoLabels()
    for key, kind, lo, hi in (("threshold", float, 0.5, 1.0), ("rounds", int, 0, 100), ("label_fraction", float, 0.0, 1.0)):
        if key not in v:
            continue
        x = v[key]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or (kind is int and not float(x).is_integer()):
            _fail(f"{w}.{key}", f"expected {'a whole number' if kind is int else 'a number'}, received {_short(x)}")
        if not (lo < x <= hi if key == "label_fraction" else lo <= x <= hi):
            rng = "0 < x <= 1" if key == "label_fraction" else f"{lo:g} to {hi:g}"
            _fail(f"{w}.{key}", f"expected {rng}, received {_short(x)}")
        setattr(out, key, kind(x))
    return out
