"""The training section of an exported script: losses, targets, optimizer, schedule, L1/L2,
clipping, early stopping and the loop, written the way LossLab's trainer runs them."""
from __future__ import annotations

from ..catalog import OPTIMIZERS, SCHEDULES
from .errors import ExportError


def _optimizer(project) -> str:
    spec = project.training.optimizer
    entry = OPTIMIZERS.get(spec.type)
    code = entry.script_code(entry.validate_params(spec.params, "training.optimizer.params"))  # type: ignore[attr-defined]
    if code is None:
        raise ExportError(f"training.optimizer: the py format cannot write the optimizer {spec.type!r} (its catalog "
                          "entry is not built by a TorchOptimizer); pick a catalog optimizer or export the model "
                          "as pt2 or onnx")
    return code


def _schedule(project) -> tuple[str, str]:
    """(constructor expression or 'None', when it steps: 'none' | 'step' | 'epoch' | 'plateau')."""
    spec = project.training.schedule
    entry = SCHEDULES.get(spec.type)
    code = entry.script_code(entry.validate_params(spec.params, "training.schedule.params"))  # type: ignore[attr-defined]
    if code is None:
        raise ExportError(f"training.schedule: the py format cannot write the schedule {spec.type!r}")
    expr, when = code
    return (expr or "None"), when


def _loss_code(o, info) -> tuple[str, str, str]:
    """(criterion expression, target conversion template, helper source) of head ``o``, from its loss entry."""
    from ..catalog import LOSSES
    entry = LOSSES.get(o.loss.type)
    if entry.criterion_code is None or entry.target_code is None:  # type: ignore[attr-defined]
        raise ExportError(f"node {o.node!r}: the py format cannot write its loss {o.loss.type!r}; pick a "
                          "catalog loss or export the model as pt2 or onnx", node=o.node)
    params = entry.validate_params(o.loss.params, "outputs.loss.params")
    return entry.criterion_code(params), entry.target_code(info), entry.code_helper  # type: ignore[attr-defined]


def training_code(project, heads: list, dataset) -> str:
    """``heads``: (variable, OutputSpec, target name, TargetInfo) per output head, in project order."""
    t = project.training
    helpers, crit, adapt = [], [], []
    for var, o, tname, info in heads:
        criterion, target, helper = _loss_code(o, info)
        crit.append(f"        {var!r}: {criterion},  # head {o.node!r}")
        adapt.append(f"        {var!r}: " + target.format(y=f"y[{tname!r}]", width=info.width,
                                                      cols=1 if info.is_classification else info.width) + ",")
        if helper and helper not in helpers:
            helpers.append(helper)
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
    (x_train, x_val, x_test, *x_extra), (y_train, y_val, y_test) = load_data()
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
