"""Text inside the window: messages in the words of its controls, status-bar fields and the progress
line that fit 1280 px, with the whole text on hover."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QStatusBar

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.panels.status import StatusFields
from guiapp.panels.window_words import in_window_words
from guiapp.training.progress import TrainingProgress, shorter_texts
from tests.conftest import EXAMPLES
from core.edit_events import EditEvent


@pytest.mark.parametrize("message, expected, gone", [
    ('t.csv line 5, column income: the target is missing here (3 rows without a \'income\' value); fill it in, '
     'delete the row, or set data.missing to "drop" to drop rows with missing values',
     'choose "drop" under Missing values on the Data tab', ("data.missing", "a 'income'")),
    ("data.categories: towns.csv has no column 'ash'; its columns are: a, b", "Columns: towns.csv has no column",
     ("data.categories",)),
    ('every row has a missing value; fill the gaps or set data.missing to "mean"', 'choose "mean" under Missing values',
     ("data.missing",)),
])
def test_core_messages_name_the_windows_controls(message, expected, gone):
    text = in_window_words(message)
    assert expected in text and not any(g in text for g in gone), text


def test_a_missing_target_in_a_csv_is_told_in_the_windows_words(qtbot, tmp_path):
    """The real message of a CSV with an empty target cell, as the Data tab and the status bar show it."""
    from guiapp.panels.data_panel import DataPanel
    table = tmp_path / "t.csv"
    table.write_text("x,income\n" + "".join(f"{i},{'' if i == 3 else 1000 + i}\n" for i in range(30)))
    d = Project.load(EXAMPLES / "spiral.losslab.json").to_dict()
    d["data"] = {"source": "csv", "path": str(table), "target": "income", "missing": "mean"}
    doc = ProjectDocument(Project.from_dict(d, tmp_path))
    assert "data.missing" in doc.data_error              # core speaks the project file's words …
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    bar = QStatusBar()
    qtbot.addWidget(bar)
    fields = StatusFields(doc, bar)
    for text in (panel.error.text(), fields.reason.toolTip()):   # … the window its own
        assert "data.missing" not in text and "Missing values" in text and "a 'income'" not in text, text


def test_the_status_bar_reason_fits_beside_the_fields_at_1280(qtbot):
    """A long reason why Run is disabled and a long data summary in a 1280 px bar: the reason gets the
    room, both are elided at their ends, and each shows its whole text on hover."""
    doc = ProjectDocument(Project.load(EXAMPLES / "diagnosis.losslab.json"))
    bar = QStatusBar()
    qtbot.addWidget(bar)
    fields = StatusFields(doc, bar)
    doc.edit("bad", lambda p: p.model.node(p.outputs[0].node).params.__setitem__("out_features", 7),
             EditEvent("node_params_changed", (doc.project.outputs[0].node,)))
    bar.resize(1280, 24)
    bar.show()
    qtbot.waitExposed(bar)
    reason = fields.reason
    qtbot.waitUntil(lambda: reason.width() > 0)
    assert reason.text().startswith("Run is disabled:") and "out_features" in reason.toolTip()
    assert reason.width() >= 500, reason.width()
    metrics = reason.fontMetrics()
    for label in (reason, fields.data):
        shown = super(type(label), label).text()
        assert metrics.horizontalAdvance(shown) <= label.contentsRect().width() + 1, shown
        assert label.toolTip()


def test_the_progress_line_keeps_its_state_and_outcome_when_narrow(qtbot):
    full = "Stopped early: 22 epochs, 550 steps in 7.3 s (75 steps/s), best val epoch 14"
    assert list(shorter_texts(full))[-1] == "Stopped early: 22 epochs, best val epoch 14"
    running = "Epoch 12/150 (continuing from 4) · step 180/2,250 · 1,620 steps/s · 3 s left"
    forms = list(shorter_texts(running))
    assert forms[-1] == "Epoch 12/150 · 3 s left" and all(f.startswith("Epoch 12/150") for f in forms)
    bar = TrainingProgress()
    qtbot.addWidget(bar)
    bar.setFormat(full)
    bar.resize(290, 24)                   # the bar beside the buttons at 1280x800
    bar.show()                            # (a hidden widget gets its resize when shown)
    qtbot.waitExposed(bar)
    shown = bar.text()                    # what Qt paints
    assert bar.format() == full
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.width() - 12
    assert shown.startswith("Stopped early: 22 epochs") and "best val epoch 14" in shown and "…" not in shown
    assert bar.toolTip() == full
