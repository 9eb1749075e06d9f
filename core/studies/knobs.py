"""The knobs a study can turn: each parses a value a person typed and applies it to a project document.

Named knobs (``lr``, ``activation``, ``depth`` ...) know what they mean in a graph; anything else with a
dot is a JSON path into the project (``training.optimizer.params.weight_decay``). ``data_size`` does not
change the project: the trial keeps that share of the training split (stratified).
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from .. import graph_edits
from ..catalog import LAYERS, LOSSES, OPTIMIZERS
from ..project import Component, Project

def _is_output_activation(entry) -> bool:
    """An activation that shapes outputs (probabilities, log-probabilities) rather than hidden units."""
    return entry.traits.computes in ("softmax", "log_softmax")


def hidden_activation_types() -> list[str]:
    """Every activation layer of the catalog now (entries registered later included) except those
    that shape outputs: the ``activation`` knob's choices."""
    return [e.name for e in LAYERS if e.traits.activation and not _is_output_activation(e)]  # type: ignore[attr-defined]


#: the layer the dropout knob inserts: the catalog's stochastic layer
DROPOUT = next(e.name for e in LAYERS if e.traits.stochastic)  # type: ignore[attr-defined]
REGULARIZATION_STRENGTH = 1e-3


class KnobError(ValueError):
    """A knob name or value was refused; the message says which and what is allowed."""


@dataclass(frozen=True)
class Knob:
    name: str
    label: str
    kind: str                              # float | int | fraction | choice | json
    defaults: tuple
    parse: Callable[[Any], Any]
    apply: Callable[[Any, Any], None]      # changes a Project in place (a JSON path: the document dict)
    options: Callable[[], list[str]] | None = None   # a choice knob's names, read from the catalog when asked
    log: bool = False                      # a numeric knob best drawn on a log axis

    @property
    def choices(self) -> tuple:
        """The values a choice knob accepts (the catalog's names at the time of asking)."""
        return tuple(self.options()) if self.options is not None else ()

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int", "fraction")


# -- parsing ---------------------------------------------------------------------------------------
def _number(name: str, cast, lo: float, hi: float | None = None, lo_open: bool = False):
    def parse(v: Any):
        if isinstance(v, bool):
            raise KnobError(f"{name}={v!r}: expected a number")
        try:
            x = cast(v.strip() if isinstance(v, str) else v)
            if cast is int and isinstance(v, float) and not v.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            kind = "a whole number" if cast is int else "a number"
            raise KnobError(f"{name}={v!r}: expected {kind}") from None
        if (x <= lo if lo_open else x < lo) or (hi is not None and x > hi):
            rng = f"{'>' if lo_open else '>='} {lo:g}" + (f" and <= {hi:g}" if hi is not None else "")
            raise KnobError(f"{name}={v!r}: expected a value {rng}")
        return x
    return parse


def _fraction(v: Any) -> float:
    s = v.strip() if isinstance(v, str) else v
    pct = isinstance(s, str) and s.endswith("%")
    x = _number("data_size", float, 0.0, None, lo_open=True)(s[:-1] if pct else s)
    x = x / 100 if pct else x
    if x > 1:
        raise KnobError(f"data_size={v!r}: expected a share of the training split, 0 < x <= 1 (or 1% ... 100%)")
    return x


def _choice(name: str, names: Callable[[], list[str]]):
    def parse(v: Any) -> str:
        for n in names():
            if isinstance(v, str) and v.strip().lower() == n.lower():
                return n
        raise KnobError(f"{name}={v!r}: unknown; choose one of {', '.join(names())}")
    return parse


def _regularization(v: Any) -> str:
    s = str(v).strip().lower()
    m = re.fullmatch(r"(none|l1|l2)(?::([0-9.eE+-]+))?", s)
    if not m:
        raise KnobError(f"regularization={v!r}: expected none, l1 or l2 (optionally l1:STRENGTH)")
    if m.group(2) is not None:
        _number("regularization strength", float, 0.0)(m.group(2))
    return s


# -- graph edits, through core.graph_edits (the editor's own API); layers are picked by their traits --------
def _hidden_activations(project: Project) -> list[str]:
    outs, hidden = set(project.output_nodes()), set(hidden_activation_types())
    return [n.id for n in project.model.nodes if n.type in hidden and n.id not in outs]


def _apply_activation(project: Project, value: str) -> None:
    acts = _hidden_activations(project)
    if not acts:
        raise KnobError("activation: the model has no hidden activation layer to change")
    for nid in acts:
        graph_edits.set_node(project, nid, value, {})


def _apply_dropout(project: Project, p: float) -> None:
    drops = [n.id for n in project.model.nodes if LAYERS.get(n.type).traits.stochastic]
    if drops:
        for nid in drops:
            graph_edits.set_node(project, nid, params={"p": p})
        return
    acts = _hidden_activations(project)
    if not acts:
        raise KnobError("dropout: the model has no Dropout and no hidden activation to put one after")
    for a in acts:
        graph_edits.add_node(project, graph_edits.unique_id(project, DROPOUT), DROPOUT, {"p": p}, after=a)


def _in_block(entry) -> bool:
    """A layer that belongs to the dense layer before it: activation, dropout, normalization."""
    t = entry.traits
    return t.activation or t.stochastic or t.normalizes


def hidden_blocks(project: Project | dict) -> list[list[str]]:
    """The chain's hidden blocks: a dense layer (``linear_map``, not an output) and the activation,
    Dropout and normalization nodes right after it."""
    if isinstance(project, dict):
        project = Project.from_dict(project)
    outs = set(project.output_nodes())
    start = [n.id for n in project.model.nodes if LAYERS.get(n.type).is_input]
    if len(start) != 1:
        raise KnobError("depth: needs a model with one Input")
    chain, nid = [], start[0]
    while True:
        succ = project.model.successors(nid)
        if len(succ) > 1 or len(project.model.predecessors(nid)) > 1:
            raise KnobError(f"depth: works on a plain chain of layers; node {nid!r} branches or merges")
        chain.append(nid)
        if not succ:
            break
        nid = succ[0]
    blocks: list[list[str]] = []
    for i, nid in enumerate(chain):
        entry = LAYERS.get(project.model.node(nid).type)
        if entry.traits.linear_map and nid not in outs:
            blocks.append([nid])
        elif blocks and nid not in outs and _in_block(entry) and blocks[-1][-1] == chain[i - 1]:
            blocks[-1].append(nid)
    return blocks


def _apply_depth(project: Project, depth: int) -> None:
    blocks = hidden_blocks(project)
    if not blocks:
        raise KnobError("depth: the model has no hidden Linear block (Linear + activation) to repeat")
    while len(blocks) > depth:
        graph_edits.remove_nodes(project, blocks.pop())  # each bridged: the chain closes over the gap
    while len(blocks) < depth:
        after, new = blocks[-1][-1], []
        for nid in blocks[-1]:
            spec = project.model.node(nid)
            copy_id = graph_edits.unique_id(project, spec.type)
            graph_edits.add_node(project, copy_id, spec.type, copy.deepcopy(spec.params), after=after)
            after = copy_id
            new.append(copy_id)
        blocks.append(new)


def _apply_width(project: Project, factor: float) -> None:
    outs = set(project.output_nodes())
    hidden = [n for n in project.model.nodes if n.id not in outs and LAYERS.get(n.type).width_param]
    if not hidden:
        raise KnobError("width: the model has no hidden layer with a width (units or channels) to scale")
    for n in hidden:
        entry = LAYERS.get(n.type)
        key = entry.width_param
        width = n.params[key] if key in n.params else entry.validate_params({}, "").get(key)
        graph_edits.set_node(project, n.id, params={**n.params, key: max(1, int(round(width * factor)))})


def _apply_optimizer(project: Project, name: str) -> None:
    lr = project.training.optimizer.params.get("lr")
    keep = {p.name for p in OPTIMIZERS.get(name).params}
    project.training.optimizer = Component(name, {"lr": lr} if lr is not None and "lr" in keep else {})


def _apply_loss(project: Project, name: str) -> None:
    for o in project.outputs:
        o.loss = Component(name, {})


def _apply_regularization(project: Project, value: str) -> None:
    kind, _, strength = value.partition(":")
    s = float(strength) if strength else REGULARIZATION_STRENGTH
    project.training.l1 = s if kind == "l1" else 0.0
    project.training.l2 = s if kind == "l2" else 0.0


def _set_training(key: str):
    def apply(project: Project, v) -> None:
        setattr(project.training, key, v)
    return apply


def _set_lr(project: Project, v: float) -> None:
    project.training.optimizer.params["lr"] = v


def _nothing(project: Project, v) -> None:
    """data_size acts on the data set, not the project."""


KNOBS: dict[str, Knob] = {k.name: k for k in (
    Knob("data_size", "training data (share of the split)", "fraction", (0.01, 0.1, 1.0), _fraction, _nothing, log=True),
    Knob("activation", "hidden activation", "choice", ("Sigmoid", "ReLU", "Tanh"), _choice("activation", hidden_activation_types),
         _apply_activation, options=hidden_activation_types),
    Knob("lr", "learning rate", "float", (0.001, 0.01, 0.1), _number("lr", float, 0.0, 10.0, lo_open=True), _set_lr,
         log=True),
    Knob("optimizer", "optimizer", "choice", ("Adam", "SGD", "RMSprop"), _choice("optimizer", OPTIMIZERS.names),
         _apply_optimizer, options=OPTIMIZERS.names),
    Knob("l1", "L1 penalty", "float", (0.0, 1e-4, 1e-3), _number("l1", float, 0.0, 100.0), _set_training("l1")),
    Knob("l2", "L2 penalty", "float", (0.0, 1e-4, 1e-3), _number("l2", float, 0.0, 100.0), _set_training("l2")),
    Knob("regularization", "regularization", "choice", ("l1", "l2"), _regularization, _apply_regularization,
         options=lambda: ["none", "l1", "l2"]),
    Knob("dropout", "dropout rate", "float", (0.2, 0.5, 0.8), _number("dropout", float, 0.0, 0.95), _apply_dropout),
    Knob("depth", "hidden layers", "int", (1, 2, 3), _number("depth", int, 1, 64), _apply_depth),
    Knob("width", "width (x hidden sizes)", "float", (0.5, 1.0, 2.0), _number("width", float, 0.0, 64.0, lo_open=True),
         _apply_width, log=True),
    Knob("batch_size", "batch size", "int", (16, 32, 64), _number("batch_size", int, 1, 1 << 24), _set_training("batch_size"),
         log=True),
    Knob("epochs", "epochs", "int", (10, 50, 100), _number("epochs", int, 1, 1_000_000), _set_training("epochs")),
    Knob("loss", "loss", "choice", ("CrossEntropyLoss", "MultiMarginLoss"), _choice("loss", LOSSES.names), _apply_loss,
         options=LOSSES.names),
)}

_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)+")


def knob(name: str) -> Knob:
    """The knob called ``name``: a named one or a JSON path; :class:`KnobError` for anything else."""
    if name in KNOBS:
        return KNOBS[name]
    if _PATH.fullmatch(name):
        return Knob(name, name, "json", (), _json_value, _json_setter(name))  # kind "json": applies to the dict
    close = [k for k in KNOBS if k.startswith(name[:2])] if name else []
    raise KnobError(f"unknown knob {name!r}: use one of {', '.join(KNOBS)}, or a JSON path into the project such as "
                    "training.optimizer.params.weight_decay" + (f" (did you mean {close[0]}?)" if close else ""))


def _json_value(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    try:
        return json.loads(v)
    except json.JSONDecodeError:
        return v.strip()


def _json_setter(path: str):
    parts = [(m.group(1), int(m.group(2)) if m.group(2) else None)
             for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?", path)]

    def apply(doc: dict, v) -> None:
        node: Any = doc
        walked = []
        for i, (key, index) in enumerate(parts):
            last = i == len(parts) - 1 and index is None
            walked.append(key + (f"[{index}]" if index is not None else ""))
            if not isinstance(node, dict):
                raise KnobError(f"{path}: {'.'.join(walked[:-1])} is not an object")
            if last:
                node[key] = v
                return
            if key not in node:
                if index is not None:
                    raise KnobError(f"{path}: the project has no {'.'.join(walked)}")
                node[key] = {}
            node = node[key]
            if index is not None:
                if not isinstance(node, list) or index >= len(node):
                    raise KnobError(f"{path}: the project has no {'.'.join(walked)}")
                node = node[index]
                if i == len(parts) - 1:
                    raise KnobError(f"{path}: ends at a list element; name a field inside it")
    return apply


def parse_vary(text: str) -> tuple[Knob, list[Any]]:
    """``KNOB=V1,V2,...`` -> the knob and its parsed values (duplicates refused)."""
    name, eq, values = text.partition("=")
    if not eq or not values.strip():
        raise KnobError(f"--vary {text!r}: expected KNOB=V1,V2,... (e.g. lr=0.001,0.01,0.1)")
    k = knob(name.strip())
    parsed = [k.parse(v.strip()) for v in values.split(",") if v.strip() != ""]
    if len(parsed) < 1:
        raise KnobError(f"--vary {text!r}: give at least one value")
    if len({json.dumps(v) for v in parsed}) != len(parsed):
        raise KnobError(f"--vary {text!r}: a value is listed twice")
    return k, parsed


def apply_setting(doc: dict, setting: dict[str, Any]) -> dict:
    """A copy of the project document with every knob of ``setting`` applied.

    Named knobs edit a :class:`Project` through :mod:`core.graph_edits`; JSON paths then refine the
    document (an optimizer's momentum after the optimizer knob set the optimizer)."""
    named = {k: v for k, v in setting.items() if k in KNOBS}
    out = copy.deepcopy(doc)
    if named:
        project = Project.from_dict(out)
        for name, value in named.items():
            KNOBS[name].apply(project, value)
        out = project.to_dict()
    for name, value in setting.items():
        if name not in KNOBS:
            knob(name).apply(out, value)
    return out

# small data (transfer on/off, augmentation): defined in their own module, registered here
from .smalldata_knobs import smalldata_knobs as _smalldata_knobs  # noqa: E402



def _as_knob_error(fn):
    """``fn`` raising KnobError for a ValueError (the small-data knobs, which cannot import this module)."""
    def checked(*args):
        try:
            return fn(*args)
        except KnobError:
            raise
        except ValueError as e:
            raise KnobError(str(e)) from None
    return checked


KNOBS.update({s["name"]: Knob(**{**s, "parse": _as_knob_error(s["parse"]), "apply": _as_knob_error(s["apply"])})
              for s in _smalldata_knobs()})
