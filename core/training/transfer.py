"""Transfer from an earlier network: initial weights per node, freezing, per-node learning rates.

A node's ``init`` names where its weights come from: ``{"run": RUN_ID}`` (a run in the run store, its
final weights) or ``{"file": PATH}`` (a state dict: ``losslab train --save-model``, a run's
``final.pt``/``best.pt``, or a dict keyed ``NODE.weight``), with ``"node"`` the source node
(default: the same id). Every tensor's shape is checked; a mismatch names the node and both shapes.

``frozen`` nodes get ``requires_grad=False``, stay out of the optimizer, and stay in eval mode
whatever ``model.train()`` says: ``requires_grad=False`` alone still moves BatchNorm's running
statistics (and keeps a frozen node's dropout on). ``lr_multiplier`` gives a node its own optimizer
param group at the base rate times the factor; each group keeps ``lr_multiplier`` so that a rate set
later (a schedule, a rate typed in mid-run) keeps the ratios.
"""
from __future__ import annotations

import os
import types
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from ..graph import GraphError, Problem
from .source_inputs import compare_inputs, layer_weights, read_inputs

__all__ = ["input_warnings", "apply_transfer", "transfer_problems", "smalldata_problems", "freeze", "param_groups", "load_source",
           "node_module", "source_tensors", "register_run_store", "run_weights_path", "TransferError"]


class TransferError(ValueError):
    """A source run or file could not be read; ``where`` is the node's ``init`` path."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{reason}  [{where}]")
        self.where, self.reason = where, reason


def _key(node_id: str) -> str:
    return node_id.replace(".", "_")   # GraphNetwork's ModuleDict key


def node_module(model: nn.Module, node_id: str) -> nn.Module | None:
    layers = getattr(model, "layers", None)
    return layers[_key(node_id)] if layers is not None and _key(node_id) in layers else None


def _where(project, node_id: str, key: str = "init") -> str:
    return f"model.nodes[{project.model.ids().index(node_id)}].{key}"


def load_source(init: dict[str, str], base_dir: Path | None, where: str, store_dir: str | os.PathLike | None = None,
                cache: dict | None = None) -> dict[str, torch.Tensor]:
    """The state dict that ``init`` names, loaded with ``weights_only=True`` (cached per source)."""
    cache = {} if cache is None else cache
    ident = ("run", init["run"]) if "run" in init else ("file", init["file"])
    if ident in cache:
        return cache[ident]
    if "run" in init:
        try:
            path = run_weights_path(init["run"], store_dir)
            state = torch.load(path, map_location="cpu", weights_only=True)
        except KeyError as e:
            raise TransferError(f"{where}.run", str(e).strip('"')) from None
        except (FileNotFoundError, OSError) as e:
            raise TransferError(f"{where}.run", f"{e}: train that run again, or point init at a weights file") from None
    else:
        from ..data.safe_files import resolve_path
        path = resolve_path(init["file"], base_dir)
        if not path.is_file():
            raise TransferError(f"{where}.file", f"no weights file {path}: check the path (relative paths start at "
                                                 "the project's folder)")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable file is a message, never a traceback
            raise TransferError(f"{where}.file", f"{path.name} is not a readable state dict ({type(e).__name__}: "
                                                 f"{str(e).splitlines()[0][:200]})") from None
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise TransferError(f"{where}.file", f"{path.name} holds no state dict (names -> tensors): save one "
                                                 "with `losslab train --save-model FILE`")
    cache[ident] = state
    return state


#: run id (or prefix), store folder or None -> the run's final weights file. The run store sits above
#: training in the layers (it records training), so it is looked up at run time, not imported:
#: ``core.runs.run_weights_file`` unless a caller registers another (:func:`register_run_store`).
_RUN_WEIGHTS: Callable[[str, Any], Path] | None = None


def register_run_store(find: Callable[[str, Any], Path]) -> None:
    """Use ``find(run, store_dir)`` to turn a run id into its weights file."""
    global _RUN_WEIGHTS
    _RUN_WEIGHTS = find


def run_weights_path(run: str, store_dir=None) -> Path:
    """The final weights file of stored run ``run`` (``KeyError``/``FileNotFoundError`` with a message)."""
    if _RUN_WEIGHTS is None:
        import importlib
        register_run_store(importlib.import_module("core.runs").run_weights_file)
    return _RUN_WEIGHTS(run, store_dir)


def smalldata_problems(project, check, dataset) -> list[Problem]:
    """Transfer sources that cannot be read or do not fit (node, both shapes), everything frozen, and
    augmentations the data cannot take (a flip of a table row): what ``check`` and ``train`` refuse."""
    from ..data.augment import augment_problems
    from ..network import build_model
    problems = [Problem(m, None, w) for m, w in augment_problems(project.data.augment, tuple(dataset.input_shape))]
    if any(n.init or n.frozen or n.lr_multiplier != 1.0 for n in project.model.nodes):
        torch.manual_seed(0)   # a throwaway model, only for its tensor shapes
        problems += transfer_problems(project, build_model(project, dataset.input_shape, dataset.targets, check=check))
    return problems


def source_tensors(state: dict[str, torch.Tensor], source_node: str, own=()) -> dict[str, torch.Tensor]:
    """The tensors of ``source_node`` in ``state``, keyed as in the node's own module (``weight``, ...,
    or as in ``own``, the target module's keys, where LossLab wraps the torch module and the file holds
    File ▸ Export ▸ state_dict's unwrapped names: ``weight_ih_l0`` for ``rnn.weight_ih_l0``)."""
    for prefix in (f"layers.{_key(source_node)}.", f"{source_node}.", f"{_key(source_node)}."):
        found = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if found:
            wrappers = {k.split(".", 1)[0] for k in own if "." in k}
            if len(wrappers) == 1 and not set(own) <= set(found):
                wrapped = {f"{next(iter(wrappers))}.{k}": v for k, v in found.items()}
                found = wrapped if set(own) <= set(wrapped) else found
            return found
    return {}


def _source_nodes(state: dict) -> list[str]:
    return sorted({k.split(".")[1] if k.startswith("layers.") else k.split(".")[0] for k in layer_weights(state)})


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def _node_problems(project, model, node, state, where: str) -> list[Problem]:
    src = node.init.get("node", node.id)
    what = f"run {node.init['run']}" if "run" in node.init else Path(node.init["file"]).name
    mod = node_module(model, node.id)
    own = mod.state_dict() if mod is not None else {}
    if not own:
        return [Problem(f"node {node.id} ({node.type}) has no weights to take from {what}: remove its init",
                        node.id, where)]
    theirs = source_tensors(state, src, own)
    if not theirs:
        have = _source_nodes(state)
        return [Problem(f"node {node.id}: {what} has no node {src!r} with weights; its nodes are: "
                        f"{', '.join(have[:20]) or 'none'} (set init.node to one of them)", node.id, f"{where}.node")]
    missing = sorted(set(own) - set(theirs))
    if missing:
        return [Problem(f"node {node.id}: source node {src!r} of {what} has no {', '.join(missing)} (it has "
                        f"{', '.join(sorted(theirs))}): it is a different kind of layer", node.id, where)]
    for k in own:
        if tuple(own[k].shape) != tuple(theirs[k].shape):
            return [Problem(f"node {node.id}: {k} is {_shape(theirs[k])} in {what}'s node {src!r} but "
                            f"{_shape(own[k])} here: give the node the source's size, or take another node",
                            node.id, where)]
    return []


def transfer_problems(project, model: nn.Module, store_dir=None, cache: dict | None = None) -> list[Problem]:
    """Every init that cannot be applied and every frozen/multiplier setting that cannot work, as problems."""
    problems: list[Problem] = []
    cache = {} if cache is None else cache
    for node in project.model.nodes:
        if not node.init:
            continue
        where = _where(project, node.id)
        try:
            state = load_source(node.init, project.base_dir, where, store_dir, cache)
        except TransferError as e:
            problems.append(Problem(f"node {node.id}: {e.reason}", node.id, e.where))
            continue
        problems += _node_problems(project, model, node, state, where)
    with_weights = [n for n in project.model.nodes if (m := node_module(model, n.id)) is not None
                    and any(True for _ in m.parameters())]
    if with_weights and all(n.frozen or n.lr_multiplier == 0 for n in with_weights):
        problems.append(Problem("every node with weights is frozen (or has lr_multiplier 0), so training would "
                                "change nothing: unfreeze at least one node, for example the output layer",
                                with_weights[-1].id, _where(project, with_weights[-1].id, "frozen")))
    return problems


def apply_transfer(project, model: nn.Module, store_dir=None) -> None:
    """Load each node's ``init`` weights into ``model`` and freeze the frozen nodes; raises
    :class:`core.graph.GraphError` with every problem (node, path, both shapes) instead."""
    cache: dict = {}
    problems = transfer_problems(project, model, store_dir, cache)
    if problems:
        raise GraphError(problems)
    for node in project.model.nodes:
        if node.init:
            state = load_source(node.init, project.base_dir, _where(project, node.id), store_dir, cache)
            mod = node_module(model, node.id)
            theirs = source_tensors(state, node.init.get("node", node.id), mod.state_dict())
            dev = next(iter(mod.state_dict().values())).device
            mod.load_state_dict({k: v.to(dev) for k, v in theirs.items()})
    freeze(project, model)


def _eval_only(self: nn.Module, mode: bool = True) -> nn.Module:
    return nn.Module.train(self, False)


def freeze(project, model: nn.Module) -> list[str]:
    """``requires_grad=False`` on the frozen nodes' parameters and eval mode kept for good (BatchNorm's
    running statistics stay put); returns the frozen node ids."""
    frozen = []
    for node in project.model.nodes:
        mod = node_module(model, node.id)
        if not node.frozen or mod is None:
            continue
        for p in mod.parameters():
            p.requires_grad_(False)
        for m in mod.modules():   # model.train() reaches every submodule through its own train()
            m.train = types.MethodType(_eval_only, m)
            nn.Module.train(m, False)
        frozen.append(node.id)
    return frozen


def param_groups(project, model: nn.Module) -> list[dict[str, Any]] | None:
    """Optimizer param groups: one per distinct ``lr_multiplier`` (with the key ``lr_multiplier`` kept in
    the group), frozen parameters left out. None when every trainable node learns at the base rate (the
    plain parameter list then keeps the optimizer exactly as before)."""
    mult: dict[int, float] = {}
    for node in project.model.nodes:
        mod = node_module(model, node.id)
        if mod is not None and node.lr_multiplier != 1.0:
            for p in mod.parameters():
                mult[id(p)] = node.lr_multiplier
    frozen_any = any(n.frozen for n in project.model.nodes)
    if not mult and not frozen_any:
        return None
    groups: dict[float, list] = {}
    for p in model.parameters():
        if p.requires_grad:
            groups.setdefault(mult.get(id(p), 1.0), []).append(p)
    return [{"params": ps, "lr_multiplier": m} for m, ps in sorted(groups.items(), key=lambda kv: kv[0] != 1.0)]


def scale_group_rates(optimizer: torch.optim.Optimizer, base_lr: float | None = None) -> None:
    """Set each group's rate to the base rate (default: the group's own) times its ``lr_multiplier``."""
    for g in optimizer.param_groups:
        lr = g["lr"] if base_lr is None else base_lr
        g["lr"] = lr * g.get("lr_multiplier", 1.0)


def input_warnings(project, dataset, store_dir=None) -> list[tuple[str, str]]:
    """(message, JSON path) per weights file whose inputs differ from this project's, naming its nodes.
    Files that cannot be read are left to the transfer check, which refuses them."""
    by_file: dict[str, list] = {}
    for n in project.model.nodes:
        if n.init and "file" in n.init:
            by_file.setdefault(n.init["file"], []).append(n)
    out = []
    for path, nodes in by_file.items():
        try:
            state = load_source(nodes[0].init, project.base_dir, _where(project, nodes[0].id), store_dir)
        except TransferError:
            continue
        source = read_inputs(state)
        why = compare_inputs(source, dataset, project.data.normalize) if source is not None else None
        if why:
            ids = ", ".join(n.id for n in nodes)
            out.append((f"node{'s' if len(nodes) > 1 else ''} {ids} take{'' if len(nodes) > 1 else 's'} weights "
                        f"from {Path(path).name}, but {why}. The transferred layers would see numbers unlike the "
                        "ones they learned on: give this project the source's columns and scaling, or let those "
                        "layers learn again (unfreeze them, raise their learning rate)", _where(project, nodes[0].id)))
    return out
