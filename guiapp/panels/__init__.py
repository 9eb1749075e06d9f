"""Settings panels of the main window (data, outputs, training settings) and the status bar fields.

Each panel takes the :class:`~guiapp.document.ProjectDocument`, edits only through
``document.edit`` (one undo step per change, declaring the part it edits) and refreshes from the
document's signal for the part it shows (``dataChanged``, ``trainingChanged``, ``outputsChanged``).
"""
