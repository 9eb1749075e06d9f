"""The training loop: in-memory batches by index, no per-step host sync, observer + control.

Reproducible: ``torch.manual_seed(seed)`` before the model is built (weights, dropout) and a separate
``torch.Generator`` seeded with the same seed draws each epoch's ``randperm``; batches are consecutive
slices of it, the last one partial. A hand-written loop with that recipe gives the same losses.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..catalog import LAYERS, SCHEDULES, build_schedule
from ..log import get_logger
from .control import TrainingControl
from .evaluate import evaluate, evaluate_test
from .events import EpochRecord, RunInfo, RunResult, StepRecords, TrainingObserver
from .schedule import HeldSchedule, continue_schedule, schedule_state
from .setup import RunSetup, baseline_loss, majority_rate, make_optimizer, prepare
from .step import TrainStep

_log = get_logger(__name__)

FLUSH_STEPS = 64         # steps per StepRecords batch at most
FLUSH_SECONDS = 0.05     # ... or this much time, whichever comes first
DEAD_UNITS_EVERY = 5     # epochs between dead-unit counts (a forward pass over 1,024 samples); again at the end
# Live diagnostics at most once per this many steps (and after the first epoch, and at once when the loss
# is no longer finite). An update is ~3 ms of Python whatever the epoch's size: after every 20-step epoch
# of the spiral example it cost 14% of the training speed headless, and more in the window, whose GUI
# thread wants the same GIL. Counted in steps, not seconds: the findings, and where a run stops on a
# divergence, stay a function of the run alone. The end of a run reads the whole history.
DIAG_EVERY_STEPS = 64


@dataclass
class _StepBuffer:
    """Per-step tensors kept on the device until a flush; one host sync per flush."""
    loss: list = field(default_factory=list)
    gnorm: list = field(default_factory=list)
    pen: list = field(default_factory=list)
    heads: list = field(default_factory=list)
    lr: list = field(default_factory=list)


class _Series:
    """A float64 array that grows by doubling; ``view()`` is zero-copy (diagnostics read it live)."""

    def __init__(self, capacity: int = 1024):
        self._a = np.empty(capacity, dtype=np.float64)
        self.n = 0

    def extend(self, values: list[float]) -> None:
        need = self.n + len(values)
        if need > len(self._a):
            grown = np.empty(max(need, 2 * len(self._a)), dtype=np.float64)
            grown[:self.n] = self._a[:self.n]
            self._a = grown
        self._a[self.n:need] = values
        self.n = need

    def view(self) -> np.ndarray:
        return self._a[:self.n]


def train(project, *, observer: TrainingObserver | None = None, control: TrainingControl | None = None,
          dataset=None, setup: RunSetup | None = None, epochs: int | None = None, seed: int | None = None,
          device: str | None = None, threads: int | None = None, diagnose: bool = True,
          resume: RunResult | None = None, health: bool = True) -> RunResult:
    """Train ``project`` and return the result; never raises for a failure inside the loop (status
    ``failed`` with the message), but setup problems (bad data, a graph that does not check) raise.

    ``resume`` continues an earlier result on the same ``setup`` (its model): epochs and steps number
    on from it, the history and step series carry over (so the diagnostics see the whole curve), and
    the optimizer keeps its state. ``epochs`` then counts the epochs to add; the schedule continues
    where it stopped (unless its settings or the rate changed: see :mod:`core.training.schedule`).

    ``health`` probes every node's statistics every N steps (:mod:`core.health`): the result's
    ``health`` series, the epoch records' last probe and findings named at a node."""
    obs = observer or TrainingObserver()
    control = control or TrainingControl()
    if threads:
        torch.set_num_threads(threads)
    seed = project.training.seed if seed is None else seed
    setup = setup or prepare(project, dataset, device=device, seed=seed)
    loop = _Loop(project, setup, obs, control, epochs or project.training.epochs, seed, diagnose, health)
    if resume is not None:
        loop.resume_from(resume)
    _log.debug("training %s: %d epochs, batch %d, %d parameters on %s", project.name or "project", loop.epochs,
               loop.bs, sum(p.numel() for p in loop.params), setup.device)
    result = loop.run()
    _log.info("run %s after %d epochs, %d steps (%.0f steps/s)%s", result.status, result.epochs_run, result.steps,
              result.steps_per_second, f": {result.message}" if result.message else "")
    return result


class _Loop:
    def __init__(self, project, setup: RunSetup, obs: TrainingObserver, control: TrainingControl, epochs: int,
                 seed: int, diagnose: bool, health: bool = True):
        self.p, self.s, self.obs, self.control = project, setup, obs, control
        self.epochs, self.seed = epochs, seed
        t = project.training
        self.n = setup.x_train.shape[0]
        self.bs = max(1, min(t.batch_size, self.n))
        self.steps_per_epoch = math.ceil(self.n / self.bs)
        if self.n % self.bs == 1 and self.n > 1 and any(
                LAYERS.get(t).traits.batch_statistics for t in setup.model.types.values()):
            self.steps_per_epoch -= 1  # BatchNorm cannot normalize a last batch of one (random) sample: drop it
        self.opt = make_optimizer(project, setup.model)
        entry = SCHEDULES.get(t.schedule.type)
        self.sched = HeldSchedule.wrap(build_schedule(
            entry, entry.validate_params(t.schedule.params, "training.schedule.params"), self.opt, epochs=epochs,
            steps_per_epoch=self.steps_per_epoch), entry.end)  # a continued run carries it on: see .schedule
        self.sched_per_step = entry.per_step
        self.plateau_sched = entry.needs_metric
        self.train_step = TrainStep.for_project(project, setup, self.opt)   # the LR finder takes the same step
        self.penalty = self.train_step.penalty
        self.params = self.train_step.params
        self.buf = _StepBuffer()
        self.step = 0
        self.flushed_step = 0
        self.epoch_loss_sum = 0.0
        self.epoch_loss_n = 0
        self.history: list[EpochRecord] = []
        self.series = {"step_loss": _Series(), "step_lr": _Series(), "step_grad_norm": _Series()}
        self.relu_nodes = [n for n, t in setup.model.types.items() if LAYERS.get(t).traits.dies]
        self.diverged_step: int | None = None
        self.best: tuple[float, int, dict] | None = None
        self.start_epoch = 0
        self.wait = 0
        self.gen = torch.Generator().manual_seed(seed)
        self.project_lr = self.opt.param_groups[0]["lr"]
        self.tracker = None
        self.diag_history: list[dict] = []  # the history as the diagnostics read it, one dict per epoch
        self._diag_due = 0                   # the step from which the next live update is due
        self._dead_due = 0                   # the epoch from which the next dead-unit count is due
        self.findings: list = []
        self.health = None
        if health:  # one monitor, made once; the loop asks it once per step (a countdown)
            from ..health import HealthMonitor
            self.health = HealthMonitor(setup)
        if diagnose:
            from ..diagnostics import DiagnosticContext, DiagnosticsTracker
            h0 = setup.heads[0]
            self.tracker = DiagnosticsTracker(DiagnosticContext(
                task=h0.info.task, baseline_loss=baseline_loss(setup), majority_rate=majority_rate(setup),
                lr=self.opt.param_groups[0]["lr"], optimizer=t.optimizer.type, val_samples=int(setup.x_val.shape[0])))

    def resume_from(self, previous: RunResult) -> None:
        """Continue ``previous`` (trained on this setup's model): numbering, history, optimizer state."""
        st = previous.state
        self.start_epoch = previous.epochs_run
        self.step = self.flushed_step = previous.steps
        self.history = list(previous.history)
        for name, values in st.get("series", {}).items():
            self.series[name].extend(list(values))
        if st.get("optimizer"):
            self.opt.load_state_dict(st["optimizer"])
            if not continue_schedule(self.sched, st.get("schedule"), self.p.training, self.opt):
                for g in self.opt.param_groups:  # the project's rate wins over the saved one
                    g["lr"] = self.project_lr * g.get("lr_multiplier", 1.0)
        if st.get("best") is not None:
            self.best = st["best"]
        self.wait = st.get("wait", 0)
        if st.get("generator") is not None:
            self.gen.set_state(st["generator"])

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> RunResult:
        s = self.s
        t0 = time.perf_counter()
        status, message = "completed", ""
        info = RunInfo(self.p.name, self.epochs, self.steps_per_epoch, self.n, s.x_val.shape[0], s.n_params,
                       str(s.device), torch.get_num_threads(), tuple(h.name for h in s.heads), s.heads[0].info.task,
                       self.opt.param_groups[0]["lr"], self.start_epoch)
        first_step = self.step
        try:
            self.obs.on_run_start(info)
            es = self.p.training.early_stopping
            if s.pseudo is not None:
                s.pseudo.plan(self.epochs, self.start_epoch)
            for epoch in range(self.start_epoch + 1, self.start_epoch + self.epochs + 1):
                te = time.perf_counter()
                if s.pseudo is not None:
                    self._pseudo_round(epoch)
                s.model.train()
                perm = torch.randperm(self.n, generator=self.gen).to(s.device)
                if not self._run_epoch(epoch, perm):
                    # only completed epochs enter the history: a partial one would skew the curves
                    # (its steps stay in the step series)
                    status = "diverged" if self.diverged_step is not None else "stopped"
                    break
                monitor = self._epoch_end(epoch, te, t0)
                if self.diverged_step is not None:
                    status = "diverged"
                    break
                if self.best is None or monitor < self.best[0] - es.min_delta:
                    self.best = (monitor, epoch, {k: v.detach().clone() for k, v in s.model.state_dict().items()})
                    self.wait = 0
                else:
                    self.wait += 1
                    if es.patience and self.wait >= es.patience:
                        status = "early_stopped"
                        break
        except Exception as exc:  # noqa: BLE001 - reported as a failed run, never a crash of the caller
            status, message = "failed", f"{type(exc).__name__}: {exc}"
            _log.error("run failed at step %d: %s", self.step, message, exc_info=exc)
            self.obs.on_exception(exc)
        finally:
            result = self._finish(status, message, t0, first_step)
            self.obs.on_run_end(result)
        return result

    def _pseudo_round(self, epoch: int) -> None:
        """A pseudo-label round changes the training rows: the batch size stays, the steps follow."""
        n = self.s.pseudo.before_epoch(epoch)
        if n is not None:
            self.wait = 0   # new training rows: early stopping's patience starts over (else it ends the run first)
            self.n = n
            self.bs = max(1, min(self.p.training.batch_size, n))
            self.steps_per_epoch = math.ceil(n / self.bs) - (1 if n % self.bs == 1 and n > 1 and any(
                LAYERS.get(t).traits.batch_statistics for t in self.s.model.types.values()) else 0)

    def _run_epoch(self, epoch: int, perm: torch.Tensor) -> bool:
        control, buf = self.control, self.buf
        take_step = self.train_step
        next_flush = time.perf_counter() + FLUSH_SECONDS
        bs = self.bs
        sched_step = self.sched.step if self.sched_per_step else None
        loss_buf, norm_buf, lr_buf, group = buf.loss, buf.gnorm, buf.lr, self.opt.param_groups[0]
        clock = time.perf_counter
        health = self.health
        for i in range(self.steps_per_epoch):
            if control.pending and not self._handle_control():
                self._flush(epoch)
                return False
            probe = health is not None and health.due()
            if probe:
                health.before_step()
            loss, pen, per, gn = take_step(perm[i * bs:(i + 1) * bs])
            if probe:
                health.after_step(self.flushed_step + len(loss_buf) + 1, epoch)
            if per is not None:
                buf.heads.append(per)
            if pen is not None:
                buf.pen.append(pen)
            if sched_step is not None:
                sched_step()
            loss_buf.append(loss)
            norm_buf.append(gn)
            lr_buf.append(group["lr"])
            if len(loss_buf) >= FLUSH_STEPS or clock() >= next_flush:
                if not self._flush(epoch):
                    return False
                next_flush = clock() + FLUSH_SECONDS
        return self._flush(epoch)

    def _handle_control(self) -> bool:
        lr = self.control.take_lr()
        if lr is not None:
            for g in self.opt.param_groups:   # a node's lr_multiplier keeps its ratio to the new rate
                g["lr"] = lr * g.get("lr_multiplier", 1.0)
        return self.control.wait_before_batch(on_wait=lambda: self._flush(len(self.history) + 1))

    def _flush(self, epoch: int) -> bool:
        """Move buffered step values to the host (one sync) and notify; False when diverged."""
        buf = self.buf
        if not buf.loss:
            return self.diverged_step is None
        loss = torch.stack(buf.loss).tolist()
        gnorm = torch.stack(buf.gnorm).tolist()
        pen = torch.stack(buf.pen).tolist() if buf.pen else []
        head_vals = torch.stack(buf.heads).T.tolist() if buf.heads else []
        lrs = list(buf.lr)
        for part in (buf.loss, buf.gnorm, buf.pen, buf.heads, buf.lr):
            part.clear()  # in place: the running loop holds a reference to this buffer
        first = self.flushed_step + 1
        self.flushed_step += len(loss)
        self.step = self.flushed_step
        self.series["step_loss"].extend(loss)
        self.series["step_lr"].extend(lrs)
        self.series["step_grad_norm"].extend(gnorm)
        self.epoch_loss_sum += math.fsum(loss)
        self.epoch_loss_n += len(loss)
        heads = {h.name: tuple(v) for h, v in zip(self.s.heads, head_vals)}
        self.obs.on_steps(StepRecords(first, epoch, tuple(loss), tuple(lrs), tuple(gnorm), tuple(pen), heads))
        for k, v in enumerate(loss):
            if not math.isfinite(v) or (pen and not math.isfinite(pen[k])):
                self.diverged_step = first + k
                return False
        return True

    def _epoch_end(self, epoch: int, te: float, t0: float) -> float:
        s = self.s
        train_loss = self.epoch_loss_sum / max(1, self.epoch_loss_n)
        self.epoch_loss_sum, self.epoch_loss_n = 0.0, 0
        val_loss, metrics, heads = evaluate(s)
        with torch.no_grad():
            pen = float(self.penalty()) if self.penalty is not None else 0.0
        monitor = val_loss if val_loss is not None else train_loss
        if self.plateau_sched:
            self.sched.step(monitor if math.isfinite(monitor) else float("inf"))
        elif self.sched is not None and not self.sched_per_step:
            self.sched.step()
        now = time.perf_counter()
        rec = EpochRecord(epoch, self.step, train_loss, val_loss, self.opt.param_groups[0]["lr"], now - te, now - t0,
                          metrics, heads, pen, self._epoch_health(epoch))
        self.history.append(rec)
        self.control.epoch_ended()
        if not math.isfinite(monitor) and self.diverged_step is None:
            self.diverged_step = self.step
        self.obs.on_epoch_end(rec)
        # Diagnostics every DIAG_EVERY_STEPS steps, whatever the machine's load (see there)
        if self.tracker is not None and (self.step >= self._diag_due or not math.isfinite(monitor)):
            self._diag_due = self.step + DIAG_EVERY_STEPS
            if self.relu_nodes and self.health is None and (epoch <= 2 or epoch >= self._dead_due):
                self._dead_due = epoch + DEAD_UNITS_EVERY
                self.tracker.context.dead_unit_share = self._dead_units()
            current = self.tracker.update(self._diag_history(), self._steps())
            new = self.tracker.new_since_last()
            if self.health is not None:
                current, new = self.health.merge(current, new)
            changed = [f.to_dict() for f in current] != [f.to_dict() for f in self.findings]
            self.findings = current
            for f in new:  # an explosion that never reached NaN (all ReLUs dead at 1e25) still ends the run
                if f.kind == "divergence" and self.diverged_step is None:
                    self.diverged_step = f.start_step or self.step
            if new or changed:  # a range that grew or a finding that cleared reaches the view too
                self.obs.on_findings(new, current)
        return monitor if math.isfinite(monitor) else float("inf")

    def _epoch_health(self, epoch: int) -> dict:
        """The last probe taken in this epoch, for the epoch record (empty without one)."""
        last = self.health.last if self.health is not None else None
        return last.to_dict() if last is not None and last.epoch == epoch else {}

    def _diag_history(self) -> list[dict]:
        """The history as dicts, converted once per epoch (not the whole history again every epoch)."""
        for h in self.history[len(self.diag_history):]:
            self.diag_history.append(h.to_dict() | _raw(h))
        return self.diag_history

    def _steps(self) -> dict[str, np.ndarray]:
        return {k: v.view() for k, v in self.series.items()}

    def _dead_units(self) -> dict[str, float]:
        x = self.s.x_val if self.s.x_val.shape[0] else self.s.x_train
        return _dead_units_of(self.s.model, x[:1024], self.relu_nodes)

    def _finish(self, status: str, message: str, t0: float, first_step: int = 0) -> RunResult:
        s = self.s
        seconds = time.perf_counter() - t0
        best_epoch = best_val = None
        if self.health is not None and status != "failed":
            self.health.final(self.step, max(1, len(self.history)))
        if (self.tracker is not None and self.relu_nodes and self.history and self.health is None
                and status not in ("diverged", "failed")):
            self.tracker.context.dead_unit_share = self._dead_units()  # the final weights, before any restore
        if self.best is not None:
            best_val, best_epoch, state = self.best
            restore = status == "diverged" or (status == "early_stopped" and self.p.training.early_stopping.restore_best)
            if restore:
                s.model.load_state_dict(state)
        if status == "diverged" and not message:
            message = (f"diverged at step {self.diverged_step}: the loss became NaN/inf or exploded"
                       + (f"; kept the weights of epoch {best_epoch}" if best_epoch else ""))
        findings = self.findings
        if self.tracker is not None and (self.history or self.series["step_loss"].n):
            try:
                if self.history:
                    findings = self.tracker.finish(self._diag_history(), self._steps())
                else:  # it ended inside the first epoch (a divergence at step 7): the steps tell
                    from ..diagnostics import diagnose
                    findings = diagnose([], steps=self._steps(), context=self.tracker.context, final=True)
            except Exception as exc:  # noqa: BLE001 - a diagnostics bug must not lose the run
                message = message or f"diagnostics failed: {exc}"
                _log.error("diagnostics failed at the end of the run; the run is kept", exc_info=exc)
            if self.health is not None:
                findings = self.health.merge(findings, [])[0]
        late = next((f for f in findings if f.kind == "divergence"), None) if status == "completed" else None
        if late is not None:  # a blow-up that never came back, seen once the whole run is known: diverged too
            status, self.diverged_step = "diverged", late.start_step or self.step
            message = message or f"diverged at step {self.diverged_step}: {late.message}"
            if best_epoch is not None:
                s.model.load_state_dict(self.best[2])
        test = {}
        if s.dataset.x_test.shape[0] and status != "failed":
            test = evaluate_test(s)
        state = {"series": {k: v.view().copy() for k, v in self.series.items()},
                 "optimizer": self.opt.state_dict(), "best": self.best, "wait": self.wait,
                 "generator": self.gen.get_state(), "schedule": schedule_state(self.sched, self.p.training)}
        if s.pseudo is not None:
            state["pseudo_labels"] = s.pseudo.report()
        ran = self.step - first_step
        return RunResult(status, len(self.history), best_epoch, best_val, self.history, self.step, seconds,
                         ran / seconds if seconds > 0 else 0.0, message, self.diverged_step, findings,
                         self.series["step_loss"].view().tolist(), weights_bytes(s.model), self.start_epoch, state, test,
                         self.health.series if self.health is not None else [])


def weights_bytes(model) -> bytes:
    """``model``'s state dict as ``torch.save`` bytes (CPU tensors): what a RunResult carries."""
    import io
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buf)
    return buf.getvalue()


def trained_model(project, result, dataset=None, device: str = "cpu"):
    """A LossLab network for ``project`` holding ``result``'s final weights (None without weights)."""
    state = result.state_dict()
    if state is None:
        return None
    model = prepare(project, dataset, device=device, seed=project.training.seed).model
    model.load_state_dict(state)
    return model


def _dead_units_of(model, x: torch.Tensor, nodes: list[str]) -> dict[str, float]:
    """Share of each ReLU node's units that output zero for every sample of ``x``."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            outs = model.forward_all(x)
    finally:
        model.train(was_training)
    return {n: float((outs[n].reshape(outs[n].shape[0], -1) > 0).any(dim=0).logical_not().float().mean())
            for n in nodes}


def _raw(rec: EpochRecord) -> dict:
    """Diagnostics want NaN (not JSON's null) for a non-finite loss."""
    return {"train_loss": rec.train_loss, "val_loss": rec.val_loss}
