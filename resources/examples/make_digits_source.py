"""Write ``digits-source.pt``, the weights that ``digits-few.losslab.json`` starts from.

A real training run of ``digits-source.losslab.json`` (the digits 5-9, seed 0, CPU); the state dict is
the one ``losslab train digits-source.losslab.json --save-model digits-source.pt`` writes. Run from the
repository root: ``python resources/examples/make_digits_source.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def main() -> int:
    import torch

    from core.atomic_files import write_atomic
    from core.project import Project
    from core.training import train
    torch.set_num_threads(1)
    project = Project.load(HERE / "digits-source.losslab.json")
    result = train(project, diagnose=False, health=False)
    if result.status not in ("completed", "early_stopped"):
        print(f"training {result.status}: {result.message}")
        return 1
    state = result.state_dict()   # the final weights (early stopping restored the best epoch's)
    from core.data import load_dataset
    from core.training.source_inputs import input_metadata, with_inputs   # the inputs, as --save-model records
    state = with_inputs(state, input_metadata(load_dataset(project.data, project.base_dir), project.data.normalize))
    write_atomic(HERE / "digits-source.pt", lambda f: torch.save(state, f))
    best = f"{result.best_val_loss:.4f}" if result.best_val_loss is not None else "-"
    print(f"digits-source: {result.status} after {result.epochs_run} epochs, best validation loss {best} "
          f"(epoch {result.best_epoch}); wrote {HERE / 'digits-source.pt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
