"""What ``losslab check`` verifies beyond the graph, so that a project it accepts trains (or ends with a
clean status) instead of failing inside torch: class weights that fit the classes, a model that fits
in memory, BatchNorm with more than one training sample.

:func:`preflight` returns :class:`~core.graph.Problem` records like the graph check; ``check`` lists
them and ``train`` refuses to start on any of them (exit 2), so both commands agree.
"""
from __future__ import annotations

import math
from typing import Any

from .catalog import OPTIMIZERS
from .graph import GraphCheck, Problem

#: a class weight above this is refused (a loss scaled by 1e308 overflows float32 at the first step)
MAX_CLASS_WEIGHT = 1e6
#: share of the available memory a run may plan to use
MEMORY_SHARE = 0.8
BYTES = 4  # float32


def _gb(n: float) -> str:
    return f"{n / 2**30:,.1f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"


def class_weight_problems(project, targets: dict[str, Any]) -> list[Problem]:
    """Each ``weight`` list of a classification loss: one finite, non-negative weight per class, not all 0."""
    problems = []
    names = list(targets)
    for i, o in enumerate(project.outputs):
        weights = o.loss.params.get("weight")
        if not weights:
            continue
        where = f"outputs[{i}].loss.params.weight"
        tname = o.target if o.target is not None else (names[0] if names else None)
        info = targets.get(tname)
        if info is not None and info.task == "classification" and len(weights) != info.width:
            problems.append(Problem(f"output {o.node}: {o.loss.type} has {len(weights)} class weights but target "
                                    f"{tname!r} has {info.width} classes: give one weight per class, in class order",
                                    o.node, where))
        bad = next((w for w in weights if not math.isfinite(w) or w < 0 or w > MAX_CLASS_WEIGHT), None)
        if bad is not None:
            problems.append(Problem(f"output {o.node}: class weight {bad:g} is out of range: each weight must be "
                                    f"between 0 and {MAX_CLASS_WEIGHT:g}", o.node, where))
        elif not any(w > 0 for w in weights):
            problems.append(Problem(f"output {o.node}: every class weight is 0, so the loss is always 0 (or NaN) "
                                    "and nothing is learned: give at least one class a positive weight",
                                    o.node, where))
    return problems


def memory_estimate(project, check: GraphCheck, n_train: int) -> int:
    """Bytes a run needs beyond the data: weights, gradients, optimizer state and the best-epoch copy
    (4 bytes each per parameter), plus forward and backward activations of one batch."""
    n_params = check.total_params
    states = OPTIMIZERS.get(project.training.optimizer.type).state_per_param
    params_bytes = n_params * BYTES * (3 + states)
    per_sample = sum(math.prod(n.out_shape) for n in check.nodes.values() if n.out_shape)
    batch = max(1, min(project.training.batch_size, n_train))
    return params_bytes + 2 * batch * per_sample * BYTES


def memory_problems(project, check: GraphCheck, n_train: int, available: int | None) -> list[Problem]:
    if not available:
        return []
    need = memory_estimate(project, check, n_train)
    if need <= MEMORY_SHARE * available:
        return []
    biggest = max(check.nodes.values(), key=lambda n: n.n_params, default=None)
    hint = (f"the largest layer is {biggest.id} ({biggest.type}, {biggest.n_params:,} parameters): make it smaller"
            if biggest is not None and biggest.n_params else "use a smaller batch_size or smaller layers")
    return [Problem(f"the model needs about {_gb(need)} to train ({check.total_params:,} parameters, "
                    f"batch {project.training.batch_size}) but this machine has {_gb(available)} of memory "
                    f"available: {hint}", biggest.id if biggest is not None else None, "model")]


def batchnorm_problems(project, check: GraphCheck, n_train: int) -> list[Problem]:
    """BatchNorm needs two samples per training batch; the trainer drops a last batch of one sample, so only
    a training split of one sample (or batch_size 1) is refused."""
    from .catalog import LAYERS
    bns = [n for n in check.nodes.values() if n.type in LAYERS and LAYERS.get(n.type).traits.batch_statistics]
    if not bns:
        return []
    if n_train < 2 or project.training.batch_size < 2:
        what = (f"the training split has {n_train} sample" if n_train < 2
                else "training.batch_size is 1")
        return [Problem(f"node {bns[0].id} ({bns[0].type}) needs at least 2 samples per batch but {what}: "
                        "raise batch_size (and the data size), or remove the BatchNorm",
                        bns[0].id, "training.batch_size" if n_train >= 2 else "data")]
    return []


def preflight(project, check: GraphCheck, dataset, available: int | None = None) -> list[Problem]:
    """Problems that would make ``train`` fail although the graph checks clean (errors only)."""
    if available is None:
        from .data.safe_files import available_memory
        available = available_memory()
    n_train = int(dataset.x_train.shape[0])
    problems = class_weight_problems(project, dataset.targets)
    problems += batchnorm_problems(project, check, n_train)
    if check.ok:
        problems += memory_problems(project, check, n_train, available)
    return problems
