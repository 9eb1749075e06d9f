"""How ``losslab train`` records its run: a :class:`RunRecorder` beside the printer, unless ``--no-store``.

A store that cannot be opened (newer version, damaged file) is reported and the training goes on
unrecorded."""
from __future__ import annotations

import sys


def store_or_none(args, what: str):
    """The run store, or None with ``--no-store`` or when it cannot be opened (then said on stderr:
    "losslab COMMAND: not recording WHAT: why")."""
    if getattr(args, "no_store", False):
        return None
    from ..runs import StoreError, open_store
    try:
        return open_store()
    except StoreError as e:
        print(f"losslab {args.command}: not recording {what}: {e}", file=sys.stderr)
        return None


def recorded(printer, project, args, out):
    """``(observer, recorder or None)`` for ``train``."""
    store = store_or_none(args, "this run")
    if store is None:
        return printer, None
    from ..runs import RunRecorder
    from ..runs.fanout import Fanout
    seed = args.seed if getattr(args, "seed", None) is not None else project.training.seed
    recorder = RunRecorder(store, project, seed=seed)
    out(f"recording as run {recorder.run_id} in {store.path} (--no-store to skip)")
    return Fanout(printer, recorder), recorder


def setup_from_run(args, project, dataset, out):
    """``--from-run RUN``: the model with that run's final weights (``None`` without the option)."""
    if not getattr(args, "from_run", None):
        return None
    from ..runs import StoreError, open_store
    from ..runs.resume import WeightsMismatch, setup_from_run as _setup
    from .common import UserError
    try:
        with open_store() as store:
            setup = _setup(store, args.from_run, project, dataset, device=args.device, seed=args.seed)
    except (StoreError, KeyError, FileNotFoundError, WeightsMismatch) as e:
        raise UserError(str(e.args[0]) if isinstance(e, KeyError) else str(e)) from None
    out(f"starting from the final weights of run {args.from_run}")
    return setup
