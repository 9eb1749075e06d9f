"""Where trials run: one interface, two implementations.

* :class:`LocalExecutor` (the default): a process pool on this machine, one worker per core by
  default, each with torch threads = cores / workers. Workers record their runs in the store
  themselves, live. Workers start from a *fork server* that has imported torch once (see
  :func:`pool_context`), so a worker is ready in milliseconds instead of paying torch's 2–3 s import
  each; where there is no fork server (Windows, a frozen app) they are spawned, which behaves alike.
* :class:`RayExecutor` (``pip install losslab[ray]``): each trial is a Ray task that declares its CPUs
  and sets torch's thread count itself; it returns its record and the driver writes the store.
  ``address=None`` starts a local Ray; ``address="ray://host:10001"`` or ``"auto"`` joins a cluster.

Both yield trial outcomes (frozen :class:`~core.studies.outcome.TrialOutcome`) as trials finish and
cancel cleanly: queued trials never start, running ones stop at their next step flush (local) or are cancelled by Ray.
"""
from __future__ import annotations

import os
import signal
from concurrent.futures import CancelledError, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Iterator

from .outcome import TrialOutcome, cancelled_outcome
from .trial import TrialTask, init_worker, run_trial


class ExecutorError(Exception):
    """The executor cannot start (Ray missing, cluster unreachable); the message says what to do."""


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def split_cores(workers: int | None, n_trials: int) -> tuple[int, int]:
    """``(workers, torch threads per worker)``: one worker per core by default, never more than trials."""
    cores = cpu_count()
    w = max(1, min(workers or cores, max(1, n_trials)))
    return w, max(1, cores // w)


class Executor:
    """Run trial tasks; ``writes_store``: whether workers record runs themselves."""
    name = "base"
    writes_store = True
    workers = 1
    threads = 1

    def run(self, tasks: list[TrialTask], datasets: dict[str, Any]) -> Iterator[TrialOutcome]:
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _cancelled(task: TrialTask, why: str = "cancelled before it started") -> TrialOutcome:
    return cancelled_outcome(task.index, task.setting, task.seed, why)


def _failed(task: TrialTask, why: str) -> TrialOutcome:
    return _cancelled(task).replace(status="failed", message=why)


def _worker_init(datasets, cancel, threads) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the driver decides
    init_worker(datasets, cancel, threads)


#: what the fork server imports once, so that forked workers start with it loaded: torch, and
#: ``torch._dynamo`` (building any torch optimizer imports it, about a second on its own)
PRELOAD = ["core.studies.trial", "core.training", "torch", "torch._dynamo"]


def pool_context():
    """The multiprocessing context for worker pools: ``forkserver`` preloading :data:`PRELOAD` where
    the platform has it and the program is not frozen, else ``spawn``.

    The fork server is a fresh process (started by exec, like ``spawn``), so threads in this process
    (the window's, a Ray driver's) never reach a worker; it is started once per process and shared by
    every later pool, so the second study starts its workers at once."""
    import multiprocessing as mp
    import sys
    if getattr(sys, "frozen", False) or "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


class LocalExecutor(Executor):
    name = "local"
    writes_store = True

    def __init__(self, workers: int | None = None, threads: int | None = None, n_trials: int = 1_000_000):
        self.workers, auto_threads = split_cores(workers, n_trials)
        self.threads = threads or auto_threads
        self._ctx = pool_context()
        self._flag = self._ctx.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict = {}

    def run(self, tasks, datasets):
        self._pool = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_worker_init,
                                         initargs=(datasets, self._flag, self.threads))
        for t in tasks:
            t.threads = self.threads
        self._futures = {self._pool.submit(run_trial, t): t for t in tasks}
        if self._flag.is_set():
            self.cancel()
        for fut in as_completed(self._futures):
            task = self._futures[fut]
            try:
                yield fut.result()
            except CancelledError:
                yield _cancelled(task)
            except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory) fails its trial
                yield _failed(task, f"the worker process failed: {exc}")

    def cancel(self) -> None:
        self._flag.set()
        for fut in list(self._futures):
            fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def ray_runtime_env() -> dict[str, Any]:
    """The runtime environment that ships LossLab's ``core`` package to Ray workers, unless it is
    installed where they can import it. Pass it to ``ray.init`` when you start Ray yourself."""
    import core
    pkg = Path(core.__file__).resolve().parent
    installed = "site-packages" in pkg.parts or "dist-packages" in pkg.parts
    return {} if installed else {"py_modules": [str(pkg)]}


class RayExecutor(Executor):
    name = "ray"
    writes_store = False

    def __init__(self, workers: int | None = None, threads: int | None = None, address: str | None = None,
                 n_trials: int = 1_000_000):
        try:
            import ray
        except ImportError:
            raise ExecutorError("--backend ray needs Ray: pip install 'losslab[ray]'") from None
        self.ray = ray
        self._started = False
        if not ray.is_initialized():
            try:
                ray.init(address=address, runtime_env=ray_runtime_env() or None, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            except Exception as exc:  # noqa: BLE001 - ConnectionError, RuntimeError, ValueError from Ray
                raise ExecutorError(f"cannot start or reach Ray at {address or 'a new local instance'}: {exc}") from None
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(workers or cpus, n_trials))
        self.threads = threads or max(1, cpus // self.workers)
        self._pending: dict = {}

    def run(self, tasks, datasets):
        ray = self.ray
        remote = ray.remote(run_trial).options(num_cpus=self.threads, max_retries=0)
        data_ref = ray.put(datasets)
        for t in tasks:
            t.threads, t.store_dir = self.threads, None   # the driver writes what the workers return
        self._pending = {remote.remote(t, data_ref): t for t in tasks}
        while self._pending:
            done, _ = ray.wait(list(self._pending), num_returns=1)
            ref = done[0]
            task = self._pending.pop(ref)
            try:
                yield ray.get(ref)
            except ray.exceptions.TaskCancelledError:
                yield _cancelled(task, "cancelled")
            except ray.exceptions.RayError as exc:
                yield _failed(task, f"the Ray task failed: {exc}")

    def cancel(self) -> None:
        for ref in list(self._pending):
            self.ray.cancel(ref)

    def close(self) -> None:
        if self._started:
            self.ray.shutdown()
            self._started = False


def make_executor(backend: str = "local", *, workers: int | None = None, address: str | None = None,
                  n_trials: int = 1_000_000) -> Executor:
    if backend == "local":
        if address:
            raise ExecutorError("--address is for --backend ray")
        return LocalExecutor(workers, n_trials=n_trials)
    if backend == "ray":
        return RayExecutor(workers, address=address, n_trials=n_trials)
    raise ExecutorError(f"unknown backend {backend!r}: local or ray")
