"""The architecture editor: layer palette, graph canvas, inspector (its parameter editors
are :mod:`guiapp.widgets`, shared with the settings panels).

Wiring (the main window)::

    palette = LayerPalette()
    canvas = GraphCanvas(document)
    inspector = Inspector(document)
    palette.layerActivated.connect(canvas.add_layer)
    canvas.selectionChangedTo.connect(inspector.show_nodes)
    edit_menu.addActions(canvas.edit_actions)
"""
from __future__ import annotations

from .canvas import GraphCanvas
from .inspector import Inspector
from .palette import LAYER_MIME, LayerPalette

__all__ = ["GraphCanvas", "Inspector", "LAYER_MIME", "LayerPalette"]
