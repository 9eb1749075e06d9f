"""The one exception type of :mod:`core.data`."""
from __future__ import annotations

from core.catalog.params import ParamError


class DataError(ParamError):
    """Bad data input.

    ``where`` names the place: a JSON path such as ``"data.params.noise"``, or a spot in a file
    such as ``"file.csv line 12, column 'age'"``. ``str(err)`` is ``"<where>: <message>"``, a full
    sentence that says what is wrong and what to do. It is a :class:`ValueError` (through the
    catalog's ``ParamError``), so code that catches parameter errors catches data errors too.
    """

    def __init__(self, where: str, message: str):
        super().__init__(where, message)
        self.message = message
