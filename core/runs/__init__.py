"""The run store: every training recorded as it goes (SQLite in WAL mode, weights as ``.pt`` beside it)."""
from .recorder import RunRecorder, import_run, new_run_id
from .records import MAX_STEPS, RunRecord, RunSummary, downsample_minmax
from .store import RunStore, StoreError, default_store_dir, open_store

__all__ = ["MAX_STEPS", "RunRecord", "RunRecorder", "RunStore", "RunSummary", "StoreError", "default_store_dir",
           "downsample_minmax", "import_run", "new_run_id", "open_store", "run_weights_file"]



def run_weights_file(ref: str, store_dir=None):
    """A stored run's final weights file, for nodes whose ``init`` names a run (core.training.transfer)."""
    with open_store(store_dir) as store:
        run_id = store.resolve(ref)
        path = store.weights_dir(run_id) / "final.pt"
    if not path.is_file():
        raise FileNotFoundError(f"run {run_id} has no final weights ({path})")
    return path
