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

from ..catalog import LAYERS, LOSSES, OPTIMIZERS

#: every activation layer of the catalog (its record says so)
ACTIVATIONS = tuple(e.name for e in LAYERS if e.category == "Activation")

#: activations that shape outputs rather than hidden units: never swapped by the ``activation`` knob
OUTPUT_ACTIVATIONS = ("Softmax", "LogSoftmax")
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
    apply: Callable[[dict, Any], None]     # changes a project document in place
    choices: tuple = ()
    log: bool = False                      # a numeric knob best drawn on a log axis

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


def _choice(name: str, names: list[str]):
    def parse(v: Any) -> str:
        for n in names:
            if isinstance(v, str) and v.strip().lower() == n.lower():
                return n
        raise KnobError(f"{name}={v!r}: unknown; choose one of {', '.join(names)}")
    return parse


def _regularization(v: Any) -> str:
    s = str(v).strip().lower()
    m = re.fullmatch(r"(none|l1|l2)(?::([0-9.eE+-]+))?", s)
    if not m:
        raise KnobError(f"regularization={v!r}: expected none, l1 or l2 (optionally l1:STRENGTH)")
    if m.group(2) is not None:
        _number("regularization strength", float, 0.0)(m.group(2))
    return s


# -- graph helpers -----------------------------------------------------------------------------------
def _outputs(doc: dict) -> set[str]:
    return {o["node"] for o in doc["outputs"]}


def _hidden_activations(doc: dict) -> list[dict]:
    outs = _outputs(doc)
    return [n for n in doc["model"]["nodes"]
            if n["type"] in ACTIVATIONS and n["type"] not in OUTPUT_ACTIVATIONS and n["id"] not in outs]


def _successors(doc: dict, nid: str) -> list[str]:
    return [b for a, b in doc["model"]["edges"] if a == nid]


def _fresh_id(doc: dict, base: str) -> str:
    ids = {n["id"] for n in doc["model"]["nodes"]}
    k, nid = 2, base
    while nid in ids:
        nid, k = f"{base}{k}", k + 1
    return nid


def _insert(doc: dict, after: str, node: dict) -> None:
    """Put ``node`` between ``after`` and all of its successors."""
    succ = _successors(doc, after)
    edges = [[a, b] for a, b in doc["model"]["edges"] if a != after]
    edges.append([after, node["id"]])
    edges.extend([node["id"], b] for b in succ)
    doc["model"]["edges"] = edges
    nodes = doc["model"]["nodes"]
    nodes.insert(next(i for i, n in enumerate(nodes) if n["id"] == after) + 1, node)


def _apply_activation(doc: dict, value: str) -> None:
    acts = _hidden_activations(doc)
    if not acts:
        raise KnobError("activation: the model has no hidden activation layer to change")
    for n in acts:
        n["type"] = value
        n.pop("params", None)


def _apply_dropout(doc: dict, p: float) -> None:
    drops = [n for n in doc["model"]["nodes"] if n["type"] == "Dropout"]
    if drops:
        for n in drops:
            n["params"] = {"p": p}
        return
    acts = _hidden_activations(doc)
    if not acts:
        raise KnobError("dropout: the model has no Dropout and no hidden activation to put one after")
    for a in acts:
        _insert(doc, a["id"], {"id": _fresh_id(doc, f"{a['id']}_dropout"), "type": "Dropout", "params": {"p": p}})


def hidden_blocks(doc: dict) -> list[list[str]]:
    """The chain's hidden blocks: a Linear (not an output) and the activation/Dropout/norm nodes after it."""
    nodes = {n["id"]: n for n in doc["model"]["nodes"]}
    outs = _outputs(doc)
    start = [n["id"] for n in doc["model"]["nodes"] if n["type"] == "Input"]
    if len(start) != 1:
        raise KnobError("depth: needs a model with one Input")
    chain, nid = [], start[0]
    while True:
        succ = _successors(doc, nid)
        if len(succ) > 1 or sum(1 for a, b in doc["model"]["edges"] if b == nid) > 1:
            raise KnobError(f"depth: works on a plain chain of layers; node {nid!r} branches or merges")
        chain.append(nid)
        if not succ:
            break
        nid = succ[0]
    blocks: list[list[str]] = []
    for nid in chain:
        t = nodes[nid]["type"]
        if t == "Linear" and nid not in outs:
            blocks.append([nid])
        elif blocks and nid not in outs and t in (*ACTIVATIONS, "Dropout", "BatchNorm", "LayerNorm") \
                and blocks[-1][-1] == chain[chain.index(nid) - 1]:
            blocks[-1].append(nid)
    return blocks


def _apply_depth(doc: dict, depth: int) -> None:
    blocks = hidden_blocks(doc)
    if not blocks:
        raise KnobError("depth: the model has no hidden Linear block (Linear + activation) to repeat")
    nodes = {n["id"]: n for n in doc["model"]["nodes"]}
    while len(blocks) > depth:
        last = blocks.pop()
        before = [a for a, b in doc["model"]["edges"] if b == last[0]][0]
        after = _successors(doc, last[-1])
        doc["model"]["edges"] = [[a, b] for a, b in doc["model"]["edges"] if a not in last and b not in last]
        doc["model"]["edges"].extend([before, b] for b in after)
        doc["model"]["nodes"] = [n for n in doc["model"]["nodes"] if n["id"] not in last]
    while len(blocks) < depth:
        tail = blocks[-1][-1]
        new = []
        for nid in blocks[-1]:
            copy_ = copy.deepcopy(nodes[nid])
            copy_["id"] = _fresh_id(doc, re.sub(r"\d+$", "", nid) + str(len(blocks) + 1))
            _insert(doc, new[-1] if new else tail, copy_)
            nodes[copy_["id"]] = copy_
            new.append(copy_["id"])
        blocks.append(new)


def _apply_width(doc: dict, factor: float) -> None:
    outs = _outputs(doc)
    hidden = [n for n in doc["model"]["nodes"] if n["id"] not in outs and n["type"] in ("Linear", "Conv1d", "Conv2d")]
    if not hidden:
        raise KnobError("width: the model has no hidden Linear or convolution layer to scale")
    for n in hidden:
        key = "out_features" if n["type"] == "Linear" else "out_channels"
        p = n.setdefault("params", {})
        default = LAYERS.get(n["type"]).validate_params({}, "").get(key) if key not in p else p[key]
        p[key] = max(1, int(round(default * factor)))


def _apply_optimizer(doc: dict, name: str) -> None:
    opt = doc["training"]["optimizer"]
    lr = opt.get("params", {}).get("lr")
    keep = {p.name for p in OPTIMIZERS.get(name).params}
    doc["training"]["optimizer"] = {"type": name, "params": {"lr": lr} if lr is not None and "lr" in keep else {}}


def _apply_loss(doc: dict, name: str) -> None:
    for o in doc["outputs"]:
        o["loss"] = {"type": name, "params": {}}


def _apply_regularization(doc: dict, value: str) -> None:
    kind, _, strength = value.partition(":")
    s = float(strength) if strength else REGULARIZATION_STRENGTH
    doc["training"]["l1"] = s if kind == "l1" else 0.0
    doc["training"]["l2"] = s if kind == "l2" else 0.0


def _set_training(key: str):
    def apply(doc: dict, v) -> None:
        doc["training"][key] = v
    return apply


def _set_lr(doc: dict, v: float) -> None:
    doc["training"]["optimizer"].setdefault("params", {})["lr"] = v


def _nothing(doc: dict, v) -> None:
    """data_size acts on the data set, not the project."""


_HIDDEN_ACTS = [a for a in ACTIVATIONS if a not in OUTPUT_ACTIVATIONS]

KNOBS: dict[str, Knob] = {k.name: k for k in (
    Knob("data_size", "training data (share of the split)", "fraction", (0.01, 0.1, 1.0), _fraction, _nothing, log=True),
    Knob("activation", "hidden activation", "choice", ("Sigmoid", "ReLU", "Tanh"), _choice("activation", _HIDDEN_ACTS),
         _apply_activation, tuple(_HIDDEN_ACTS)),
    Knob("lr", "learning rate", "float", (0.001, 0.01, 0.1), _number("lr", float, 0.0, 10.0, lo_open=True), _set_lr,
         log=True),
    Knob("optimizer", "optimizer", "choice", ("Adam", "SGD", "RMSprop"), _choice("optimizer", OPTIMIZERS.names()),
         _apply_optimizer, tuple(OPTIMIZERS.names())),
    Knob("l1", "L1 penalty", "float", (0.0, 1e-4, 1e-3), _number("l1", float, 0.0, 100.0), _set_training("l1")),
    Knob("l2", "L2 penalty", "float", (0.0, 1e-4, 1e-3), _number("l2", float, 0.0, 100.0), _set_training("l2")),
    Knob("regularization", "regularization", "choice", ("l1", "l2"), _regularization, _apply_regularization,
         ("none", "l1", "l2")),
    Knob("dropout", "dropout rate", "float", (0.2, 0.5, 0.8), _number("dropout", float, 0.0, 0.95), _apply_dropout),
    Knob("depth", "hidden layers", "int", (1, 2, 3), _number("depth", int, 1, 64), _apply_depth),
    Knob("width", "width (x hidden sizes)", "float", (0.5, 1.0, 2.0), _number("width", float, 0.0, 64.0, lo_open=True),
         _apply_width, log=True),
    Knob("batch_size", "batch size", "int", (16, 32, 64), _number("batch_size", int, 1, 1 << 24), _set_training("batch_size"),
         log=True),
    Knob("epochs", "epochs", "int", (10, 50, 100), _number("epochs", int, 1, 1_000_000), _set_training("epochs")),
    Knob("loss", "loss", "choice", ("CrossEntropyLoss", "MultiMarginLoss"), _choice("loss", LOSSES.names()), _apply_loss,
         tuple(LOSSES.names())),
)}

_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)+")


def knob(name: str) -> Knob:
    """The knob called ``name``: a named one or a JSON path; :class:`KnobError` for anything else."""
    if name in KNOBS:
        return KNOBS[name]
    if _PATH.fullmatch(name):
        return Knob(name, name, "json", (), _json_value, _json_setter(name))
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
    """A copy of the project document with every knob of ``setting`` applied."""
    out = copy.deepcopy(doc)
    # named knobs first: a JSON path (optimizer momentum) refines what a named knob (optimizer) set
    for name, value in sorted(setting.items(), key=lambda kv: kv[0] not in KNOBS):
        knob(name).apply(out, value)
    return out

# small data (transfer on/off, augmentation): defined in their own module, registered here
from .smalldata_knobs import smalldata_knobs as _smalldata_knobs  # noqa: E402



def _as_knob_error(parse):
    def checked(v):
        try:
            return parse(v)
        except KnobError:
            raise
        except ValueError as e:
            raise KnobError(str(e)) from None
    return checked


KNOBS.update({s["name"]: Knob(**{**s, "parse": _as_knob_error(s["parse"])}) for s in _smalldata_knobs()})
