"""The loss catalog: which loss fits which head, and how targets are adapted to it once per run.

Every loss is one :class:`LossEntry`: what target it fits (classification, binary, regression), how the
dataset's target tensor is converted once before training (no per-step work), the output width the
head must have, how to turn the head's output into a class prediction and into class probabilities,
and what it does to the head's values itself (for lint: a softmax or sigmoid it already applies).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .params import Entry, Param, Registry

CLASS, BINARY, REGRESSION = "classification", "binary", "regression"


def _mean_itself(mean, params):
    return mean


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _argmax(out):
    return out.argmax(dim=1)


def _probabilities(out):
    """Class probabilities from raw scores: sigmoid of a single score, else softmax."""
    import torch
    if out.shape[1] == 1:
        p1 = torch.sigmoid(out[:, 0])
        return torch.stack([1.0 - p1, p1], dim=1)
    return torch.softmax(out, dim=1)


@dataclass(frozen=True)
class LossEntry(Entry):
    """One loss. ``builder(params)`` returns ``loss(output, adapted_target)``.

    - ``fits``: the target kind it is made for (classification, binary, regression);
      ``accepts``: the target tasks it can run on at all.
    - ``adapt(y, info)``: the target tensor converted once per run; ``width(info)``: the head's width.
    - ``predict(out)``: class indices from the head's output; ``probabilities(out)``: (N, classes).
    - ``applies``: the output function it applies to the head's values itself ("log_softmax",
      "sigmoid"); ``expects``: the function the head must already have applied ("log_softmax");
      ``wants_logits``: it wants raw, unbounded scores.
    - ``classes``: the exact number of classes it needs, when it needs one.
    - ``from_mean(mean, params)`` / ``from_probability(p)``: the constant head output that predicts a
      target mean (regression) or a positive-class probability (one output): the trivial baseline.
    - ``threshold``: on a one-output class head, the output above which the second class is predicted.
    - ``criterion_code(params)`` / ``target_code(info)`` / ``code_helper``: how an exported script writes
      the loss (an expression), converts the target once (a template over ``{y}``, ``{width}``,
      ``{cols}``) and the helper function the expression calls, if any. None: the py export refuses
      the loss by name. ``probabilities_code``: ``probabilities`` as script expressions over ``out``.
    """

    fits: str = REGRESSION
    accepts: tuple[str, ...] = (REGRESSION,)
    adapt: Callable[[Any, Any], Any] | None = None
    width: Callable[[Any], int] | None = None
    predict: Callable[[Any], Any] = _argmax
    probabilities: Callable[[Any], Any] = _probabilities
    applies: str | None = None
    expects: str | None = None
    wants_logits: bool = False
    classes: int | None = None
    from_mean: Callable[[Any, dict[str, Any]], Any] = _mean_itself
    from_probability: Callable[[float], float] = _logit
    default_for: tuple[str, ...] = ()
    threshold: float = 0.0
    criterion_code: Callable[[dict[str, Any]], str] | None = None
    target_code: Callable[[Any], str] | None = None
    code_helper: str = ""
    #: how an exported script reads class probabilities from the head's output ``out``: (an expression for
    #: several columns, one for the positive class's probability of a single column), as ``probabilities``
    probabilities_code: tuple[str, str] = ("torch.softmax(out, dim=1)", "torch.sigmoid(out[:, 0])")


def _one_hot(y, n):
    import torch
    return torch.nn.functional.one_hot(y.long(), n).float()


def _as_column(y):
    """(N,) or (N, ...) -> (N, k) floats; an empty split (N = 0, e.g. val_fraction 0) stays (0, k)."""
    import math
    return y.float().reshape(y.shape[0], math.prod(y.shape[1:]))


def _regression_loss(cls: str):
    def build(p: dict[str, Any]) -> Callable:
        from torch import nn
        return getattr(nn, cls)(**p)
    return build


def _ce(p):
    import torch
    from torch import nn
    weight = torch.tensor(p["weight"], dtype=torch.float32) if p.get("weight") else None
    return nn.CrossEntropyLoss(weight=weight, label_smoothing=p["label_smoothing"])


def _nll(p):
    import torch
    from torch import nn
    weight = torch.tensor(p["weight"], dtype=torch.float32) if p.get("weight") else None
    return nn.NLLLoss(weight=weight)


def _bce(p):
    import torch
    from torch import nn
    pw = torch.tensor([p["pos_weight"]], dtype=torch.float32) if p.get("pos_weight") else None
    return nn.BCEWithLogitsLoss(pos_weight=pw)


def _multi_margin(p):
    from torch import nn
    return nn.MultiMarginLoss(p=p["p"], margin=p["margin"])


def _kl(p):
    import torch
    from torch import nn
    kl = nn.KLDivLoss(reduction="batchmean")

    def loss(out, target):
        return kl(torch.log_softmax(out, dim=1), target)
    return loss


def _hinge_embedding(p):
    from torch import nn
    h = nn.HingeEmbeddingLoss(margin=p["margin"])

    def loss(out, target):
        return h(out.reshape(-1), target)
    return loss


# -- how an exported script writes each loss and its target -----------------------------------------------
COLUMN = "{y}.float().reshape(-1, {cols})"
ONE_HOT = "nn.functional.one_hot({y}.long(), {width}).float()"
LABELS = "{y}.long()"


def _same(template: str) -> Callable[[Any], str]:
    return lambda info: template


def _nn_code(cls: str) -> Callable[[dict[str, Any]], str]:
    """``nn.<cls>(**params)``: the catalog's parameter names are the constructor's."""
    return lambda params: f"nn.{cls}(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"


def _weighted_code(cls: str, *extra: str) -> Callable[[dict[str, Any]], str]:
    def code(params: dict[str, Any]) -> str:
        args = [f"weight=torch.tensor({[float(w) for w in params['weight']]!r})"] if params.get("weight") else []
        args += [f"{k}={params[k]!r}" for k in extra if params.get(k)]
        return f"nn.{cls}({', '.join(args)})"
    return code


def _bce_code(params: dict[str, Any]) -> str:
    pw = params.get("pos_weight")
    return f"nn.BCEWithLogitsLoss(pos_weight=torch.tensor([{float(pw)!r}]))" if pw else "nn.BCEWithLogitsLoss()"


HINGE_HELPER = '''
def hinge_on_column(hinge):
    """HingeEmbeddingLoss on a one-output head (its column flattened)."""
    return lambda output, target: hinge(output.reshape(-1), target)
'''
KL_HELPER = '''
def kl_on_logits(kl):
    """KL divergence between the head's log-softmax and the one-hot target."""
    return lambda output, target: kl(torch.log_softmax(output, dim=1), target)
'''


def _class_width(info) -> int:
    return info.width


def _loss(name, fits, params, doc, builder, *, adapt, width, accepts=None, **facts) -> LossEntry:
    """``fits`` is the target kind the loss is made for; ``accepts`` the target tasks it can run on."""
    return LossEntry(name, "Loss", tuple(params), doc, builder, fits=fits, adapt=adapt, width=width,
                     accepts=accepts or ((CLASS,) if fits in (CLASS, BINARY) else (REGRESSION,)), **facts)


def _scaled(out):
    """MSE on one-hot targets: the outputs clipped to 0..1 and renormalized."""
    if out.shape[1] == 1:
        return _probabilities(out)
    probs = out.clamp(0.0, 1.0)
    return probs / probs.sum(dim=1, keepdim=True).clamp_min(1e-12)


def _log_probabilities(out):
    return _probabilities(out) if out.shape[1] == 1 else out.exp()


def _independent_sigmoids(out):
    import torch
    if out.shape[1] == 1:
        return _probabilities(out)
    probs = torch.sigmoid(out)
    return probs / probs.sum(dim=1, keepdim=True).clamp_min(1e-12)


def _distance_probability(out):
    import torch
    if out.shape[1] != 1:
        return _probabilities(out)
    p1 = out[:, 0].clamp(0.0, 1.0)
    return torch.stack([1.0 - p1, p1], dim=1)


REDUCTION_NOTE = " Averaged over the batch."


def REG_WIDTH(info) -> int:
    """A regression head outputs one value per target column (one-hot width for classes under MSE)."""
    return info.width

LOSSES = Registry("loss", [
    _loss("MSELoss", REGRESSION, [], "Mean squared error: the default for regression; punishes large errors "
          "quadratically, so outliers dominate." + REDUCTION_NOTE, _regression_loss("MSELoss"),
          adapt=lambda y, info: _one_hot(y, info.width) if info.task == CLASS else _as_column(y),
          width=REG_WIDTH, accepts=(REGRESSION, CLASS), probabilities=_scaled, default_for=(REGRESSION,),
          probabilities_code=("out.clamp(0.0, 1.0) / out.clamp(0.0, 1.0).sum(dim=1, keepdim=True).clamp_min(1e-12)",
                              "torch.sigmoid(out[:, 0])"),
          criterion_code=_nn_code("MSELoss"), target_code=lambda info: ONE_HOT if info.task == CLASS else COLUMN),
    _loss("L1Loss", REGRESSION, [], "Mean absolute error: robust to outliers, predicts the median.",
          _regression_loss("L1Loss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH,
          criterion_code=_nn_code("L1Loss"), target_code=_same(COLUMN)),
    _loss("HuberLoss", REGRESSION, [Param("delta", "float", 1.0, min=1e-6, max=1e6, log=True,
                                          help="Error size where it turns from quadratic to linear.")],
          "Quadratic for small errors, linear for large ones: MSE's smoothness with L1's robustness.",
          _regression_loss("HuberLoss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH,
          criterion_code=_nn_code("HuberLoss"), target_code=_same(COLUMN)),
    _loss("SmoothL1Loss", REGRESSION, [Param("beta", "float", 1.0, min=1e-6, max=1e6, log=True,
                                             help="Error size where it turns from quadratic to linear.")],
          "Huber loss scaled by 1/beta: the box-regression loss of object detectors.",
          _regression_loss("SmoothL1Loss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH,
          criterion_code=_nn_code("SmoothL1Loss"), target_code=_same(COLUMN)),
    _loss("PoissonNLLLoss", REGRESSION, [
        Param("log_input", "bool", True, help="The head outputs log(rate) (recommended)."),
        Param("full", "bool", False, help="Add the Stirling term.")],
          "For counts (visits, sales, events): the head predicts a Poisson rate. Targets must be >= 0.",
          _regression_loss("PoissonNLLLoss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH,
          from_mean=lambda mean, p: mean.clamp_min(1e-6).log() if p["log_input"] else mean,
          criterion_code=_nn_code("PoissonNLLLoss"), target_code=_same(COLUMN)),
    _loss("CrossEntropyLoss", CLASS, [
        Param("label_smoothing", "float", 0.0, min=0.0, max=0.5, help="Spread this much target mass over all classes."),
        Param("weight", "float_list", None, optional=True,
              help="One weight per class, e.g. [1, 20] to make the rare class count more (imbalanced data).")],
          "The default for classification: softmax + negative log-likelihood on raw scores (logits). "
          "The head is a Linear with one output per class and no Softmax after it.",
          _ce, adapt=lambda y, info: y.long(), width=_class_width, applies="log_softmax", wants_logits=True,
          default_for=(CLASS,), criterion_code=_weighted_code("CrossEntropyLoss", "label_smoothing"),
          target_code=_same(LABELS)),
    _loss("NLLLoss", CLASS, [Param("weight", "float_list", None, optional=True, help="One weight per class.")],
          "Negative log-likelihood of log-probabilities: put a LogSoftmax at the end of the head.",
          _nll, adapt=lambda y, info: y.long(), width=_class_width, expects="log_softmax",
          probabilities=_log_probabilities, criterion_code=_weighted_code("NLLLoss"), target_code=_same(LABELS),
          probabilities_code=("out.exp()", "torch.sigmoid(out[:, 0])")),
    _loss("MultiMarginLoss", CLASS, [
        Param("margin", "float", 1.0, min=0.0, max=100.0, help="Required gap between the true score and the others."),
        Param("p", "choice", 1, choices=(1, 2), help="1: hinge, 2: squared hinge.")],
          "Multi-class hinge loss (as in SVMs): zero once the true class beats every other by the margin.",
          _multi_margin, adapt=lambda y, info: y.long(), width=_class_width, wants_logits=True,
          criterion_code=lambda p: f"nn.MultiMarginLoss(p={p['p']!r}, margin={p['margin']!r})",
          target_code=_same(LABELS)),
    _loss("BCEWithLogitsLoss", BINARY, [
        Param("pos_weight", "float", None, min=0.0, max=1e4, optional=True,
              help="Weight of the positive class, e.g. negatives/positives on imbalanced data.")],
          "Binary cross-entropy on a raw score: for two classes with a single output (sigmoid applied inside; "
          "do not add a Sigmoid layer), or for several independent yes/no outputs.",
          _bce, adapt=lambda y, info: (_as_column(y) if info.width <= 2 else _one_hot(y, info.width)),
          width=lambda info: 1 if info.width <= 2 else info.width,
          predict=lambda out: (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(dim=1),
          applies="sigmoid", wants_logits=True, probabilities=_independent_sigmoids, criterion_code=_bce_code,
          probabilities_code=("torch.sigmoid(out) / torch.sigmoid(out).sum(dim=1, keepdim=True).clamp_min(1e-12)",
                              "torch.sigmoid(out[:, 0])"),
          target_code=lambda info: COLUMN if info.width <= 2 else ONE_HOT),
    _loss("HingeEmbeddingLoss", BINARY, [Param("margin", "float", 1.0, min=0.0, max=100.0,
                                               help="Distance beyond which the second class costs nothing.")],
          "Hinge loss on a single output for two classes: the first class is pulled to 0, the second pushed "
          "beyond the margin (as for distances in metric learning).",
          _hinge_embedding, adapt=lambda y, info: 1.0 - 2.0 * y.float(), width=lambda info: 1,
          predict=lambda out: (out[:, 0] > 0.5).long(), classes=2, probabilities=_distance_probability,
          from_probability=float, threshold=0.5,
          probabilities_code=("torch.softmax(out, dim=1)", "out[:, 0].clamp(0.0, 1.0)"),
          criterion_code=lambda p: f"hinge_on_column(nn.HingeEmbeddingLoss(margin={p['margin']!r}))",
          target_code=_same("1.0 - 2.0 * {y}.float()"), code_helper=HINGE_HELPER),
    _loss("KLDivLoss", CLASS, [],
          "Kullback-Leibler divergence between the predicted distribution (log-softmax of the head, applied "
          "inside) and the target distribution (one-hot classes). Equal to cross-entropy up to a constant here; "
          "it shines with soft targets (distillation).",
          _kl, adapt=lambda y, info: _one_hot(y, info.width), width=_class_width, applies="log_softmax",
          wants_logits=True, criterion_code=lambda p: "kl_on_logits(nn.KLDivLoss(reduction='batchmean'))",
          target_code=_same(ONE_HOT), code_helper=KL_HELPER),
])


def default_loss(task: str | None) -> str:
    """The usual loss for a target task ("classification" or "regression"; None = classification)."""
    task = task or CLASS
    for e in LOSSES:
        if task in e.default_for:  # type: ignore[attr-defined]
            return e.name
    raise ValueError(f"no default loss for {task!r} targets")


def loss_fits(entry: LossEntry, info) -> str | None:
    """Why ``entry`` does not fit the target ``info`` (a TargetInfo), or None when it does."""
    if info.task not in entry.accepts:
        if info.task == REGRESSION:
            return (f"{entry.name} is for class labels but target {info.name!r} is a regression target: "
                    "use MSELoss, L1Loss or HuberLoss")
        return (f"{entry.name} is for regression but target {info.name!r} holds classes: "
                "use CrossEntropyLoss (or BCEWithLogitsLoss for two classes)")
    if entry.classes is not None and info.width != entry.classes:
        return (f"{entry.name} needs exactly {entry.classes} classes but target {info.name!r} has {info.width}: "
                "use MultiMarginLoss or CrossEntropyLoss")
    return None
