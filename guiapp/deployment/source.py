"""What the Deployment tab checks: the example stream or a CSV file (asked for once, when "CSV file…"
is chosen, and reused by every Check), or a scenario. The default follows the project: its example
stream when its data has one (diagnosis, fraud, demand), else a CSV file; another project forgets the
previous project's file (other columns)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

FILE_ITEM = "CSV file…"


def choose_deployment_file(parent: QWidget | None, start_dir: str = "") -> str | None:
    """Ask for a CSV (monkeypatched in tests)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Deployment data", start_dir,
                                          "CSV files (*.csv *.tsv *.txt);;All files (*)")
    return path or None


class SourcePicker(QObject):
    """Over the tab's source box (items keyed ``stream``, ``file``, scenarios) and the document."""

    def __init__(self, document, combo: QComboBox, widget: QWidget):
        super().__init__(widget)
        self.document, self.combo, self.widget = document, combo, widget
        self.file_path: str | None = None   # the deployment CSV chosen last: Check reuses it
        combo.activated.connect(self._on_combo_activated)  # a person's choice, not a programmatic one
        document.projectReplaced.connect(self._on_document_projectReplaced)
        document.dataChanged.connect(self._on_document_dataChanged)
        self.pick_default()

    def stream_path(self) -> Path | None:
        """The bundled example stream of the project's data, when there is one."""
        from core.drift.streams import stream_path
        p = stream_path(self.document.project.data.source)
        return p if p.is_file() else None

    def choose_file(self) -> bool:
        """Ask for the deployment CSV (from its folder, else the project's). False if cancelled."""
        if self.file_path:
            start = str(Path(self.file_path).parent)
        else:
            start = str(self.document.path.parent) if self.document.path else ""
        path = choose_deployment_file(self.widget, start)
        if not path:
            return False
        self.file_path = path
        self.show_file_item()
        return True

    def show_file_item(self) -> None:
        """The file item names the chosen file (shortened: the box is as wide as its longest item)."""
        i = self.combo.findData("file")
        name = Path(self.file_path).name if self.file_path else ""
        if len(name) > 28:
            name = f"{name[:13]}…{name[-14:]}"
        self.combo.setItemText(i, f"CSV file: {name}" if name else FILE_ITEM)
        self.combo.setItemData(i, self.file_path or "choose a CSV file with the training columns",
                               Qt.ItemDataRole.ToolTipRole)

    def pick_default(self) -> None:
        """The example stream when the project's data has one, else a CSV file; the stream item is off
        when there is none."""
        has_stream = self.stream_path() is not None
        i = self.combo.findData("stream")
        self.combo.model().item(i).setEnabled(has_stream)
        self.combo.setItemData(i, None if has_stream else "no example stream for this project's data: the bundled "
                               "ones are for diagnosis, fraud and demand", Qt.ItemDataRole.ToolTipRole)
        key = self.combo.currentData()
        if not has_stream and key == "stream":
            self.combo.setCurrentIndex(self.combo.findData("file"))
        elif has_stream and self.file_path is None and key == "file":
            self.combo.setCurrentIndex(i)

    def _on_combo_activated(self, index: int) -> None:
        if self.combo.itemData(index) == "file":
            self.choose_file()

    def _on_document_projectReplaced(self) -> None:  # noqa: N802 - the signal's name
        self.file_path = None  # another project, other columns: the last file was for the previous one
        self.show_file_item()
        self.pick_default()

    def _on_document_dataChanged(self, _fields: list) -> None:  # noqa: N802 - the signal's name
        self.pick_default()
