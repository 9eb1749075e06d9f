"""The Data panel's Augmentation section: ``data.augment`` edited in the window, with a preview strip.

One field per augmentation of :data:`core.data.augment.AUGMENTATIONS` (its ``Param`` gives the range
and the help): a number field reads "off" at 0, flip is a choice. Only the options that apply to the
data are enabled; a disabled one says why in its tooltip (an image option on a table). An option the
file sets but the data cannot take stays enabled, so it can be turned off (``check`` refuses it).
Each change is one undo step through the document, like every other data field, and is saved with
the project. The section does not subscribe to the document itself: the Data panel calls
:meth:`AugmentSection.refresh` when the project's data or the data set changes.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QAbstractSpinBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from core.data.augment import AUGMENTATIONS, is_image_shape

from .. import theme
from ..widgets import FormGrid
from .augment_preview import AugmentPreview
from .params import param_editor, show_value

TITLE = "Augmentation (training batches only)"
FLIP_WARNING = ("⚠ A mirrored sample must still be its class: a mirrored digit is not the same digit "
                "(a flipped 2 is no 2). Flip only pictures whose mirror image means the same thing.")
LABELS = {"shift": "Shift (pixels)", "rotate": "Rotate (degrees)", "scale": "Scale (±fraction)",
          "flip": "Flip", "cutout": "Cutout (side, pixels)", "noise": "Noise (× spread)", "mixup": "Mixup (α)"}

#: ``edit(text, change, merge_key) -> None | reason``: the panel's one undo step
Edit = Callable[[str, Callable[[Any], None], str], "str | None"]


def _off(name: str, value: Any) -> bool:
    return value in (None, 0, 0.0, "none") if name != "flip" else value in (None, "none")


def inactive_value(name: str) -> Any:
    """What a field shows for an augmentation the project does not set."""
    param = AUGMENTATIONS[name][0]
    return "none" if name == "flip" else (0 if param.kind == "int" else 0.0)


class AugmentSection(QGroupBox):
    """The fields, the flip warning and the preview strip (see the module docstring)."""

    def __init__(self, document, edit: Edit, parent: QWidget | None = None):
        super().__init__(TITLE, parent)
        self.setObjectName("data.augment")
        self.document = document
        self._edit = edit
        outer = QVBoxLayout(self)
        intro = QLabel("Small changes that keep each sample's class, drawn anew for every training batch "
                       "(validation sees the data as it is). Seeded by the run's seed.")
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {theme.accent('muted')}")
        outer.addWidget(intro)
        form = FormGrid()
        outer.addLayout(form)
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        for name, (param, _needs) in AUGMENTATIONS.items():
            w = param_editor(param, inactive_value(name), lambda v, name=name: self._commit(name, v))
            w.setObjectName(f"data.augment.{name}")
            w.help.setVisible(False)          # the help is the tooltip: seven help lines would bury the strip
            spin = getattr(w, "spin", None)
            if isinstance(spin, QAbstractSpinBox):
                spin.setSpecialValueText("off")   # 0 = off, the lowest value of every strength
            label = QLabel(LABELS.get(name, name))
            self.editors[name], self.labels[name] = w, label
            form.addRow(label, w)
        self.flip_warning = QLabel(FLIP_WARNING)
        self.flip_warning.setObjectName("data.augment.flip_warning")
        self.flip_warning.setWordWrap(True)
        self.flip_warning.setStyleSheet(f"color: {theme.accent('warning')}")
        form.addRow(self.flip_warning)
        self.preview = AugmentPreview()
        self.preview.setObjectName("data.augment.preview")
        outer.addWidget(self.preview)

    # -- showing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the project's ``data.augment``, enable what applies to the data, redraw the preview."""
        d = self.document.project.data
        ds = self.document.dataset
        augment = dict(d.augment)
        for name, w in self.editors.items():
            show_value(w, augment.get(name, inactive_value(name)))
            why = self._why_not(name, ds)
            active = not _off(name, augment.get(name))
            w.setEnabled(why is None or active)
            self.labels[name].setEnabled(why is None or active)
            help_text = AUGMENTATIONS[name][0].help
            tip = help_text if why is None else f"{why}\n\n{help_text}"
            w.setToolTip(tip)
            self.labels[name].setToolTip(tip)
        self.flip_warning.setVisible(not _off("flip", augment.get("flip")))
        self.preview.show_for(ds, augment, int(d.seed))

    @staticmethod
    def _why_not(name: str, ds) -> str | None:
        """Why ``name`` cannot apply to the data set ``ds``, or None."""
        if ds is None:
            return "Not available until the data is loaded."
        if AUGMENTATIONS[name][1] == "image" and not is_image_shape(tuple(ds.input_shape)):
            return (f"Works on images (inputs shaped channels × height × width); these inputs are "
                    f"{ds.inputs_text()}: use noise or mixup.")
        return None

    # -- editing ---------------------------------------------------------------------------------
    def _commit(self, name: str, value: Any) -> str | None:
        def change(p) -> None:
            augment = dict(p.data.augment)
            if _off(name, value):
                augment.pop(name, None)
            else:
                augment[name] = value
            p.data.augment = augment
        what = "off" if _off(name, value) else f"{value:g}" if isinstance(value, float) else str(value)
        return self._edit(f"Set augmentation {name} {what}", change, f"data.augment.{name}")

    def shutdown(self) -> None:
        self.preview.shutdown()
