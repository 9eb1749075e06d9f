"""The loss catalog: which loss fits which head, and how targets are adapted to it once per run.

Every entry says what target it fits (``extra["fits"]``: classification, binary, regression), how the
dataset's target tensor is converted once before training (no per-step work), the output width the
head must have, and how to turn the head's output into a class prediction for the metrics.
"""
from __future__ import annotations

from typing import Any, Callable

from .params import Entry, Param, Registry

CLASS, BINARY, REGRESSION = "classification", "binary", "regression"


def _one_hot(y, n):
    import torch
    return torch.nn.functional.one_hot(y.long(), n).float()


def _as_column(y):
    return y.float().reshape(y.shape[0], -1)


def _argmax(out):
    return out.argmax(dim=1)


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


def _class_width(info) -> int:
    return info.width


def _loss(name, fits, params, doc, builder, *, adapt, width, predict=_argmax, accepts=None):
    """``fits`` is the target kind the loss is made for; ``accepts`` the target tasks it can run on."""
    return Entry(name, "Loss", tuple(params), doc, builder, {
        "fits": fits, "adapt": adapt, "width": width, "predict": predict,
        "accepts": accepts or ((CLASS,) if fits in (CLASS, BINARY) else (REGRESSION,)),
    })


REDUCTION_NOTE = " Averaged over the batch."


def REG_WIDTH(info) -> int:
    """A regression head outputs one value per target column (one-hot width for classes under MSE)."""
    return info.width

LOSSES = Registry("loss", [
    _loss("MSELoss", REGRESSION, [], "Mean squared error: the default for regression; punishes large errors "
          "quadratically, so outliers dominate." + REDUCTION_NOTE, _regression_loss("MSELoss"),
          adapt=lambda y, info: _one_hot(y, info.width) if info.task == CLASS else _as_column(y),
          width=REG_WIDTH, accepts=(REGRESSION, CLASS)),
    _loss("L1Loss", REGRESSION, [], "Mean absolute error: robust to outliers, predicts the median.",
          _regression_loss("L1Loss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH),
    _loss("HuberLoss", REGRESSION, [Param("delta", "float", 1.0, min=1e-6, max=1e6, log=True,
                                          help="Error size where it turns from quadratic to linear.")],
          "Quadratic for small errors, linear for large ones: MSE's smoothness with L1's robustness.",
          _regression_loss("HuberLoss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH),
    _loss("SmoothL1Loss", REGRESSION, [Param("beta", "float", 1.0, min=1e-6, max=1e6, log=True,
                                             help="Error size where it turns from quadratic to linear.")],
          "Huber loss scaled by 1/beta: the box-regression loss of object detectors.",
          _regression_loss("SmoothL1Loss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH),
    _loss("PoissonNLLLoss", REGRESSION, [
        Param("log_input", "bool", True, help="The head outputs log(rate) (recommended)."),
        Param("full", "bool", False, help="Add the Stirling term.")],
          "For counts (visits, sales, events): the head predicts a Poisson rate. Targets must be >= 0.",
          _regression_loss("PoissonNLLLoss"), adapt=lambda y, info: _as_column(y), width=REG_WIDTH),
    _loss("CrossEntropyLoss", CLASS, [
        Param("label_smoothing", "float", 0.0, min=0.0, max=0.5, help="Spread this much target mass over all classes."),
        Param("weight", "float_list", None, optional=True,
              help="One weight per class, e.g. [1, 20] to make the rare class count more (imbalanced data).")],
          "The default for classification: softmax + negative log-likelihood on raw scores (logits). "
          "The head is a Linear with one output per class and no Softmax after it.",
          _ce, adapt=lambda y, info: y.long(), width=_class_width),
    _loss("NLLLoss", CLASS, [Param("weight", "float_list", None, optional=True, help="One weight per class.")],
          "Negative log-likelihood of log-probabilities: put a LogSoftmax at the end of the head.",
          _nll, adapt=lambda y, info: y.long(), width=_class_width),
    _loss("MultiMarginLoss", CLASS, [
        Param("margin", "float", 1.0, min=0.0, max=100.0, help="Required gap between the true score and the others."),
        Param("p", "choice", 1, choices=(1, 2), help="1: hinge, 2: squared hinge.")],
          "Multi-class hinge loss (as in SVMs): zero once the true class beats every other by the margin.",
          _multi_margin,
          adapt=lambda y, info: y.long(), width=_class_width),
    _loss("BCEWithLogitsLoss", BINARY, [
        Param("pos_weight", "float", None, min=0.0, max=1e4, optional=True,
              help="Weight of the positive class, e.g. negatives/positives on imbalanced data.")],
          "Binary cross-entropy on a raw score: for two classes with a single output (sigmoid applied inside; "
          "do not add a Sigmoid layer), or for several independent yes/no outputs.",
          _bce, adapt=lambda y, info: (_as_column(y) if info.width <= 2 else _one_hot(y, info.width)),
          width=lambda info: 1 if info.width <= 2 else info.width,
          predict=lambda out: (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(dim=1)),
    _loss("HingeEmbeddingLoss", BINARY, [Param("margin", "float", 1.0, min=0.0, max=100.0,
                                               help="Distance beyond which the second class costs nothing.")],
          "Hinge loss on a single output for two classes: the first class is pulled to 0, the second pushed "
          "beyond the margin (as for distances in metric learning).",
          _hinge_embedding, adapt=lambda y, info: 1.0 - 2.0 * y.float(), width=lambda info: 1,
          predict=lambda out: (out[:, 0] > 0.5).long()),
    _loss("KLDivLoss", CLASS, [],
          "Kullback-Leibler divergence between the predicted distribution (log-softmax of the head, applied "
          "inside) and the target distribution (one-hot classes). Equal to cross-entropy up to a constant here; "
          "it shines with soft targets (distillation).",
          _kl, adapt=lambda y, info: _one_hot(y, info.width), width=_class_width),
])


def loss_fits(entry: Entry, info) -> str | None:
    """Why ``entry`` does not fit the target ``info`` (a TargetInfo), or None when it does."""
    if info.task not in entry.extra["accepts"]:
        if info.task == REGRESSION:
            return (f"{entry.name} is for class labels but target {info.name!r} is a regression target: "
                    "use MSELoss, L1Loss or HuberLoss")
        return (f"{entry.name} is for regression but target {info.name!r} holds classes: "
                "use CrossEntropyLoss (or BCEWithLogitsLoss for two classes)")
    if entry.extra["fits"] == BINARY and entry.name == "HingeEmbeddingLoss" and info.width != 2:
        return f"HingeEmbeddingLoss needs exactly two classes but target {info.name!r} has {info.width}: use MultiMarginLoss"
    return None
