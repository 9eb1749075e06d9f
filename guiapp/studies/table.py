"""The study's result table: the same columns as ``losslab sweep`` prints, with the tests and the rules
named in tooltips rather than in the headers (the headers stay short words at 1280 px)."""
from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from core.studies.report import COLUMNS, table_rows
from core.studies.scores import DIP_RISE, EARLY_MIN, score_description
from core.studies.words import dip_text, verdict_tooltip

#: shown in the window's tooltips rather than as columns, so the table fits 1280 px without scrolling
TOOLTIP_ONLY = ("train", "seconds")
NOTES_WIDTH = 170                    # wider notes wrap onto a second line
WORSE = QColor("#b03a2e")
FAILED = QColor("#d62728")
DIP = QColor("#9a6700")


def header_tips(result) -> dict[str, str]:
    """What each column means and how it is computed."""
    return {
        "setting": "the knob values of this row; data sizes show the training samples they keep",
        "seeds": "seeds that finished (failed and cancelled ones are not counted)",
        "score": "The score that ranks the settings: " + score_description(result.score),
        "difference": ("this setting's score minus the best's, with the 95% confidence interval of that difference "
                       "(Welch). An interval that holds 0 means the data cannot tell them apart."),
        "p": f"{result.to_json()['test']}, before the correction for the number of comparisons",
        "verdict": f"Judged by the p value after {result.correction}; below 0.05 counts as a difference.",
        "lowest": ("the lowest validation loss of each run and its epoch, averaged over seeds: information only, "
                   "not the score (a low point picked on the validation set rewards a lucky dip)"),
        "metric": "the validation metric over each run's last epochs (as the score), mean ± sd over seeds",
        "train": "training loss at the last epoch, mean ± sd over seeds",
        "notes": (f"early dip: the run's lowest validation loss fell in its first epochs (the first tenth, at least "
                  f"{EARLY_MIN}) and it ended {DIP_RISE:g}x that low or more. overfit, diverged: LossLab's findings "
                  "on that run."),
        "seconds": "training time per trial, mean ± sd",
    }


def two_lines(text: str) -> str:
    """A long header on two lines, broken at the space nearest its middle."""
    if len(text) <= 14 or " " not in text:
        return text
    spaces = [i for i, c in enumerate(text) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1:]


class StudyTable(QTableWidget):
    """Rows as settings; the best in bold, settings worse than the best in red, early dips in amber."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, 0, parent)
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def show_result(self, result) -> None:
        head, rows = table_rows(result)
        tips = header_tips(result)
        self.setColumnCount(len(head))
        self.setRowCount(len(rows))
        for j, (text, name) in enumerate(zip(head, COLUMNS)):
            item = QTableWidgetItem(two_lines(text))
            item.setToolTip(tips[name])
            self.setHorizontalHeaderItem(j, item)
            self.setColumnHidden(j, name in TOOLTIP_ONLY)
        for i, (cells, r) in enumerate(zip(rows, result.rows)):
            extra = "\n".join(f"{head[j]}: {cells[j]}" for j, name in enumerate(COLUMNS) if name in TOOLTIP_ONLY)
            for j, (text, name) in enumerate(zip(cells, COLUMNS)):
                item = self._cell(text, name, r, result)
                if name == "setting":
                    item.setToolTip(extra)
                self.setItem(i, j, item)
        self.resizeColumnsToContents()
        notes = COLUMNS.index("notes")
        self.setColumnWidth(notes, min(self.columnWidth(notes), NOTES_WIDTH))
        self.resizeRowsToContents()

    def _cell(self, text: str, name: str, row, result) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if name == "verdict":
            item.setToolTip(verdict_tooltip(row, result))
            if row.differs:
                item.setForeground(WORSE)
        elif name == "notes":
            why = ([dip_text(row)] if row.early_dip else []) + row.messages
            item.setToolTip("\n".join(why))
            if row.failed:
                item.setForeground(FAILED)
            elif row.dip_flagged:
                item.setForeground(DIP)
        elif name == "difference" and row.ci95 is not None:
            item.setToolTip(f"difference {row.difference_vs_best:+.4g}; 95% confidence interval "
                            f"{row.ci95[0]:.4g} to {row.ci95[1]:.4g} (Welch)")
        if row.is_best:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        return item
