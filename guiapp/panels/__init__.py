"""Settings panels of the main window (data, outputs, training settings) and the status bar fields.

Each panel takes the :class:`~guiapp.document.ProjectDocument`, edits only through
``document.edit`` (one undo step per change) and refreshes from ``projectChanged``.
"""
