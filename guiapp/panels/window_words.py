"""Messages from ``core`` in the words of the window: the engine names settings by their place in the
project file (``data.missing``), which is right on the command line and in a JSON editor; inside the
window the same setting is a labelled control ("Missing values" on the Data tab), so the message names
the control instead."""
from __future__ import annotations

import re

__all__ = ["CONTROLS", "in_window_words"]

#: project-file paths -> (the control's label, the tab it is on)
CONTROLS = {
    "data.missing": ("Missing values", "Data"), "data.target": ("Target", "Data"), "data.features": ("Columns", "Data"),
    "data.categories": ("Columns", "Data"), "data.val_fraction": ("Validation", "Data"),
    "data.test_fraction": ("Test", "Data"), "data.seed": ("Split seed", "Data"), "data.path": ("File", "Data"),
    "data.source": ("Data set", "Data"), "data.task": ("Task", "Data"), "data.normalize": ("Normalize", "Data"),
    "training.epochs": ("Epochs", "Training settings"), "training.batch_size": ("Batch size", "Training settings"),
}

_SET_TO = re.compile(r"set (data\.\w+|training\.\w+) to \"?([\w.-]+)\"?")
_PREFIX = re.compile(r"^(data\.\w+|training\.\w+): ")
_A_NAME_VALUE = re.compile(r"\ban? '([^']+)' value\b")
#: a text cell in a column of numbers: the fix is a click in the column picker, not data.features
_NOT_A_NUMBER = re.compile(r"column '(?P<col>[^']+)': (?P<cell>.+?) is not a number; feature columns must be numeric: "
                           r"fix the cell, or leave the column out of data\.features(?P<more> \([\d,]+ such cells\))?")
_LEAVE_OUT = re.compile(r"leave (it|the column) out of data\.features")


def _not_a_number(m: re.Match) -> str:
    col = m.group("col")
    return (f"column '{col}': {m.group('cell')} is not a number, in a column of numbers{m.group('more') or ''}. "
            f"Fix that cell in the file, or in the Data tab's Columns table set {col}'s kind to categorical (its texts become "
            "categories) or its role to not used")


def in_window_words(message: str) -> str:
    """``message`` with project-file paths replaced by the controls that set them:
    ``set data.missing to "drop"`` -> ``choose "drop" under Missing values on the Data tab``;
    ``data.categories: …`` -> ``Columns: …``; ``a 'income' value`` -> ``a value for income``."""
    if not message:
        return message

    def set_to(m: re.Match) -> str:
        label, tab = CONTROLS.get(m.group(1), (m.group(1), ""))
        return f"choose \"{m.group(2)}\" under {label}" + (f" on the {tab} tab" if tab else "")

    text = _NOT_A_NUMBER.sub(_not_a_number, message)
    text = _LEAVE_OUT.sub("set its role to not used in the Data tab's Columns table", text)
    text = _SET_TO.sub(set_to, text)
    text = _PREFIX.sub(lambda m: f"{CONTROLS[m.group(1)][0]}: " if m.group(1) in CONTROLS else m.group(0), text)
    return _A_NAME_VALUE.sub(lambda m: f"a value for {m.group(1)}", text)
