"""Studies in the window: the Study dialog and the Study view (table and charts as trials finish)."""
from .dialog import StudyDialog
from .view import StudyView

__all__ = ["StudyDialog", "StudyView"]
