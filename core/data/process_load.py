"""Reading a big data file in a child process, so the caller's process keeps its interpreter lock.

A thread cannot keep a window responsive while a big CSV is parsed: the parse is Python work (the
``csv`` module's rows, the column builders, numpy conversions, the garbage collector walking the row
objects) and holds the GIL for most of a second at a time, so the GUI thread stalls for as long
(3.8 s of lateness for a 300,000-row file, resources/docs/benchmarks.md, "Window pace").
:func:`load_dataset_in_process` runs :func:`core.data.load_dataset` in a child forked from the shared
fork server (:func:`core.tasks.process_context`: torch and the readers already imported) and gets back
the finished :class:`~core.data.dataset.Dataset`, pickled once into bytes and read through a pipe: the
caller only waits on the pipe (no GIL held) and unpickles a few arrays (a copy, milliseconds).

* Progress: the child sends its reader's progress; the caller's ``state`` shows it.
* Cancel: ``state.cancel()`` kills the child at once (nothing to wait for, nothing left behind: the
  child writes no file) and the task ends as cancelled.
* Errors: a :class:`DataError` comes back as the same ``DataError`` (its place, file line and column,
  and its sentence); any other exception as a ``DataError`` naming the data file and the child's
  message; a child that dies (out of memory, killed) as a ``DataError`` saying so.
"""
from __future__ import annotations

import gc
import pickle
from typing import Any, Callable

from core.data.errors import DataError
from core.tasks import TaskCancelled, TaskState, process_context

__all__ = ["load_dataset_in_process"]

#: seconds between two looks at the cancel flag while the child reads
POLL_S = 0.05
#: the smallest progress step the child reports (a message per 1% is plenty for a progress bar)
PROGRESS_STEP = 0.01


def _child(conn, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """The child's whole life: run ``fn(*args, progress=..., **kwargs)`` and send how it ended."""
    gc.disable()     # a short-lived child: collecting the parser's row objects cost about a third of a read
    last = [-1.0]

    def progress(fraction: float) -> None:
        if fraction - last[0] >= PROGRESS_STEP or fraction >= 1.0:
            last[0] = fraction
            conn.send(("progress", float(fraction)))
    try:
        value = fn(*args, progress=progress, **kwargs)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except DataError as e:
        conn.send(("data_error", e.where, e.reason))
        return
    except Exception as e:  # noqa: BLE001 - sent back as a message: the caller decides how to show it
        conn.send(("error", type(e).__name__, str(e)))
        return
    conn.send(("value",))
    conn.send_bytes(payload)


def _load(spec: Any, base_dir: Any, *, progress: Callable[[float], None]) -> Any:
    from core.data.loader import load_dataset
    return load_dataset(spec, base_dir, progress=progress)


def load_dataset_in_process(spec: Any, base_dir: Any = None, *, state: TaskState,
                            fn: Callable[..., Any] | None = None) -> Any:
    """:func:`core.data.load_dataset` ``(spec, base_dir)`` read in a child process (a ``core.tasks`` task).

    ``fn``: what the child calls instead, as ``fn(spec, base_dir, progress=callback)`` (a module-level
    function: it is pickled to the child); tests use it to hold a read half way."""
    ctx = process_context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn or _load, (spec, base_dir), {}),
                       name="LossLabDataRead", daemon=True)
    state.raise_if_cancelled()
    proc.start()
    child.close()                      # the child's end lives in the child only: EOF when it is gone
    done = []

    def kill() -> None:                # the owner's thread, at its cancel: the child stops now
        if not done:
            proc.kill()
    state.on_cancel(kill)
    try:
        return _receive(parent, proc, state, _shown(spec))
    finally:
        parent.close()
        if proc.exitcode is None:
            proc.kill()
        proc.join()
        done.append(True)


def _shown(spec: Any) -> str:
    path = spec.get("path") if isinstance(spec, dict) else getattr(spec, "path", None)
    return str(path) if path else "data"


def _receive(conn, proc, state: TaskState, shown: str) -> Any:
    while True:
        if state.is_cancelled():
            raise TaskCancelled("cancelled")
        if not conn.poll(POLL_S):
            continue
        try:
            message = conn.recv()
        except (EOFError, OSError):
            if state.is_cancelled():
                raise TaskCancelled("cancelled") from None
            proc.join()
            raise DataError(shown, f"the process reading the data ended without a result (exit code "
                                   f"{proc.exitcode}); the file may be too big for this computer's memory") from None
        kind = message[0]
        if kind == "progress":
            state.set_progress(message[1])
        elif kind == "value":
            return pickle.loads(conn.recv_bytes())
        elif kind == "data_error":
            raise DataError(message[1], message[2])
        else:
            raise DataError(shown, f"reading the data failed: {message[1]}: {message[2]}")

