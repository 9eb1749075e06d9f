"""The run store: one SQLite database (stdlib ``sqlite3``, WAL) with every run, weights beside it.

Layout under the user data folder (``LOSSLAB_HOME`` overrides)::

    runs.sqlite3              runs, epochs, step-loss chunks
    weights/<run id>/final.pt the final state dict (and best.pt, the best epoch's)

Several processes may write at once (a study's workers): WAL lets readers run beside one writer,
each write is one short transaction and ``busy_timeout`` makes a second writer wait its turn.
``PRAGMA user_version`` holds the schema version; a database from a newer LossLab, or one that is
not a database, raises :class:`StoreError` naming the file.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .records import _LIST_COLUMNS, MAX_STEPS, RunRecord, RunSummary, _summary, downsample_minmax  # noqa: F401

SCHEMA_VERSION = 2   # 2: runs.parent, the run a continued run started from
DB_NAME = "runs.sqlite3"
BUSY_TIMEOUT_MS = 60_000
LIVE = "running"
#: statuses a finished run can have (the trainer's) plus ``running`` and ``interrupted``
STATUSES = ("running", "interrupted", "completed", "early_stopped", "stopped", "diverged", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    project_name TEXT NOT NULL,
    dataset TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    seed INTEGER,
    project_json TEXT NOT NULL,
    project_dir TEXT,
    env_json TEXT NOT NULL,
    info_json TEXT,
    epochs INTEGER NOT NULL DEFAULT 0,
    steps INTEGER NOT NULL DEFAULT 0,
    seconds REAL,
    best_epoch INTEGER,
    best_val_loss REAL,
    final_train_loss REAL,
    final_val_loss REAL,
    metric_name TEXT,
    metric_value REAL,
    findings_json TEXT NOT NULL DEFAULT '[]',
    test_json TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    tags_json TEXT NOT NULL DEFAULT '[]',
    study TEXT,
    setting_json TEXT,
    host TEXT,
    pid INTEGER,
    parent TEXT
);
CREATE TABLE IF NOT EXISTS epochs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    record_json TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    step BLOB NOT NULL,
    loss BLOB NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE INDEX IF NOT EXISTS runs_study ON runs(study);
"""

class StoreError(Exception):
    """The run store cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def default_store_dir() -> Path:
    from ..paths import user_data_dir
    return user_data_dir()


def open_store(directory: Path | str | None = None) -> "RunStore":
    """The store in ``directory`` (default: the user data folder); raises :class:`StoreError`."""
    return RunStore(Path(directory) if directory is not None else default_store_dir())


class RunStore:
    """The database and weight files in one folder. A store object is used by one thread."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.path = self.dir / DB_NAME
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(self.dir, f"cannot create the run store folder ({e.strerror}): set LOSSLAB_HOME to a "
                                       "writable folder") from None
        self._db = self._connect()

    # -- connection ------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(self.path, f"cannot open the run store ({e})") from None
        try:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                raise StoreError(self.path, f"this run store was written by a newer LossLab (schema {version}; this "
                                            f"version reads up to {SCHEMA_VERSION}): update LossLab, or set "
                                            "LOSSLAB_HOME to another folder")
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")   # WAL + NORMAL: a killed process loses nothing committed
            db.execute("PRAGMA foreign_keys=ON")
            if version < SCHEMA_VERSION:
                with self._write(db):
                    if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                        for statement in _SCHEMA.split(";"):
                            if statement.strip():
                                db.execute(statement)
                        _migrate(db)
                        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("SELECT count(*) FROM runs").fetchone()
        except StoreError:
            raise
        except sqlite3.DatabaseError as e:
            db.close()
            raise StoreError(self.path, f"the run store is damaged or not a LossLab database ({e}): move the file "
                                        "aside (LossLab then starts a new one), or set LOSSLAB_HOME to another "
                                        "folder") from None
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self):
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb):
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            return False

    def _write(self, db: sqlite3.Connection | None = None) -> "RunStore._Tx":
        """One write transaction (``BEGIN IMMEDIATE``: a second writer waits up to the busy timeout)."""
        return RunStore._Tx(db or self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing (used by the recorder) --------------------------------------------------------
    def begin_run(self, run_id: str, *, name: str, project: dict, project_dir: str | None, dataset: str,
                  seed: int | None, env: dict, study: str | None = None, setting: dict | None = None,
                  started: float | None = None, info: dict | None = None) -> None:
        with self._write() as db:
            db.execute("INSERT INTO runs (id, name, project_name, dataset, status, started, seed, project_json, "
                       "project_dir, env_json, info_json, study, setting_json, host, pid) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       (run_id, name, project.get("name", ""), dataset, LIVE, started or time.time(), seed,
                        json.dumps(project), project_dir, json.dumps(env), json.dumps(info) if info else None, study,
                        json.dumps(setting) if setting is not None else None, socket.gethostname(), os.getpid()))

    def write_progress(self, run_id: str, *, info: dict | None = None, epochs: list[dict] = (),
                       steps: tuple[np.ndarray, np.ndarray] | None = None, findings: list[dict] | None = None,
                       summary: dict | None = None) -> None:
        """Append finished epochs and a chunk of step losses, update findings/summary: one transaction."""
        with self._write() as db:
            if info is not None:
                db.execute("UPDATE runs SET info_json=? WHERE id=?", (json.dumps(info), run_id))
            if epochs:
                db.executemany("INSERT OR REPLACE INTO epochs (run_id, epoch, record_json) VALUES (?,?,?)",
                               [(run_id, e["epoch"], json.dumps(e)) for e in epochs])
            if steps is not None and len(steps[0]):
                seq = db.execute("SELECT coalesce(max(seq), -1) + 1 FROM steps WHERE run_id=?", (run_id,)).fetchone()[0]
                db.execute("INSERT INTO steps (run_id, seq, step, loss) VALUES (?,?,?,?)",
                           (run_id, seq, np.ascontiguousarray(steps[0], dtype=np.int64).tobytes(),
                            np.ascontiguousarray(steps[1], dtype=np.float64).tobytes()))
            if findings is not None:
                db.execute("UPDATE runs SET findings_json=? WHERE id=?", (json.dumps(findings), run_id))
            if summary:
                _update(db, run_id, summary)

    def finish_run(self, run_id: str, summary: dict, steps: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Set the final status and summary; ``steps`` (already downsampled) replaces the step chunks."""
        with self._write() as db:
            if steps is not None:
                db.execute("DELETE FROM steps WHERE run_id=?", (run_id,))
                db.execute("INSERT INTO steps (run_id, seq, step, loss) VALUES (?,?,?,?)",
                           (run_id, 0, np.ascontiguousarray(steps[0], dtype=np.int64).tobytes(),
                            np.ascontiguousarray(steps[1], dtype=np.float64).tobytes()))
            _update(db, run_id, summary)

    def weights_dir(self, run_id: str) -> Path:
        return self.dir / "weights" / run_id

    # -- reading ---------------------------------------------------------------------------------
    def list(self, *, study: str | None = None, status: str | None = None, limit: int | None = None) -> list[RunSummary]:
        self._mark_interrupted()
        sql = f"SELECT {', '.join(_LIST_COLUMNS)} FROM runs"
        where, args = [], []
        if study is not None:
            where.append("study=?")
            args.append(study)
        if status is not None:
            where.append("status=?")
            args.append(status)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started DESC, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_summary(r) for r in self._db.execute(sql, args)]

    def resolve(self, ref: str) -> str:
        """A run id from an id or a unique prefix of one; ``KeyError`` with a message otherwise."""
        ids = [r[0] for r in self._db.execute("SELECT id FROM runs WHERE id LIKE ? ORDER BY id",
                                               (ref.replace("%", "").replace("_", "\\_") + "%",))]
        if ref in ids:
            return ref
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise KeyError(f"no run {ref!r} in {self.path}: `losslab runs list` shows the ids")
        raise KeyError(f"{ref!r} matches {len(ids)} runs ({', '.join(ids[:5])}...): give more characters")

    def get(self, ref: str, *, steps: bool = True) -> RunRecord:
        self._mark_interrupted()
        run_id = self.resolve(ref)
        cols = _LIST_COLUMNS + ("project_json", "project_dir", "env_json", "info_json", "findings_json", "test_json")
        row = self._db.execute(f"SELECT {', '.join(cols)} FROM runs WHERE id=?", (run_id,)).fetchone()
        base = _summary(row[:len(_LIST_COLUMNS)])
        extra = row[len(_LIST_COLUMNS):]
        rec = RunRecord(**base.__dict__, project=json.loads(extra[0]), project_dir=extra[1], env=json.loads(extra[2]),
                        info=json.loads(extra[3]) if extra[3] else {}, findings=json.loads(extra[4]),
                        test=json.loads(extra[5]))
        rec.history = self.history(run_id)
        if steps:
            rec.step_index, rec.step_loss = self.step_losses(run_id)
        wd = self.weights_dir(run_id)
        rec.weights = {p.stem: str(p) for p in sorted(wd.glob("*.pt"))} if wd.is_dir() else {}
        return rec

    def history(self, run_id: str) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self._db.execute(
            "SELECT record_json FROM epochs WHERE run_id=? ORDER BY epoch", (run_id,))]

    def histories(self, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {r: [] for r in run_ids}
        for i in range(0, len(run_ids), 500):
            chunk = run_ids[i:i + 500]
            for rid, rec in self._db.execute(
                    f"SELECT run_id, record_json FROM epochs WHERE run_id IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY run_id, epoch", chunk):
                out[rid].append(json.loads(rec))
        return out

    def step_losses(self, run_id: str) -> tuple[np.ndarray, np.ndarray]:
        rows = self._db.execute("SELECT step, loss FROM steps WHERE run_id=? ORDER BY seq", (run_id,)).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        step = np.concatenate([np.frombuffer(s, dtype=np.int64) for s, _ in rows])
        loss = np.concatenate([np.frombuffer(v, dtype=np.float64) for _, v in rows])
        return downsample_minmax(step, loss) if len(step) > MAX_STEPS else (step, loss)

    def load_weights(self, ref: str, which: str = "final") -> dict:
        """A run's state dict (``final`` or ``best``), loaded with ``weights_only=True``."""
        import torch
        run_id = self.resolve(ref)
        path = self.weights_dir(run_id) / f"{which}.pt"
        if not path.is_file():
            raise FileNotFoundError(f"run {run_id} has no {which} weights ({path})")
        return torch.load(path, map_location="cpu", weights_only=True)

    # -- editing -------------------------------------------------------------------------------
    def rename(self, ref: str, name: str) -> None:
        with self._write() as db:
            db.execute("UPDATE runs SET name=? WHERE id=?", (name, self.resolve(ref)))

    def set_parent(self, ref: str, parent: str | None) -> None:
        """Record that run ``ref`` continued run ``parent`` (its weights, its epochs)."""
        with self._write() as db:
            db.execute("UPDATE runs SET parent=? WHERE id=?", (parent, self.resolve(ref)))

    def set_tags(self, ref: str, tags: list[str]) -> None:
        with self._write() as db:
            db.execute("UPDATE runs SET tags_json=? WHERE id=?", (json.dumps(sorted(set(tags))), self.resolve(ref)))

    def delete(self, ref: str, *, trash: Path | None = None) -> str:
        """Delete a run and its weight files (moved into ``trash`` instead, for an undo)."""
        run_id = self.resolve(ref)
        with self._write() as db:
            db.execute("DELETE FROM runs WHERE id=?", (run_id,))
        wd = self.weights_dir(run_id)
        if trash is not None and wd.is_dir():
            trash.mkdir(parents=True, exist_ok=True)
            shutil.move(str(wd), str(trash / run_id))
        else:
            shutil.rmtree(wd, ignore_errors=True)
        return run_id

    def dump(self, ref: str) -> dict[str, Any]:
        """Everything about a run except its weights, for moving it elsewhere (and undoing a delete)."""
        run_id = self.resolve(ref)
        cur = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,))
        names = [d[0] for d in cur.description]
        row = dict(zip(names, cur.fetchone()))
        epochs = self._db.execute("SELECT epoch, record_json FROM epochs WHERE run_id=?", (run_id,)).fetchall()
        steps = self._db.execute("SELECT seq, step, loss FROM steps WHERE run_id=?", (run_id,)).fetchall()
        return {"row": row, "epochs": epochs, "steps": steps}

    def restore(self, dumped: dict[str, Any], *, trash: Path | None = None) -> None:
        """Put back a run taken with :meth:`dump` (and its weights, from ``trash``)."""
        row = dumped["row"]
        run_id = row["id"]
        if trash is not None and (trash / run_id).is_dir():
            self.weights_dir(run_id).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(trash / run_id), str(self.weights_dir(run_id)))
        with self._write() as db:
            db.execute(f"INSERT INTO runs ({', '.join(row)}) VALUES ({','.join('?' * len(row))})", list(row.values()))
            db.executemany("INSERT INTO epochs (run_id, epoch, record_json) VALUES (?,?,?)",
                           [(run_id, e, r) for e, r in dumped["epochs"]])
            db.executemany("INSERT INTO steps (run_id, seq, step, loss) VALUES (?,?,?,?)",
                           [(run_id, q, s, v) for q, s, v in dumped["steps"]])

    def _mark_interrupted(self) -> None:
        """Runs still ``running`` whose process on this host is gone were killed: mark them."""
        host = socket.gethostname()
        dead = [rid for rid, pid in self._db.execute(
            "SELECT id, pid FROM runs WHERE status=? AND host=?", (LIVE, host)) if not _alive(pid)]
        if dead:
            with self._write() as db:
                for rid in dead:
                    db.execute("UPDATE runs SET status='interrupted', message=? WHERE id=? AND status=?",
                               ("the process ended before the run did (killed or crashed); the finished epochs "
                                "are kept", rid, LIVE))

    def iter_ids(self) -> Iterator[str]:
        for (rid,) in self._db.execute("SELECT id FROM runs ORDER BY started"):
            yield rid


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a table made by an older schema up to date (``CREATE TABLE IF NOT EXISTS`` leaves it as it was)."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
    if "parent" not in columns:          # schema 1 -> 2
        db.execute("ALTER TABLE runs ADD COLUMN parent TEXT")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    # a zombie (killed child not yet reaped) still answers kill(0): look at its state where we can
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _update(db: sqlite3.Connection, run_id: str, values: dict) -> None:
    cols = [k for k in values]
    db.execute(f"UPDATE runs SET {', '.join(f'{c}=?' for c in cols)} WHERE id=?", [values[c] for c in cols] + [run_id])
