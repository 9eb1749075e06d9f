"""The canvas's edit actions (Delete, Cut/Copy/Paste, Duplicate, Select all, output head, tidy,
fit, zoom) and the clipboard format, kept apart from the view's mouse handling."""
from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence

from . import commands
from core import graph_edits as G

#: MIME type of copied nodes (the clipboard also gets the same JSON as text)
NODES_MIME = "application/x-losslab-nodes"


class CanvasActions(QObject):
    """Builds the canvas's QActions and performs them on the canvas's document."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self._last_paste: tuple[float, float] | None = None
        self._paste_shift = 0
        mk = self._make
        self.delete = mk("Delete", ["Del", "Backspace"], self.delete_selection, "Delete the selected layers or edges")
        self.cut = mk("Cut", [QKeySequence.StandardKey.Cut], self.cut_selection, "Copy and delete the selected layers")
        self.copy = mk("Copy", [QKeySequence.StandardKey.Copy], self.copy_selection, "Copy the selected layers")
        self.paste = mk("Paste", [QKeySequence.StandardKey.Paste], self.paste_clipboard,
                        "Paste layers (under new names) at the mouse")
        self.duplicate = mk("Duplicate", ["Ctrl+D"], self.duplicate_selection,
                            "Copy the selected layers next to them")
        self.select_all = mk("Select All", [QKeySequence.StandardKey.SelectAll], canvas.select_all,
                             "Select every layer")
        self.toggle_output = mk("Toggle Output Head", ["Ctrl+Shift+O"], self.toggle_output_head,
                                "Make the selected layer an output with a loss, or remove its output head")
        self.tidy = mk("Tidy Layout", ["Ctrl+L"], lambda: commands.tidy_layout(canvas.document),
                       "Arrange the layers top to bottom by depth (one undo step)")
        # fit and zoom work from anywhere in the window (no text field uses these keys); the bare F only on
        # the canvas, where it cannot be a typed letter
        self.fit = mk("Fit to View", ["Ctrl+0"], self.fit_to_view, "Show the whole network", window=True)
        self.fit_key = mk("Fit to View", ["F"], self.fit_to_view, "Show the whole network")
        self.zoom_in = mk("Zoom In", ["Ctrl+=", "Ctrl++"], canvas.zoom_in, "Zoom in", window=True)
        self.zoom_out = mk("Zoom Out", ["Ctrl+-"], canvas.zoom_out, "Zoom out", window=True)

    def _make(self, text: str, keys: list, slot, tip: str, window: bool = False) -> QAction:
        action = QAction(text, self.canvas)
        action.setShortcuts([QKeySequence(k) for k in keys])
        # Only while the canvas has focus, so Delete or Ctrl+C in a text field stay the field's.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut if window
                                  else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip} ({QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)})")
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.canvas.addAction(action)
        return action

    def all(self) -> list[QAction]:
        """The editing actions, grouped by separators (what the canvas exposes as ``edit_actions``)."""
        return [self.cut, self.copy, self.paste, self.duplicate, self.delete, self._sep(), self.select_all,
                self.toggle_output, self._sep(), self.tidy]

    def view(self) -> list[QAction]:
        """Fit and zoom (the canvas's ``view_actions``, for the View menu)."""
        return [self.fit, self.zoom_in, self.zoom_out]

    def _sep(self) -> QAction:
        sep = QAction(self.canvas)
        sep.setSeparator(True)
        return sep

    def update_enabled(self, selected: list[str], edges_selected: bool = False) -> None:
        """Enable what makes sense for the current selection."""
        for a in (self.cut, self.copy, self.duplicate):
            a.setEnabled(bool(selected))
        self.delete.setEnabled(bool(selected) or edges_selected)
        self.toggle_output.setEnabled(len(selected) == 1)

    # -- performing --------------------------------------------------------------------------------
    def delete_selection(self) -> bool:
        scene = self.canvas.graph_scene
        return commands.remove_nodes(self.canvas.document, scene.selected_node_ids(), scene.selected_edges())

    def copy_selection(self) -> bool:
        ids = self.canvas.selected_node_ids()
        if not ids:
            return False
        payload = G.copy_payload(self.canvas.document.project, ids, self.canvas.graph_scene.shown_positions())
        text = json.dumps(payload, indent=1)
        mime = QMimeData()
        mime.setData(NODES_MIME, text.encode("utf-8"))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        self._last_paste = None
        return True

    def cut_selection(self) -> bool:
        return self.copy_selection() and commands.remove_nodes(self.canvas.document, self.canvas.selected_node_ids())

    def paste_clipboard(self) -> list[str]:
        mime = QGuiApplication.clipboard().mimeData()
        raw = bytes(mime.data(NODES_MIME)).decode("utf-8") if mime and mime.hasFormat(NODES_MIME) else (
            mime.text() if mime else "")
        try:
            payload = json.loads(raw)
        except (json.JSONDecodeError, TypeError):
            payload = None
        if not isinstance(payload, dict) or payload.get("format") != G.CLIPBOARD_FORMAT:
            self.canvas.document.editRefused.emit("the clipboard does not hold LossLab layers: copy some first")
            return []
        origin = self.canvas.paste_origin()
        if origin == self._last_paste:  # pasting again without moving the mouse: cascade
            self._paste_shift += 30
        else:
            self._paste_shift, self._last_paste = 0, origin
        ids = commands.paste(self.canvas.document, payload,
                             (origin[0] + self._paste_shift, origin[1] + self._paste_shift))
        if ids:
            self.canvas.select_nodes(ids)
        return ids

    def duplicate_selection(self) -> list[str]:
        ids = commands.duplicate(self.canvas.document, self.canvas.selected_node_ids(),
                                 self.canvas.graph_scene.shown_positions())
        if ids:
            self.canvas.select_nodes(ids)
        return ids

    def fit_to_view(self) -> None:
        self.canvas.view_touched = True
        self.canvas.fit_to_view()

    def toggle_output_head(self) -> bool:
        ids = self.canvas.selected_node_ids()
        return len(ids) == 1 and commands.toggle_output(self.canvas.document, ids[0])
