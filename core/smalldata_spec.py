"""The small-data settings of a project file, read and written: kept apart from :mod:`core.project` so
that module stays about the document as a whole.

On a node (``model.nodes[i]``)::

    "init": {"run": RUN_ID} | {"file": PATH_TO_STATE_DICT}, optional "node": SOURCE_NODE_ID (default: same id)
    "frozen": true | false
    "lr_multiplier": FLOAT

Under ``data``::

    "classes": ["0", "1", ...]     keep these classes of the first classification target (in this order)
    "per_class": N                 at most N training rows of each class (validation and test keep all)
    "augment": {NAME: STRENGTH}    see :data:`core.data.augment.AUGMENTATIONS`

Each bad value raises :class:`core.catalog.params.ParamError` naming its JSON path (the project turns it
into a ``ProjectError``).
"""
from __future__ import annotations

from typing import Any

from .catalog.params import Param, ParamError

SMALLDATA_NODE_KEYS = ("init", "frozen", "lr_multiplier")
SMALLDATA_DATA_KEYS = ("classes", "per_class", "augment")
INIT_KEYS = ("run", "file", "node")

LR_MULTIPLIER = Param("lr_multiplier", "float", 1.0, min=0.0, max=1000.0,
                      help="This node learns at the optimizer's rate times this factor (new layers: 10).")
FROZEN = Param("frozen", "bool", False, help="No gradient, not in the optimizer, BatchNorm statistics held.")
PER_CLASS = Param("per_class", "int", 0, min=1, max=10_000_000,
                  help="At most this many training rows of each class (validation and test keep all).")


def _fail(where: str, reason: str) -> None:
    raise ParamError(where, reason)


def _val(value: Any, where: str, param: Param) -> Any:
    return param.validate(value, where)


def parse_init(v: Any, where: str) -> dict[str, str] | None:
    """A node's ``init`` object: exactly one of ``run``/``file`` (text), optional ``node`` (text)."""
    if v is None:
        return None
    if not isinstance(v, dict):
        _fail(where, 'expected {"run": RUN_ID} or {"file": PATH}, optionally with "node": SOURCE_NODE_ID')
    for k in v:
        if k not in INIT_KEYS:
            _fail(f"{where}.{k}", f"unknown key {k!r}; allowed here: {', '.join(INIT_KEYS)}")
    sources = [k for k in ("run", "file") if k in v]
    if len(sources) != 1:
        _fail(where, 'give exactly one of "run" (a stored run\'s id) or "file" (a state dict file)')
    for k in v:
        if not isinstance(v[k], str) or not v[k].strip():
            _fail(f"{where}.{k}", f"expected non-empty text, received {v[k]!r}")
    return dict(v)


def parse_node_smalldata(n: dict, node, where: str) -> None:
    """Set ``node``'s init/frozen/lr_multiplier from the node object ``n`` at JSON path ``where``."""
    if "init" not in n and "frozen" not in n and "lr_multiplier" not in n:
        return   # most nodes: the dataclass defaults hold (every edit parses every node: keep it cheap)
    node.init = parse_init(n.get("init"), f"{where}.init")
    node.frozen = _val(n.get("frozen", False), f"{where}.frozen", FROZEN)
    node.lr_multiplier = _val(n.get("lr_multiplier", 1.0), f"{where}.lr_multiplier", LR_MULTIPLIER)


def node_smalldata_dict(node) -> dict[str, Any]:
    """The keys a node writes (only those that differ from the defaults, so files stay as authored)."""
    out: dict[str, Any] = {}
    if node.init:
        out["init"] = dict(node.init)
    if node.frozen:
        out["frozen"] = True
    if node.lr_multiplier != 1.0:
        out["lr_multiplier"] = node.lr_multiplier
    return out


def parse_data_smalldata(v: dict, spec, where: str) -> None:
    """Set ``spec``'s classes/per_class/augment from the data object ``v``."""
    classes = v.get("classes")
    if classes is not None:
        if not (isinstance(classes, list) and classes and all(isinstance(c, (str, int)) and not isinstance(c, bool)
                                                              for c in classes)):
            _fail(f"{where}.classes", f"expected a list of class names, received {classes!r}")
        classes = [str(c) for c in classes]
        if len(set(classes)) != len(classes):
            _fail(f"{where}.classes", "names a class more than once; list each once")
        if len(classes) < 2:
            _fail(f"{where}.classes", "keep at least two classes: one class leaves nothing to tell apart")
    spec.classes = classes
    per_class = v.get("per_class")
    spec.per_class = None if per_class is None else _val(per_class, f"{where}.per_class", PER_CLASS)
    from .data.augment import parse_augment
    spec.augment = parse_augment(v.get("augment", {}), f"{where}.augment")


def data_smalldata_dict(spec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.classes is not None:
        out["classes"] = list(spec.classes)
    if spec.per_class is not None:
        out["per_class"] = spec.per_class
    if spec.augment:
        out["augment"] = dict(spec.augment)
    return out


def describe_smalldata(project) -> list[str]:
    """One line per small-data setting, for ``losslab check`` (empty when there is none)."""
    lines = []
    for n in project.model.nodes:
        parts = []
        if n.init:
            src = f"run {n.init['run']}" if "run" in n.init else f"file {n.init['file']}"
            parts.append(f"weights from {src}, node {n.init.get('node', n.id)}")
        if n.frozen:
            parts.append("frozen (no gradient, BatchNorm statistics held)")
        if n.lr_multiplier != 1.0:
            parts.append(f"learning rate x{n.lr_multiplier:g}")
        if parts:
            lines.append(f"node {n.id}: " + "; ".join(parts))
    d = project.data
    if d.classes is not None or d.per_class is not None:
        kept = f"classes {', '.join(d.classes)}" if d.classes is not None else "every class"
        lines.append(f"data: {kept}" + (f", at most {d.per_class} training rows each" if d.per_class else ""))
    if d.augment:
        lines.append("augment (training batches only): " + ", ".join(f"{k} {v}" for k, v in d.augment.items()))
    return lines
