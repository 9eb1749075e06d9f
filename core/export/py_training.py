"""The training section of an exported script: losses, targets, optimizer, schedule, L1/L2,
clipping, early stopping and the loop, written the way LossLab's trainer runs them."""
from __future__ import annotations

from ..catalog import OPTIMIZERS, SCHEDULES
from .errors import ExportError

# loss type -> (how the target is converted once, given the target expression and the TargetInfo)
_COLUMN = "{y}.float().reshape(-1, {cols})"
_ONE_HOT = "nn.functional.one_hot({y}.long(), {width}).float()"


def _adapt(loss: str, info) -> str:
    if loss == "MSELoss":
        return _ONE_HOT if info.is_classification else _COLUMN
    if loss in ("L1Loss", "HuberLoss", "SmoothL1Loss", "PoissonNLLLoss"):
        return _COLUMN
    if loss in ("CrossEntropyLoss", "NLLLoss", "MultiMarginLoss"):
        return "{y}.long()"
    if loss == "BCEWithLogitsLoss":
        return _COLUMN if info.width <= 2 else _ONE_HOT
    if loss == "HingeEmbeddingLoss":
        return "1.0 - 2.0 * {y}.float()"
    if loss == "KLDivLoss":
        return _ONE_HOT
    raise KeyError(loss)


def _criterion(loss: str, params: dict) -> str:
    if loss in ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "PoissonNLLLoss"):
        return f"nn.{loss}(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
    if loss in ("CrossEntropyLoss", "NLLLoss"):
        args = []
        if params.get("weight"):
            args.append(f"weight=torch.tensor({[float(w) for w in params['weight']]!r})")
        if loss == "CrossEntropyLoss" and params.get("label_smoothing"):
            args.append(f"label_smoothing={params['label_smoothing']!r}")
        return f"nn.{loss}({', '.join(args)})"
    if loss == "MultiMarginLoss":
        return f"nn.MultiMarginLoss(p={params['p']!r}, margin={params['margin']!r})"
    if loss == "BCEWithLogitsLoss":
        pw = params.get("pos_weight")
        return f"nn.BCEWithLogitsLoss(pos_weight=torch.tensor([{float(pw)!r}]))" if pw else "nn.BCEWithLogitsLoss()"
    if loss == "HingeEmbeddingLoss":
        return (f"hinge_on_column(nn.HingeEmbeddingLoss(margin={params['margin']!r}))")
    if loss == "KLDivLoss":
        return "kl_on_logits(nn.KLDivLoss(reduction='batchmean'))"
    raise KeyError(loss)


_LOSS_HELPERS = {
    "HingeEmbeddingLoss": '''
def hinge_on_column(hinge):
    """HingeEmbeddingLoss on a one-output head (its column flattened)."""
    return lambda output, target: hinge(output.reshape(-1), target)
''',
    "KLDivLoss": '''
def kl_on_logits(kl):
    """KL divergence between the head's log-softmax and the one-hot target."""
    return lambda output, target: kl(torch.log_softmax(output, dim=1), target)
''',
}


def _optimizer(project) -> str:
    spec = project.training.optimizer
    entry = OPTIMIZERS.get(spec.type)
    p = dict(entry.validate_params(spec.params, "training.optimizer.params"))
    if "beta1" in p:
        p["betas"] = (p.pop("beta1"), p.pop("beta2"))
    return f"torch.optim.{spec.type}(model.parameters()" + "".join(f", {k}={v!r}" for k, v in p.items()) + ")"


def _schedule(project) -> tuple[str, str]:
    """(constructor expression or 'None', when it steps: 'none' | 'step' | 'epoch' | 'plateau')."""
    spec = project.training.schedule
    entry = SCHEDULES.get(spec.type)
    p = entry.validate_params(spec.params, "training.schedule.params")
    L = "torch.optim.lr_scheduler"
    n = spec.type
    if n == "Constant":
        return "None", "none"
    if n == "StepLR":
        return f"{L}.StepLR(optimizer, step_size={p['step_size']!r}, gamma={p['gamma']!r})", "epoch"
    if n == "ExponentialLR":
        return f"{L}.ExponentialLR(optimizer, gamma={p['gamma']!r})", "epoch"
    if n == "CosineAnnealingLR":
        t_max = repr(p["T_max"]) if p["T_max"] else "epochs"
        return f"{L}.CosineAnnealingLR(optimizer, T_max={t_max}, eta_min={p['eta_min']!r})", "epoch"
    if n == "OneCycleLR":
        return (f"{L}.OneCycleLR(optimizer, max_lr={p['max_lr']!r}, pct_start={p['pct_start']!r}, "
                "total_steps=max(2, epochs * steps_per_epoch))", "step")
    if n == "ReduceLROnPlateau":
        return (f"{L}.ReduceLROnPlateau(optimizer, factor={p['factor']!r}, patience={p['patience']!r}, "
                f"threshold={p['threshold']!r})", "plateau")
    if n == "LinearWarmup":
        return (f"{L}.LinearLR(optimizer, start_factor={p['start_factor']!r}, total_iters={p['warmup_epochs']!r})",
                "epoch")
    raise ExportError(f"training.schedule: the py format cannot write the schedule {n!r}")


def training_code(project, heads: list, dataset) -> str:
    """``heads``: (variable, OutputSpec, target name, TargetInfo) per output head, in project order."""
    from ..catalog import LOSSES
    t = project.training
    helpers, crit, adapt = [], [], []
    for var, o, tname, info in heads:
        entry = LOSSES.get(o.loss.type)
        params = entry.validate_params(o.loss.params, "outputs.loss.params")
        try:
            crit.append(f"        {var!r}: {_criterion(o.loss.type, params)},  # head {o.node!r}")
            adapt.append(f"        {var!r}: " + _adapt(o.loss.type, info).format(y=f"y[{tname!r}]", width=info.width,
                                                              cols=1 if info.is_classification else info.width)
                         + ",")
        except KeyError:
            raise ExportError(f"node {o.node!r}: the py format cannot write its loss {o.loss.type!r}; pick a "
                              "catalog loss or export the model as pt2 or onnx", node=o.node) from None
        if o.loss.type in _LOSS_HELPERS and _LOSS_HELPERS[o.loss.type] not in helpers:
            helpers.append(_LOSS_HELPERS[o.loss.type])
    single = len(heads) == 1
    if single:
        var, o = heads[0][0], heads[0][1]
        w = "" if o.weight == 1.0 else f"{o.weight!r} * "
        total = f"    return {w}criteria[{var!r}](outputs, targets[{var!r}])"
    else:
        terms = [f"{o.weight!r} * criteria[{var!r}](outputs[{i}], targets[{var!r}])"
                 for i, (var, o, _, _) in enumerate(heads)]
        total = "    return (" + "\n            + ".join(terms) + ")"
    sched, when = _schedule(project)
    es = t.early_stopping
    pen_terms = []
    if t.l1:
        pen_terms.append(f"{t.l1!r} * sum(w.abs().sum() for w in weights)")
    if t.l2:
        pen_terms.append(f"{t.l2!r} * sum((w * w).sum() for w in weights)")
    out = [h.strip("\n") + "\n\n\n" for h in helpers]
    out.append(
        "def make_criteria():\n    \"\"\"One loss per output head.\"\"\"\n    return {\n" + "\n".join(crit) + "\n    }\n\n\n"
        "def adapt_targets(y):\n    \"\"\"Each head's target as its loss wants it (converted once, not per step).\"\"\"\n"
        "    return {\n" + "\n".join(adapt) + "\n    }\n\n\n"
        "def total_loss(criteria, outputs, targets):\n"
        + ("    \"\"\"The head's loss.\"\"\"\n" if single else "    \"\"\"The heads' losses, weighted and summed.\"\"\"\n")
        + total + "\n\n\n")
    pseudo = None
    if t.pseudo_labels is not None:
        from .py_pseudo import pseudo_code
        pseudo = pseudo_code(project, heads)
        out.append(pseudo.helpers)
    out.append(LOOP.format(
        pseudo_setup=pseudo.setup if pseudo else "", pseudo_round=pseudo.round if pseudo else "",
        optimizer=_optimizer(project), scheduler=sched,
        penalty=("    weights = [p for p in model.parameters() if p.requires_grad and p.dim() > 1]  # L1/L2 on weights\n"
                 if pen_terms else ""),
        objective=("            objective = loss + " + " + ".join(pen_terms) + "\n" if pen_terms else
                   "            objective = loss\n"),
        clip=(f"            nn.utils.clip_grad_norm_(model.parameters(), {t.grad_clip!r})\n" if t.grad_clip else ""),
        step_sched="            scheduler.step()\n" if when == "step" else "",
        epoch_sched={"epoch": "        scheduler.step()\n",
                     "plateau": "        scheduler.step(monitor)\n"}.get(when, ""),
        min_delta=f" - {es.min_delta!r}" if es.min_delta else "", stop=_early_stop(es)))
    out.append(MAIN)
    return "".join(out)


def _early_stop(es) -> str:
    if not es.patience:
        return ""
    restore = "                model.load_state_dict(best_state)  # restore the best epoch\n" if es.restore_best else ""
    return (f"            if wait >= {es.patience!r}:  # early stopping\n"
            "                print(f\"early stop: no improvement for {wait} epochs\")\n" + restore
            + "                break\n")


LOOP = '''def evaluate(model, x, targets, criteria):
    """The loss over a whole split, in evaluation mode (dropout off, batch-norm running statistics)."""
    model.eval()
    with torch.no_grad():
        value = float(total_loss(criteria, model(x), targets))
    model.train()
    return value


def train(epochs=EPOCHS, weights_file=None):
    (x_train, x_val, x_test), (y_train, y_val, y_test) = load_data()
{pseudo_setup}    y_train, y_val, y_test = adapt_targets(y_train), adapt_targets(y_val), adapt_targets(y_test)
    torch.manual_seed(SEED)  # before the network is built: the initial weights and dropout follow it
    model = Net()
    if weights_file:
        load_weights(model, weights_file)
    criteria = make_criteria()
    n = len(x_train)
    batch_size = max(1, min(BATCH_SIZE, n))
    steps_per_epoch = math.ceil(n / batch_size)
    optimizer = {optimizer}
    scheduler = {scheduler}
{penalty}    generator = torch.Generator().manual_seed(SEED)  # shuffles the batches, apart from the weights' seed
    best, best_state, wait, history = math.inf, None, 0, []
    for epoch in range(1, epochs + 1):
{pseudo_round}        model.train()
        perm = torch.randperm(n, generator=generator)
        losses = []
        for i in range(steps_per_epoch):
            idx = perm[i * batch_size:(i + 1) * batch_size]
            loss = total_loss(criteria, model(x_train[idx]), {{k: v[idx] for k, v in y_train.items()}})
{objective}            optimizer.zero_grad()
            objective.backward()
{clip}            optimizer.step()
{step_sched}            losses.append(loss.item())
        train_loss = math.fsum(losses) / len(losses)
        val_loss = evaluate(model, x_val, y_val, criteria) if len(x_val) else None
        monitor = val_loss if val_loss is not None else train_loss
        monitor = monitor if math.isfinite(monitor) else math.inf
{epoch_sched}        history.append({{"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "lr": optimizer.param_groups[0]["lr"]}})
        print(f"epoch {{epoch:>4}}/{{epochs}}  train {{train_loss:.6f}}  "
              + (f"val {{val_loss:.6f}}" if val_loss is not None else "val -")
              + f"  lr {{optimizer.param_groups[0]['lr']:.3g}}", flush=True)
        if not math.isfinite(train_loss) or monitor == math.inf:
            print("diverged: the loss became NaN or infinite; keeping the best epoch's weights")
            if best_state is not None:
                model.load_state_dict(best_state)
            break
        if monitor < best{min_delta}:
            best, wait = monitor, 0
            best_state = {{k: v.detach().clone() for k, v in model.state_dict().items()}}
        else:
            wait += 1
{stop}    if len(x_test):
        print(f"test loss {{evaluate(model, x_test, y_test, criteria):.6f}}")
    return model, history


'''

MAIN = '''def main():
    parser = argparse.ArgumentParser(description="Train the network exported from LossLab, or predict with it.")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs to train (default {EPOCHS})")
    parser.add_argument("--threads", type=int, help="torch threads (1 reproduces LossLab's numbers exactly)")
    parser.add_argument("--weights", help="start from these weights (a state dict exported by LossLab)")
    parser.add_argument("--save-weights", help="save the trained weights (state dict) to this file")
    parser.add_argument("--predict", metavar="FILE",
                        help="predict raw samples in FILE (with --weights: no training) and print them")
    parser.add_argument("--json", action="store_true", help="print the history (and predictions) as JSON at the end")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    history = None
    if args.predict and args.weights:  # LossLab's trained weights: predict without training
        torch.manual_seed(SEED)
        model = Net()
        load_weights(model, args.weights)
    else:
        model, history = train(args.epochs, args.weights)
    if args.save_weights:
        torch.save(model.state_dict(), args.save_weights)
    result = {} if history is None else {"history": history}
    if args.predict:
        predicted = predict(model, read_samples(args.predict))
        result["predictions"] = {head: labels for head, (_, labels) in predicted.items()}
        result["outputs"] = {head: values.tolist() for head, (values, _) in predicted.items()}
        if not args.json:
            print(",".join(["row", *predicted]))
            for i, row in enumerate(zip(*(labels for _, labels in predicted.values()))):
                print(",".join([str(i + 1), *map(str, row)]))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
'''
