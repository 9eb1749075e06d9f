"""How ``losslab train`` records its run: a :class:`RunRecorder` beside the printer, unless ``--no-store``.

A store that cannot be opened (newer version, damaged file) is reported and the training goes on
unrecorded."""
from __future__ import annotations

import sys


def recorded(printer, project, args, out):
    """``(observer, recorder or None)`` for ``train``."""
    if getattr(args, "no_store", False):
        return printer, None
    from ..runs import RunRecorder, StoreError, open_store
    from ..runs.fanout import Fanout
    try:
        store = open_store()
    except StoreError as e:
        print(f"losslab {args.command}: not recording this run: {e}", file=sys.stderr)
        return printer, None
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
