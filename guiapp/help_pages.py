"""Help ▸ Getting started and Help ▸ Keyboard shortcuts: short pages inside the window.

The shortcuts page is read from the window's own actions (menus and canvas), so it never lists a
key that does nothing or misses one that was added.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

__all__ = ["GETTING_STARTED", "HelpPage", "shortcut_rows", "shortcuts_html"]

GETTING_STARTED = """
<h2>Getting started</h2>
<h3>1. Build</h3>
<p>Drag layers from <b>Layers</b> (left) onto the canvas: a layer dropped below another is wired to it.
Or open a finished network from <b>File ▸ Examples</b>. Click a layer to edit it in the <b>Inspector</b>;
each field says what it does and its range. Red badges name a problem and what to change.</p>
<p><b>Data</b>, <b>Outputs</b> and <b>Training settings</b> (right) pick the data set, the loss of each
output head, the optimizer, schedule and regularization. Every change is one undo step (Ctrl+Z).</p>
<h3>2. Run</h3>
<p>Press <b>Run</b> (F5). The loss per epoch and per step draw live under the canvas; <b>Pause</b>,
<b>Step</b> and <b>Stop</b> work at any time. Run on a model that has trained already asks:
<b>Continue</b> adds the epochs to these weights (the learning-rate schedule carries on), <b>Restart</b>
starts from fresh weights; tick "Remember my choice" to stop the question
(Train ▸ When Run Finds a Trained Model changes it back).</p>
<p>After an edit of the model, the data or the outputs, the old curves turn grey and say
<i>from the previous model</i> until the next Run. The learning-rate control under the plots changes
the running training only; the project keeps the rate in Training settings.</p>
<h3>3. Read the findings</h3>
<p>The <b>Findings</b> panel says what the curves mean: overfitting since an epoch, a divergence, a
plateau, noise; each with the epochs it covers, what to try and the evidence numbers (hover one for
its definition). Click a finding to see its range on the plots and its layer on the canvas. A banner
above the plots names an overfitting or a divergence in one line; <b>more</b> unfolds it.</p>
<p>Save with Ctrl+S; unsaved work is autosaved and offered back after a crash.</p>
<p>Every panel, command and figure is explained in <b>Help ▸ User Guide</b>.</p>
"""


def _actions_of(window: QWidget) -> list[QAction]:
    seen, out = set(), []
    for action in window.findChildren(QAction):
        if id(action) not in seen and action.shortcuts() and action.text():
            seen.add(id(action))
            out.append(action)
    return out


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for every action of ``window`` that has a shortcut, sorted by what."""
    rows = {}
    for action in _actions_of(window):
        what = action.text().replace("&", "").rstrip(".…").strip()
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
        if what and keys:
            rows[what] = keys
    return sorted(rows.items(), key=lambda r: r[0].lower())


CANVAS_GESTURES = (("Zoom the canvas", "mouse wheel"), ("Pan the canvas", "middle button drag, or Space + drag"),
                   ("Select several layers", "drag a rectangle on the empty canvas"),
                   ("Connect two layers", "drag from an output port to an input port"))


def shortcuts_html(window: QWidget) -> str:
    rows = "".join(f"<tr><td>{html.escape(what)}</td><td><b>{html.escape(keys)}</b></td></tr>"
                   for what, keys in [*shortcut_rows(window), *CANVAS_GESTURES])
    return (f"<h2>Keyboard shortcuts</h2><table cellspacing='0' cellpadding='4'>{rows}</table>"
            "<p>The wheel over a field that is not focused scrolls its panel; click the field first to "
            "change its value with the wheel.</p>")


class HelpPage(QDialog):
    """A non-modal page with a title and rich text."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(f"help:{title}")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(560, 600)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)

    def text(self) -> str:
        return self.browser.toPlainText()
