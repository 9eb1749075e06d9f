"""The run store: every training recorded as it goes (SQLite in WAL mode, weights as ``.pt`` beside it)."""
from .recorder import RunRecorder, import_run, new_run_id
from .records import MAX_STEPS, RunRecord, RunSummary, downsample_minmax
from .store import RunStore, StoreError, default_store_dir, open_store

__all__ = ["MAX_STEPS", "RunRecord", "RunRecorder", "RunStore", "RunSummary", "StoreError", "default_store_dir",
           "downsample_minmax", "import_run", "new_run_id", "open_store"]
