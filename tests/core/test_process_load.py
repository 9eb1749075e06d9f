"""A big table read in a child process comes back as the same dataset, the same errors, and stops on Cancel."""
from __future__ import annotations

import functools
import os
import threading

import numpy as np
import pytest
import torch

from core.data import DataError, load_dataset
from core.data.process_load import load_dataset_in_process
from core.tasks import TaskState, run_task
from tests.core import process_gate


def _spec(folder, rows: int = 500, bad_row: int | None = None) -> dict:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(rows, 2)).round(3)
    lines = ["a,b,label"] + [f"{a},{b},{'yes' if a > 0 else 'no'}" for a, b in x.tolist()]
    if bad_row is not None:
        lines[bad_row] = "0.5,oops,yes"
    (folder / "t.csv").write_text("\n".join(lines) + "\n")
    return {"source": "csv", "path": "t.csv", "target": "label", "features": ["a", "b"]}


def test_the_child_reads_the_same_dataset_as_a_read_here(tmp_path):
    spec = _spec(tmp_path)
    outcome = run_task(load_dataset_in_process, spec, tmp_path, state=TaskState())
    assert outcome.ok, outcome.message
    here = load_dataset(spec, tmp_path)
    got = outcome.value
    assert torch.equal(got.x_train, here.x_train) and torch.equal(got.x_val, here.x_val)
    assert torch.equal(got.y_train["label"], here.y_train["label"])
    assert got.feature_names == here.feature_names and got.targets == here.targets


def test_a_bad_cell_comes_back_as_the_same_data_error_naming_line_and_column(tmp_path):
    spec = _spec(tmp_path, bad_row=40)
    with pytest.raises(DataError) as here:
        load_dataset(spec, tmp_path)
    outcome = run_task(load_dataset_in_process, spec, tmp_path, state=TaskState())
    assert isinstance(outcome.error, DataError)
    assert str(outcome.error) == str(here.value) and "line 41" in str(outcome.error)
    assert outcome.error.where == here.value.where


def test_a_missing_file_says_so_through_the_child(tmp_path):
    outcome = run_task(load_dataset_in_process, {"source": "csv", "path": "nowhere.csv"}, tmp_path, state=TaskState())
    assert isinstance(outcome.error, DataError) and "file not found" in outcome.message


def test_progress_arrives_and_cancel_kills_the_child(tmp_path):
    spec = _spec(tmp_path)
    fd = process_gate.open_gate(tmp_path)
    state = TaskState()
    outcomes = []
    reader = threading.Thread(target=lambda: outcomes.append(run_task(
        load_dataset_in_process, spec, tmp_path, state=state, fn=process_gate.held_read)))
    reader.start()
    try:
        while not (tmp_path / process_gate.PID).exists() or state.progress < 0.5:
            if not reader.is_alive():
                break
            reader.join(0.02)        # waits on the child's report, not on a time
        pid = int((tmp_path / process_gate.PID).read_text())
        assert pid != os.getpid() and state.progress == 0.5
        state.cancel()
        reader.join(60)
    finally:
        os.close(fd)
    assert outcomes and outcomes[0].cancelled and outcomes[0].error is None
    with pytest.raises(ProcessLookupError):      # the child is gone (killed, and reaped by the task)
        os.kill(pid, 0)


def test_a_released_read_goes_on_and_returns_the_data(tmp_path):
    spec = _spec(tmp_path)
    fd = process_gate.open_gate(tmp_path)
    try:
        process_gate.release(fd)
        outcome = run_task(functools.partial(load_dataset_in_process, fn=process_gate.held_read), spec, tmp_path,
                           state=TaskState())
    finally:
        os.close(fd)
    assert outcome.ok and outcome.value.n_train + outcome.value.n_val == 500
