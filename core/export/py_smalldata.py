"""The small-data settings in the exported py script: class subsets, transfer (weights, frozen nodes,
per-node learning rates) and augmentation of training batches, written as LossLab applies them."""
from __future__ import annotations

import inspect
import pprint

from ..network import _key

SUBSET = '''
def subset_by_class(labels, splits, kept, per_class, seed):
    """data.classes / data.per_class: rows of the kept classes (relabelled 0..k-1 in that order) in every
    split, at most `per_class` training rows of each (the same seeded choice as LossLab's)."""
    remap = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    out = [idx[remap[labels[idx]] >= 0] for idx in splits]
    if per_class is not None:
        rng = np.random.default_rng([int(seed), 0xC1A55])
        lab = remap[labels[out[0]]]
        pick = [rng.permutation(np.flatnonzero(lab == c))[:per_class] for c in np.unique(lab)]
        out[0] = out[0][np.sort(np.concatenate(pick))]
    return out, remap
'''

TRANSFER = '''
def _eval_only(self, mode=True):
    return nn.Module.train(self, False)


def apply_transfer(model):
    """Each TRANSFER node takes its source node's tensors; FROZEN nodes get no gradient and stay in eval
    mode (BatchNorm's running statistics do not move)."""
    cache = {}
    for attr, (path, prefixes) in TRANSFER.items():
        if path not in cache:
            cache[path] = torch.load(find_file(path), map_location="cpu", weights_only=True)
        state = cache[path]
        for prefix in prefixes:   # LossLab's BatchNorm/LSTM/GRU wrappers add one level: try it first
            found = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
            if found:
                getattr(model, attr).load_state_dict(found)
                break
        else:
            raise SystemExit(f"{path}: no weights for {attr} (looked for {prefixes[-1]}...)")
    for attr in FROZEN:
        for m in getattr(model, attr).modules():
            for p in m.parameters(recurse=False):
                p.requires_grad_(False)
            m.train = types.MethodType(_eval_only, m)
            nn.Module.train(m, False)


def param_groups(model, lr):
    """One optimizer group per learning-rate multiplier; frozen parameters left out."""
    groups = {}
    for name, module in model.named_children():
        for p in module.parameters():
            if p.requires_grad:
                groups.setdefault(LR_MULTIPLIER.get(name, 1.0), []).append(p)
    return [{"params": ps, "lr": lr * m} for m, ps in sorted(groups.items(), key=lambda kv: kv[0] != 1.0)]
'''


def subset_lines(project, dataset, strat: str | None) -> tuple[list[str], list[str]]:
    """(functions, load_data lines after the split) for data.classes/per_class."""
    d = project.data
    if (d.classes is None and d.per_class is None) or strat is None:
        return [], []
    from ..data import load_dataset
    full = load_dataset(_without_subset(project.data), project.base_dir)
    all_classes = full.targets[strat].classes
    kept = [all_classes.index(c) for c in d.classes] if d.classes is not None else list(range(len(all_classes)))
    return [SUBSET], [
        f"    (train, val, test), remap = subset_by_class(np.asarray(ys[{strat!r}]), (train, val, test), "
        f"{kept!r}, {d.per_class!r}, seed={d.seed!r})  # data.classes / data.per_class",
        f"    ys[{strat!r}] = remap[np.asarray(ys[{strat!r}])]"]


def _without_subset(data):
    import copy
    out = copy.copy(data)
    out.classes, out.per_class = None, None
    return out


def transfer_code(project, check, attrs: dict[str, str]) -> str:
    """TRANSFER/FROZEN/LR_MULTIPLIER and their functions, or '' when the project has none."""
    nodes = project.model.nodes
    if not any(n.init or n.frozen or n.lr_multiplier != 1.0 for n in nodes):
        return ""
    transfer, frozen, mult = {}, [], {}
    for n in nodes:
        attr = attrs.get(n.id)
        if attr is None:
            continue
        if n.init:
            src = _key(n.init.get("node", n.id))
            prefixes = [f"layers.{src}.bn.", f"layers.{src}.rnn.", f"layers.{src}.", f"{src}."]
            transfer[attr] = (_source_path(project, n.init), prefixes)
        if n.frozen:
            frozen.append(attr)
        if n.lr_multiplier != 1.0:
            mult[attr] = n.lr_multiplier
    return ("# transfer: node -> (weights file, key prefixes of its source node); frozen nodes; lr multipliers\n"
            f"TRANSFER = {pprint.pformat(transfer, width=110)}\nFROZEN = {frozen!r}\nLR_MULTIPLIER = {mult!r}\n\n"
            + TRANSFER)


def _source_path(project, init: dict) -> str:
    if "file" in init:
        return init["file"]
    from ..training.transfer import run_weights_path
    return str(run_weights_path(init["run"]))   # the script cannot read the run store: the run's weights file


def augment_code(project) -> str:
    """AUGMENT and the Augmenter class (the very code LossLab runs), or '' without augmentation."""
    from ..data import augment as aug
    active = {k: v for k, v in project.data.augment.items() if aug._active(k, v)}
    if not active:
        return ""
    src = "\n\n".join(inspect.getsource(f) for f in (aug._active, aug.column_spread, aug.background))
    cls = inspect.getsource(aug.Augmenter)
    cls = cls[:cls.index("    @classmethod")] + cls[cls.index("    def __call__"):]
    return (f"# data.augment: training batches only, seeded by SEED\nAUGMENT = {active!r}\n\n\n"
            + src + "\n\n" + cls.replace("dict[str, Any]", "dict") + "\n")


def patch_training(train: str, has_transfer: bool, has_augment: bool, project) -> str:
    """Hook transfer and augmentation into the script's training loop."""
    if has_transfer:
        train = train.replace("        load_weights(model, weights_file)\n",
                              "        load_weights(model, weights_file)\n    else:\n        apply_transfer(model)\n", 1)
        lr = project.training.optimizer.params.get("lr")
        if lr is None:
            from ..catalog import OPTIMIZERS
            lr = OPTIMIZERS.get(project.training.optimizer.type).validate_params({}, "")["lr"]
        train = train.replace("(model.parameters()", f"(param_groups(model, {lr!r})", 1)
    if has_augment:
        train = train.replace(
            "    generator = torch.Generator().manual_seed(SEED)",
            "    augmenter = Augmenter(AUGMENT, x_train, SEED)\n    generator = torch.Generator().manual_seed(SEED)", 1)
        train = train.replace(
            "            loss = total_loss(criteria, model(x_train[idx]), {k: v[idx] for k, v in y_train.items()})\n",
            "            xb, mix = augmenter(x_train[idx])\n"
            "            outputs = model(xb)\n"
            "            loss = total_loss(criteria, outputs, {k: v[idx] for k, v in y_train.items()})\n"
            "            if mix is not None:  # mixup: the blend of both targets' losses\n"
            "                lam, pairs = mix\n"
            "                loss = lam * loss + (1 - lam) * total_loss(criteria, outputs, "
            "{k: v[idx][pairs] for k, v in y_train.items()})\n", 1)
    return train


__all__ = ["subset_lines", "transfer_code", "augment_code", "patch_training"]
