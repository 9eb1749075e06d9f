"""Widgets shared by the graph editor and the settings panels: the catalog ``Param`` editors and
the label | field form they sit in."""
from __future__ import annotations

from .form_grid import FormGrid
from .param_editors import GeneralSpinBox, ParamEditor, make_editor, range_text

__all__ = ["FormGrid", "GeneralSpinBox", "ParamEditor", "make_editor", "range_text"]
