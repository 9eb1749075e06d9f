"""Everything a run needs, prepared once: device, tensors, model, heads with their losses."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import torch

from ..catalog import LOSSES, OPTIMIZERS
from ..graph import GraphCheck, GraphError, Problem as GraphProblem, check_graph
from ..network import GraphNetwork, build_model
from ..project import Project

@dataclass
class Head:
    name: str
    node: str
    target: str
    info: Any                    # TargetInfo
    loss_name: str
    loss_fn: Callable
    weight: float
    predict: Callable | None     # output -> class indices (classification targets)
    y_train: torch.Tensor        # adapted once for the loss
    y_val: torch.Tensor
    y_val_raw: torch.Tensor      # class indices / regression values, for the metrics


@dataclass
class RunSetup:
    project: Project
    dataset: Any
    device: torch.device
    model: GraphNetwork
    heads: list[Head]
    x_train: torch.Tensor
    x_val: torch.Tensor
    check: GraphCheck
    pseudo: Any = None           # core.training.pseudo_labels.PseudoLabeler with training.pseudo_labels
    val_outputs: list | None = None   # each head's output over x_val at the last evaluation (evaluate sets it)

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad)


def warm_up() -> None:
    """Build a throwaway optimizer: torch imports ``torch._dynamo`` on the first one (about a second),
    which would otherwise delay the first Run. The window calls this on a background thread."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def pick_device(name: str, where: str = "training.device") -> torch.device:
    """``auto`` takes CUDA when present, else CPU; an unknown or unavailable device is a clear error
    naming ``where`` the value came from (the project field or a command-line option)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not (name in ("cpu", "cuda", "mps") or re.fullmatch(r"cuda:\d+", name)):
        raise ValueError(f"{where} is {name!r}: expected \"auto\", \"cpu\", \"cuda\", \"cuda:N\" or \"mps\"")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"{where} is {name!r} but this machine has no CUDA GPU (or torch is a CPU-only "
                             "build): use \"auto\" or \"cpu\"")
        if ":" in name and int(name.split(":")[1]) >= torch.cuda.device_count():
            raise ValueError(f"{where} is {name!r} but this machine has {torch.cuda.device_count()} CUDA device(s): "
                             f"use cuda:0..cuda:{torch.cuda.device_count() - 1}")
    if name == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"{where} is \"mps\" but Apple's Metal backend is not available: use \"auto\" or \"cpu\"")
    return torch.device(name)


def available_devices() -> list[str]:
    out = ["auto", "cpu"]
    if torch.cuda.is_available():
        out += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
        out.append("mps")
    return out


def head_names(project: Project) -> list[str]:
    names, seen = [], set()
    for o in project.outputs:
        name = o.node if o.node not in seen else f"{o.node}:{o.target}"
        seen.add(o.node)
        names.append(name)
    return names


def prepare(project: Project, dataset=None, *, device: str | None = None, seed: int | None = None) -> RunSetup:
    """Load data (unless given), check and build the model (seeded), adapt targets, move to device."""
    if dataset is None:
        from ..data import load_dataset
        dataset = load_dataset(project.data, project.base_dir)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    from ..preflight import batchnorm_problems, class_weight_problems  # what torch would fail on mid-setup
    refused = [p for p in check.problems if p.severity == "error"] + class_weight_problems(project, dataset.targets)
    refused += batchnorm_problems(project, check, int(dataset.x_train.shape[0]))
    from ..data.augment import augment_problems   # a flip of a table row is refused, not skipped
    refused += [GraphProblem(m, None, w) for m, w in augment_problems(project.data.augment, tuple(dataset.input_shape))]
    if refused:
        raise GraphError(refused)
    dev = pick_device(device, "--device") if device else pick_device(project.training.device)
    torch.manual_seed(project.training.seed if seed is None else seed)
    model = build_model(project, dataset.input_shape, dataset.targets, check=check).to(dev)
    if any(n.init or n.frozen for n in project.model.nodes):   # transfer: weights from a run/file, freezing
        from .transfer import apply_transfer
        apply_transfer(project, model)
    heads = []
    target_names = list(dataset.targets)
    for name, o in zip(head_names(project), project.outputs):
        tname = o.target or target_names[0]
        info = dataset.targets[tname]
        entry = LOSSES.get(o.loss.type)
        params = entry.validate_params(o.loss.params, "outputs.loss.params")
        adapt = entry.adapt
        heads.append(Head(
            name=name, node=o.node, target=tname, info=info, loss_name=o.loss.type,
            loss_fn=_to_device(entry.builder(params), dev), weight=o.weight,
            predict=entry.predict if info.task == "classification" else None,
            y_train=adapt(dataset.y_train[tname], info).to(dev), y_val=adapt(dataset.y_val[tname], info).to(dev),
            y_val_raw=dataset.y_val[tname].to(dev)))
    setup = RunSetup(project, dataset, dev, model, heads, dataset.x_train.to(dev), dataset.x_val.to(dev), check)
    if project.training.pseudo_labels is not None:   # trains on the labelled rows; the trainer adds the rest
        from .pseudo_labels import attach_pseudo_labels
        attach_pseudo_labels(setup)
    return setup


def _to_device(loss_fn, dev):
    return loss_fn.to(dev) if isinstance(loss_fn, torch.nn.Module) else loss_fn


def make_optimizer(project: Project, model: torch.nn.Module) -> torch.optim.Optimizer:
    spec = project.training.optimizer
    entry = OPTIMIZERS.get(spec.type)
    params = entry.validate_params(spec.params, "training.optimizer.params")
    from .transfer import param_groups, scale_group_rates
    groups = param_groups(project, model)   # per-node lr_multiplier; frozen parameters left out
    if groups is None:
        return entry.builder(params, model.parameters())
    opt = entry.builder(params, groups)
    scale_group_rates(opt)
    return opt


def baseline_loss(setup: RunSetup) -> float | None:
    """Validation loss of a trivial predictor (class prior / train mean) for the first head."""
    if not setup.heads or setup.x_val.shape[0] == 0:
        return None
    h = setup.heads[0]
    n_val = setup.x_val.shape[0]
    entry = LOSSES.get(h.loss_name)
    with torch.inference_mode():
        if entry.fits == "regression":
            mean = h.y_train.float().mean(dim=0, keepdim=True)
            params = entry.validate_params(setup.project.outputs[0].loss.params, "outputs[0].loss.params")
            out = entry.from_mean(mean, params).expand(n_val, -1)
        else:
            counts = torch.bincount(setup.dataset.y_train[h.target].long(), minlength=h.info.width).float()
            prior = (counts + 1) / (counts.sum() + h.info.width)
            width = h.y_val.shape[1] if h.y_val.dim() == 2 else h.info.width
            if width == 1:
                p1 = prior[1] if prior.numel() > 1 else prior[0]
                out = torch.full((n_val, 1), entry.from_probability(float(p1)))
            else:
                out = prior.log().expand(n_val, -1)
            out = out.to(setup.device)
        value = float(h.loss_fn(out, h.y_val))
    return value if math.isfinite(value) else None


def majority_rate(setup: RunSetup) -> float | None:
    if not setup.heads or setup.heads[0].info.task != "classification" or setup.x_val.shape[0] == 0:
        return None
    y = setup.heads[0].y_val_raw.long()
    return float(torch.bincount(y).max()) / y.numel()
