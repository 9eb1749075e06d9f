"""Reading a project's JSON text safely: everything Python's ``json`` accepts but LossLab cannot use is
refused with its JSON path, never left to fail later with a traceback.

Refused: integers with more than 18 digits (Python refuses ints over 4,300 digits with a ``ValueError``;
anything past 1e308 overflows float conversion later), NaN/Infinity and numbers such as ``1e400`` that
parse as infinity, nesting deeper than :data:`MAX_DEPTH` (JSON's decoder raises ``RecursionError`` near
1,000), and text holding a lone UTF-16 surrogate (``"\\ud800"``; it cannot be printed or saved as UTF-8).
:func:`shorten` keeps echoed values short (a 1 MB name is quoted by its first characters).
"""
from __future__ import annotations

import json
import math
from typing import Any

#: objects/lists nested deeper than this are refused (a project needs about 5 levels; views a few more)
MAX_DEPTH = 64
#: integers with more digits than this are refused; every real setting is far below 1e18
MAX_INT_DIGITS = 18
#: echoed values longer than this are cut (see :func:`shorten`)
ECHO_CHARS = 60
_INT_LIMIT = 10 ** MAX_INT_DIGITS


class JsonProblem(ValueError):
    """A JSON value LossLab refuses; ``where`` is the JSON path (``$`` for the document)."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


class _HugeInt(int):
    """An integer literal with too many digits, kept as its digit count (no 4,300-digit conversion)."""
    digits: int = 0


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits <= MAX_INT_DIGITS:
        return int(text)
    big = _HugeInt(0)
    big.digits = digits
    return big


def shorten(value: Any, limit: int = ECHO_CHARS) -> str:
    """``value`` as JSON-ish text, cut to ``limit`` characters with a note of how much was left out;
    unprintable characters (lone surrogates) are escaped so the text can always be printed."""
    if isinstance(value, _HugeInt):
        return f"<an integer of {value.digits:,} digits>"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(type(value).__name__)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    return text


def short_repr(value: Any, limit: int = ECHO_CHARS) -> str:
    """Like :func:`shorten` but text is quoted the Python way (``'name'``), as messages about ids do."""
    if not isinstance(value, str):
        return shorten(value, limit)
    text = repr(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return f"{text[:limit]}... ({len(text):,} characters)" if len(text) > limit else text


def _json_hint(text: str, e: json.JSONDecodeError) -> str:
    """The usual slip behind a syntax error the parser notices one token late: a comma missing at the
    end of the line before, or one left after the last item of an object or a list."""
    before = text[:e.pos].rstrip()
    at = text[e.pos:e.pos + 1]
    if e.msg.startswith("Expecting ',' delimiter") and not text[:e.pos].rsplit("\n", 1)[-1].strip() and e.lineno > 1:
        return f"; probably a comma missing at the end of line {before.count(chr(10)) + 1}"
    if at and at in "}]" and before.endswith(","):
        return f"; probably a comma after the last item on line {before.count(chr(10)) + 1}, which JSON does not allow"
    return ""


def loads(text: str, shown: str) -> Any:
    """Parse project JSON (huge integers kept as markers for :func:`check_values`); raises :class:`JsonProblem` (``where`` = ``shown`` + line/column for syntax)."""
    try:
        doc = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as e:
        raise JsonProblem(f"{shown} line {e.lineno}, column {e.colno}",
                          f"not valid JSON ({e.msg}{_json_hint(text, e)}): fix the file or open another") from None
    except RecursionError:
        raise JsonProblem(shown, f"the JSON is nested too deeply (more than {MAX_DEPTH} levels): this is not a "
                                 "LossLab project, or it was damaged") from None
    except ValueError as e:  # defensive: any other value the decoder refuses
        raise JsonProblem(shown, f"not usable JSON ({shorten(str(e), 120)})") from None
    return doc  # Project.from_dict runs check_values on every document, loaded or built in memory


def _key_path(where: str, key: Any) -> str:
    k = str(key)
    if k.isidentifier():
        return f"{where}.{k}" if where != "$" else k
    return f"{where}[{shorten(k, 40)}]"


def check_values(doc: Any) -> None:
    """Walk ``doc`` (iteratively: no recursion limit) and raise :class:`JsonProblem` at the first value
    LossLab cannot hold: too deep, an integer too large, a non-finite number, text with a lone surrogate."""
    stack: list[tuple[Any, str, int]] = [(doc, "$", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                _check_text(value, where)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if isinstance(value, _HugeInt) or abs(value) >= _INT_LIMIT:
                # no str(): Python refuses to print ints over 4,300 digits
                digits = value.digits if isinstance(value, _HugeInt) else int(abs(value).bit_length() * 0.30103) + 1
                raise JsonProblem(where, f"an integer of {digits:,} digits is too large for any LossLab setting; "
                                         "use a sensible number")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise JsonProblem(where, f"{value} is not a finite number (JSON numbers past 1e308 read as "
                                         "infinity); use a finite number")
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise JsonProblem(where, f"nested more than {MAX_DEPTH} levels deep: LossLab projects are flat; "
                                         "remove the nesting")
            if isinstance(value, dict):
                for k, v in value.items():
                    p = _key_path(where, k)
                    if not str(k).isascii():
                        _check_text(str(k), p)
                    stack.append((v, p, depth + 1))
            else:
                for i, v in enumerate(value):
                    stack.append((v, f"{where}[{i}]", depth + 1))


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise JsonProblem(where.encode("utf-8", "backslashreplace").decode("utf-8"),
                          f"the text holds a lone UTF-16 surrogate ({ascii(text[e.start])}) at character "
                          f"{e.start + 1}, which no file can store: retype that text") from None
