"""The network of an exported script: an ``nn.Module`` with one named attribute per layer and a
``forward`` that follows the graph (branches and merges included).

Layers are created in LossLab's build order (the graph's topological order), so with the same seed
they draw the same initial weights. ``state_dict_for_script`` renames a LossLab model's weights to
the script's attribute names.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..catalog import LAYERS
from ..catalog.layer_code import LayerCode
from ..graph import GraphCheck, NodeInfo
from .errors import ExportError
from .names import comment_text, identifier


def layer_code(n: NodeInfo) -> LayerCode:
    """The script form of node ``n``, from its layer's catalog entry (see ``core/catalog/layer_code.py``)."""
    entry = LAYERS.find(n.type)
    code = entry.script_code(n) if entry is not None else None  # type: ignore[attr-defined]
    if code is None:
        raise ExportError(f"node {n.id!r} ({n.type}): the py format cannot write this layer as PyTorch code "
                          "(its catalog entry has no code and is not built by a TorchModule); replace it with "
                          "a catalog layer or export the model as pt2 or onnx", node=n.id)
    return code


@dataclass
class ModelCode:
    source: str                       # the class definition
    attrs: dict[str, str]             # node id -> attribute (or variable) name
    outputs: list[str]                # forward's return variables, one per head


def model_code(check: GraphCheck, edges: list[tuple[str, str]], output_nodes: list[str],
               class_name: str = "Net") -> ModelCode:
    """The ``nn.Module`` class of a checked graph."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    codes: dict[str, LayerCode] = {}
    for nid in check.order:
        info = check.nodes[nid]
        if LAYERS.get(info.type).is_input:
            names[nid] = "x"
            continue
        names[nid] = identifier(nid, taken)
        codes[nid] = layer_code(info)
    init, fwd = [], []
    for nid in check.order:
        info = check.nodes[nid]
        if LAYERS.get(info.type).is_input:
            continue
        c = codes[nid]
        shape = ", ".join(str(d) for d in info.out_shape or ()) + ("," if len(info.out_shape or ()) == 1 else "")
        note = f"node {comment_text(nid)}: {info.type}, output ({shape})" + (f"; {c.comment}" if c.comment else "")
        if c.init is not None:
            init.append(f"        self.{names[nid]} = {c.init}  # {note}")
        ins = [names[a] for a, b in edges if b == nid]
        fwd.append(f"        {names[nid]} = {c.forward(names[nid], ins)}" + ("" if c.init else f"  # {note}"))
    outs = [names[o] for o in output_nodes]
    ret = outs[0] if len(outs) == 1 else ", ".join(outs)
    lines = [f"class {class_name}(nn.Module):",
             '    """The network drawn in LossLab; forward returns '
             + ("the output head." if len(outs) == 1 else f"the {len(outs)} output heads in project order.") + '"""',
             "", "    def __init__(self):", "        super().__init__()", *(init or ["        pass"]), "",
             "    def forward(self, x):", *fwd, f"        return {ret}"]
    return ModelCode("\n".join(lines) + "\n", names, outs)


def state_dict_for_script(model, check: GraphCheck, names: dict[str, str]) -> dict:
    """A LossLab ``GraphNetwork``'s weights under the script's attribute names
    (``layers.fc1.weight`` -> ``fc1.weight``; the recurrent and batch-norm wrappers dropped)."""
    from ..network import _key
    out = {}
    by_key = {_key(nid): nid for nid in check.order}
    for k, v in model.state_dict().items():
        _, key, *rest = k.split(".")
        nid = by_key[key]
        wrapper = LAYERS.get(check.nodes[nid].type).wrapper_attr
        if wrapper and rest and rest[0] == wrapper:
            rest = rest[1:]
        out[".".join([names[nid], *rest])] = v.detach().clone()
    return out
