"""Editors generated from a catalog :class:`~core.catalog.params.Param` — one function, any panel.

Usage::

    def commit(value):                  # called with a validated value when the person changes it
        ok = my_panel_sets(value)       # e.g. document.edit(...)
        return None if ok else "why"    # None = accepted; a sentence = refused (shown, field reverts)

    editor = make_editor(param, current_value, commit)
    form.addRow(param.name, editor)
    editor.set_value(new_value)         # when the document changes (never calls ``commit``)

The editor validates with ``Param.validate`` before calling ``commit``; a refused value shows the
reason in red under the field and the field reverts to the last accepted value. Kinds map to:
int -> spin box; float -> spin box, plus a slider when both bounds are set and either ``log`` (a
log-scale slider) or a span of at most 100. A number field shows its range beside it ("1 – 65,536"),
and a typed number the spin box cannot take (out of range, not whole) is refused with the reason
("p must be between 0 and 0.95 (received 1.5); kept 0.5"), never silently dropped;
choice -> combo box; bool -> check box; int_tuple / float_list -> text "3, 3"; str -> text.
``optional`` params get an "(empty)" option meaning None. ``param.help`` is the tooltip and a small
grey line under the field. The wheel over an unfocused field scrolls the panel instead
(:mod:`guiapp.widgets.wheel_guard`, which the panels watch).
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from core.catalog.params import Param, ParamError

from ..theme import accent

EMPTY = "(empty)"
INT_LIMIT = 2**31 - 1
_SLIDER_STEPS = 1000

Commit = Callable[[Any], "str | None"]


class _Invalid(Exception):
    """Text that does not parse; carries the sentence to show."""


def _nice_step(span: float) -> float:
    """A 1-2-5 step near span / 20."""
    if not math.isfinite(span) or span <= 0 or span > 20:
        return 1.0
    raw = span / 20
    e = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**e >= raw:
            return m * 10**e
    return 10 ** (e + 1)


_NUMBER_LIKE = re.compile(r"[-+]?(\d*\.?\d*)?([eE][-+]?\d*)?")


def _number_state(spin, text: str) -> QValidator.State:
    """Anything on the way to a number is Intermediate (so a "-" or a "1.5" is not swallowed but refused
    with a reason when editing ends); a number inside the spin box's range is Acceptable."""
    t = text.strip()
    if t and t == spin.specialValueText():
        return QValidator.State.Acceptable
    try:
        v = float(t)
    except ValueError:
        return QValidator.State.Intermediate if _NUMBER_LIKE.fullmatch(t) else QValidator.State.Invalid
    if isinstance(spin, QSpinBox) and not v.is_integer():
        return QValidator.State.Intermediate
    return QValidator.State.Acceptable if spin.minimum() <= v <= spin.maximum() else QValidator.State.Intermediate


class _IntSpinBox(QSpinBox):
    """A spin box that lets any number be typed and remembers the text it had to reject."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rejected_text: str | None = None

    def validate(self, text: str, pos: int):
        return _number_state(self, text), text, pos

    def fixup(self, text: str) -> str:
        self.rejected_text = text  # Qt reverts to the last value next: the editor says why
        return text


class GeneralSpinBox(QDoubleSpinBox):
    """A double spin box that shows numbers as ``%g`` with ``digits`` significant digits (1e-05, 0.001,
    128) and reads any float text; the decimals only limit what the box can hold."""

    def __init__(self, parent=None, *, digits: int = 6):
        super().__init__(parent)
        self._digits = digits
        self.setDecimals(15)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return f"{value:.{self._digits}g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        try:
            return float(text.strip())
        except ValueError:
            return self.value()


class _SciSpinBox(GeneralSpinBox):
    """A catalog float editor: refusals are recorded for the reason line; steps 1-2-5 on log params."""

    def __init__(self, log: bool, parent=None):
        super().__init__(parent)
        self._log = log
        self.rejected_text: str | None = None

    def validate(self, text: str, pos: int):
        return _number_state(self, text), text, pos

    def fixup(self, text: str) -> str:
        self.rejected_text = text
        return text

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        if not self._log or self.value() <= 0:
            super().stepBy(steps)
            return
        v = self.value()
        for _ in range(abs(steps)):
            e = math.floor(math.log10(v) + 1e-9)
            m = round(v / 10**e, 6)
            ladder = [1, 2, 5, 10]
            if steps > 0:
                v = next(x for x in ladder if x > m + 1e-9) * 10**e
            else:
                v = ([x for x in [0.5, *ladder] if x < m - 1e-9] or [0.5])[-1] * 10**e
        self.setValue(min(self.maximum(), max(self.minimum(), float(f"{v:.6g}"))))


class ParamEditor(QWidget):
    """The editor of one parameter: the field, a grey help line and a red error line."""

    def __init__(self, param: Param, value: Any, on_commit: Commit, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self._value = value
        self._on_commit = on_commit
        self._writing = False
        self.field = QWidget(self)
        self.row = QHBoxLayout(self.field)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.help = QLabel(param.help, self)
        self.help.setWordWrap(True)
        self.help.setStyleSheet(f"color: {accent('muted')}; font-size: small;")
        self.help.setVisible(bool(param.help))
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d32f2f;")
        self.error.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.field)
        layout.addWidget(self.help)
        layout.addWidget(self.error)
        self._build()
        self.setToolTip(param.help)
        self._write_guarded(value)

    # -- public ---------------------------------------------------------------------------------------
    def value(self) -> Any:
        """The last accepted value."""
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` (from the document); does not commit."""
        self._value = value
        self._write_guarded(value)

    def show_error(self, reason: str) -> None:
        self.error.setText(reason)
        self.error.setVisible(True)

    def clear_error(self) -> None:
        self.error.clear()
        self.error.setVisible(False)

    def error_text(self) -> str:
        return "" if self.error.isHidden() else self.error.text()

    # -- for the kinds ----------------------------------------------------------------------------------
    def _build(self) -> None:
        raise NotImplementedError

    def _read(self) -> Any:
        raise NotImplementedError

    def _write(self, value: Any) -> None:
        raise NotImplementedError

    def _write_guarded(self, value: Any) -> None:
        self._writing = True
        try:
            self._write(value)
        finally:
            self._writing = False

    def _commit(self, *_args) -> None:
        """Read the field, validate, hand over; on refusal show the reason and revert."""
        if self._writing:
            return
        try:
            value = self.param.validate(self._read())
        except _Invalid as e:
            return self._refuse(str(e))
        except ParamError as e:
            return self._refuse(e.reason)
        if value == self._value:
            self.clear_error()
            return None
        reason = self._on_commit(value)
        if reason:
            return self._refuse(reason)
        self._value = value
        self.clear_error()
        self._write_guarded(value)
        return None

    def _refuse(self, reason: str) -> None:
        self.show_error(reason)
        self._write_guarded(self._value)


def _number_text(value: float) -> str:
    """Whole numbers with thousands separators (65,536; 1,000,000), others as %g (0.95, 1e-08)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def range_text(param: Param) -> str:
    """The range of a number param as shown beside its field: "1 – 65,536", "≥ 0", "≤ 1" or ""."""
    lo = param.min if param.min is not None and param.min > -INT_LIMIT else None
    hi = param.max if param.max is not None and param.max < INT_LIMIT else None
    if lo is not None and hi is not None:
        return f"{_number_text(lo)} – {_number_text(hi)}"
    if lo is not None:
        return f"≥ {_number_text(lo)}"
    if hi is not None:
        return f"≤ {_number_text(hi)}"
    return ""


class _NumberEditor(ParamEditor):
    def _build(self) -> None:
        p = self.param
        if p.kind == "int":
            self.spin = _IntSpinBox(self.field)
            lo = int(max(p.min, -INT_LIMIT + 1)) if p.min is not None else -INT_LIMIT + 1
            hi = int(min(p.max, INT_LIMIT)) if p.max is not None else INT_LIMIT
            self._step = 1
        else:
            self.spin = _SciSpinBox(p.log, self.field)
            lo = p.min if p.min is not None else -1e12
            hi = p.max if p.max is not None else 1e12
            self._step = _nice_step(hi - lo) if p.min is not None and p.max is not None else 1.0
            self.spin.setSingleStep(self._step)
        if p.optional:
            lo = lo - self._step
            self.spin.setSpecialValueText(EMPTY)
        self.spin.setRange(lo, hi)
        self._empty_at = lo if p.optional else None
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(90)
        self.row.addWidget(self.spin)
        self.range = QLabel(range_text(p), self.field)
        self.range.setStyleSheet(f"color: {accent('muted')}; font-size: small;")
        self.range.setToolTip(f"{p.name} accepts {self.range.text()}")
        self.range.setVisible(bool(self.range.text()))
        self.row.addWidget(self.range)
        self.slider = None
        bounded = p.kind == "float" and p.min is not None and p.max is not None and p.max > p.min
        if bounded and (p.log or p.max - p.min <= 100):  # a slider over 0..1e6 would be useless
            self.slider = QSlider(Qt.Orientation.Horizontal, self.field)
            self.slider.setRange(0, _SLIDER_STEPS)
            self.row.addWidget(self.slider, 1)
            self.slider.valueChanged.connect(self._on_slider_value_changed)
        else:
            self.row.addStretch(1)
        self.spin.valueChanged.connect(self._commit)
        self.spin.editingFinished.connect(self._on_spin_editing_finished)

    def _on_spin_editing_finished(self) -> None:
        text, self.spin.rejected_text = self.spin.rejected_text, None
        if text is not None and text.strip():
            self.show_error(self.rejection(text.strip()))

    def rejection(self, text: str) -> str:
        """Why the typed ``text`` was not taken, and the value kept: "p must be between 0 and 0.95
        (received 1.5); kept 0.5"."""
        p, kind = self.param, self.param.kind
        kept = EMPTY if self._value is None else _number_text(self._value)
        try:
            v = float(text)
        except ValueError:
            return f"{p.name} needs a number (received {text!r}); kept {kept}"
        if kind == "int" and not v.is_integer():
            return f"{p.name} must be a whole number (received {text}); kept {kept}"
        lo, hi = p.min, p.max
        if (lo is None and hi is None) or (lo is None and v <= hi) or (hi is None and v >= lo):
            lo, hi = self.spin.minimum(), self.spin.maximum()  # beyond what a spin box holds
        if lo is not None and hi is not None:
            where = f"between {_number_text(lo)} and {_number_text(hi)}"
        elif lo is not None:
            where = f"at least {_number_text(lo)}"
        else:
            where = f"at most {_number_text(hi)}"
        return f"{p.name} must be {where} (received {text}); kept {kept}"

    def _log_bounds(self) -> tuple[float, float]:
        lo = self.param.min if self.param.min and self.param.min > 0 else 1e-8
        return math.log10(lo), math.log10(self.param.max)

    def _to_slider(self, v: float) -> int:
        p = self.param
        if p.log:
            a, b = self._log_bounds()
            t = (math.log10(max(v, 10**a)) - a) / (b - a)
        else:
            t = (v - p.min) / (p.max - p.min)
        return round(min(1.0, max(0.0, t)) * _SLIDER_STEPS)

    def _from_slider(self, k: int) -> float:
        p, t = self.param, k / _SLIDER_STEPS
        if p.log:
            a, b = self._log_bounds()
            return float(f"{10 ** (a + t * (b - a)):.2g}")
        fine = self._step / 5
        return min(p.max, max(p.min, round(round((p.min + t * (p.max - p.min)) / fine) * fine, 10)))

    def _on_slider_value_changed(self, k: int) -> None:
        if self._writing:
            return
        self._writing = True
        self.spin.setValue(self._from_slider(k))
        self._writing = False
        self._commit()

    def _read(self) -> Any:
        v = self.spin.value()
        if self._empty_at is not None and v == self._empty_at:
            return None
        return int(v) if self.param.kind == "int" else float(v)

    def _write(self, value: Any) -> None:
        self.spin.setValue(self._empty_at if value is None else value)
        if self.slider is not None and value is not None:
            self.slider.setValue(self._to_slider(float(value)))


class _ChoiceEditor(ParamEditor):
    def _build(self) -> None:
        p = self.param
        self._options = list(p.choices or ()) if p.kind == "choice" else [True, False]
        if p.optional:
            self._options.insert(0, None)
        self.combo = QComboBox(self.field)
        for c in self._options:
            self.combo.addItem(EMPTY if c is None else (str(c).lower() if isinstance(c, bool) else str(c)))
        self.row.addWidget(self.combo)
        self.row.addStretch(1)
        self.combo.activated.connect(self._commit)

    def _read(self) -> Any:
        return self._options[self.combo.currentIndex()]

    def _write(self, value: Any) -> None:
        idx = next((i for i, c in enumerate(self._options) if c == value and type(c) is type(value)), -1)
        self.combo.setCurrentIndex(idx)


class _BoolEditor(ParamEditor):
    def _build(self) -> None:
        self.check = QCheckBox(self.field)
        self.row.addWidget(self.check)
        self.row.addStretch(1)
        self.check.clicked.connect(self._commit)

    def _read(self) -> Any:
        return self.check.isChecked()

    def _write(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class _TextEditor(ParamEditor):
    """int_tuple and float_list as "3, 3"; str as is."""

    def _build(self) -> None:
        self.edit = QLineEdit(self.field)
        if self.param.kind == "int_tuple":
            n = self.param.tuple_len
            self.edit.setPlaceholderText(EMPTY if self.param.optional else ", ".join(["3"] * (n or 2)))
        elif self.param.optional:
            self.edit.setPlaceholderText(EMPTY)
        self.row.addWidget(self.edit)
        self.edit.editingFinished.connect(self._commit)

    def _read(self) -> Any:
        text = self.edit.text().strip()
        if not text:
            if self.param.optional:
                return None
            if self.param.kind == "str":
                return ""
            raise _Invalid(f"{self.param.name} needs a value")
        if self.param.kind == "str":
            return text
        parts = [t for t in re.split(r"[,;\s×x]+", text.strip("()[] ")) if t]
        try:
            if self.param.kind == "int_tuple":
                nums: list = [int(t) for t in parts]
                return nums[0] if len(nums) == 1 else nums
            return [float(t) for t in parts]
        except ValueError:
            example = "3, 3" if self.param.kind == "int_tuple" else "1, 0.5"
            raise _Invalid(f"type numbers separated by commas, e.g. {example} (received {text!r})") from None

    def _write(self, value: Any) -> None:
        if value is None:
            self.edit.setText("")
        elif isinstance(value, (list, tuple)):
            self.edit.setText(", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value))
        else:
            self.edit.setText(str(value))


def make_editor(param: Param, value: Any, on_commit: Commit, parent: QWidget | None = None) -> ParamEditor:
    """The editor for ``param`` showing ``value``; ``on_commit(value) -> None | reason`` is called with
    each validated change (see the module docstring)."""
    if param.kind in ("int", "float"):
        cls: type[ParamEditor] = _NumberEditor
    elif param.kind == "choice" or (param.kind == "bool" and param.optional):
        cls = _ChoiceEditor
    elif param.kind == "bool":
        cls = _BoolEditor
    else:
        cls = _TextEditor
    return cls(param, value, on_commit, parent)
