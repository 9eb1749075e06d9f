"""The pseudo-label part of an exported script (``training.pseudo_labels``), written the way
:mod:`core.training.pseudo_labels` runs it: the same labelled rows (stratified, seeded by ``data.seed``),
the same round epochs, the same threshold on the same class probabilities."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ExportError

@dataclass(frozen=True)
class PseudoCode:
    helpers: str      # module-level functions
    setup: str        # in train(), before the targets are adapted
    round: str        # at the top of each epoch


def pseudo_code(project, heads: list) -> PseudoCode:
    """``heads``: (variable, OutputSpec, target name, TargetInfo); pseudo-labels need exactly one."""
    pl = project.training.pseudo_labels
    if len(heads) != 1 or not heads[0][3].is_classification:
        raise ExportError("training.pseudo_labels: pseudo-labels need one classification output head")
    var, o, tname, _ = heads[0]
    from ..catalog import LOSSES
    many, one = LOSSES.get(o.loss.type).probabilities_code
    helpers = f'''PSEUDO_LABELS = {pl.to_dict()!r}
DATA_SEED = {project.data.seed!r}  # which rows keep their label (LossLab's data.seed)


def labelled_rows(y, fraction):
    """The training rows that keep their label: `fraction` of each class (at least one), seeded."""
    if fraction >= 1.0:
        return np.arange(len(y))
    rng = np.random.default_rng(DATA_SEED)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        keep.append(rng.choice(idx, size=max(1, int(round(fraction * len(idx)))), replace=False))
    return np.sort(np.concatenate(keep))


def round_epochs(epochs, rounds):
    """The epochs at whose start a round relabels: evenly spread, after epochs / (rounds + 1) epochs."""
    return sorted({{epochs * r // (rounds + 1) + 1 for r in range(1, rounds + 1)}})


def class_probabilities(out):
    """The head's output as class probabilities (as LossLab reads them for its loss)."""
    if out.shape[1] == 1:
        p1 = {one}
        return torch.stack([1.0 - p1, p1], dim=1)
    return {many}


def pseudo_label(model, x_labelled, y_labelled, x_unlabelled, epoch):
    """Label the unlabelled rows whose top class probability reaches the threshold; train on them too."""
    model.eval()
    with torch.no_grad():
        confidence, label = class_probabilities(model(x_unlabelled).float()).max(dim=1)
    model.train()
    accept = confidence >= PSEUDO_LABELS["threshold"]
    print(f"pseudo-labels at epoch {{epoch}}: {{int(accept.sum())}} of {{len(x_unlabelled)}} unlabelled rows accepted")
    x = torch.cat([x_labelled, x_unlabelled[accept]])
    y = torch.cat([y_labelled, label[accept].to(y_labelled.dtype)])
    return x, adapt_targets({{{tname!r}: y}})


'''
    setup = f'''    # pseudo-labels: only these rows keep their label; the others are labelled by the network in rounds
    keep = torch.as_tensor(labelled_rows(y_train[{tname!r}].numpy(), PSEUDO_LABELS["label_fraction"]))
    hidden = torch.as_tensor(np.setdiff1d(np.arange(len(x_train)), keep.numpy()))
    x_unlabelled = torch.cat([x_train[hidden], *x_extra])  # x_extra: the table's rows with an empty target
    x_train, y_train = x_train[keep], {{k: v[keep] for k, v in y_train.items()}}
    x_labelled, y_labelled = x_train, y_train[{tname!r}]
    pseudo_rounds = round_epochs(epochs, PSEUDO_LABELS["rounds"]) if len(x_unlabelled) else []
'''
    round_ = '''        if epoch in pseudo_rounds:
            x_train, y_train = pseudo_label(model, x_labelled, y_labelled, x_unlabelled, epoch)
            n = len(x_train)
            batch_size = max(1, min(BATCH_SIZE, n))
            steps_per_epoch = math.ceil(n / batch_size)
'''
    return PseudoCode(helpers, setup, round_)
