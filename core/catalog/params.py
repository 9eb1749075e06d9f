"""Parameter schemas as data: the GUI renders editors and tooltips from these."""
from __future__ import annotations

import contextlib
import difflib
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

KINDS = ("int", "float", "bool", "choice", "int_tuple", "float_list", "str")


class ParamError(ValueError):
    """A parameter value was refused. ``where`` is the JSON path, ``reason`` the sentence."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Param:
    """One constructor keyword of a layer, loss, optimizer, schedule or data set.

    ``kind`` is semantic (int, float, bool, choice, int_tuple, float_list, str); ``optional``
    allows ``None``; ``log`` asks the GUI for a log-scale editor (rates); ``tuple_len`` fixes the
    length of an int_tuple (0 = any length >= 1).
    """

    name: str
    kind: str
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    log: bool = False
    help: str = ""
    optional: bool = False
    tuple_len: int = 0
    advanced: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown param kind {self.kind!r}")

    def _range_text(self) -> str:
        if self.min is not None and self.max is not None:
            return f" between {_fmt(self.min)} and {_fmt(self.max)}"
        if self.min is not None:
            return f" >= {_fmt(self.min)}"
        if self.max is not None:
            return f" <= {_fmt(self.max)}"
        return ""

    def _check_range(self, v: float, where: str, what: str) -> None:
        if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
            raise ParamError(where, f"expected {what}{self._range_text()}, received {self.name}={_fmt(v)}")

    def validate(self, value: Any, where: str | None = None) -> Any:
        """Return the value coerced to its kind, or raise :class:`ParamError` quoting it."""
        where = where or self.name
        if value is None:
            if self.optional:
                return None
            raise ParamError(where, f"a value is required for {self.name}")
        k = self.kind
        if k == "bool":
            if isinstance(value, bool):
                return value
            raise ParamError(where, f"expected true or false, received {self.name}={_fmt(value)}")
        if k == "int":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()
            ):
                raise ParamError(where, f"expected an integer{self._range_text()}, received {self.name}={_fmt(value)}")
            v = int(value)
            self._check_range(v, where, "an integer")
            return v
        if k == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ParamError(where, f"expected a number{self._range_text()}, received {self.name}={_fmt(value)}")
            v = float(value)
            self._check_range(v, where, "a number")
            return v
        if k == "choice":
            if value not in (self.choices or ()):
                opts = ", ".join(_fmt(c) for c in self.choices or ())
                raise ParamError(where, f"expected one of {opts}, received {self.name}={_fmt(value)}")
            return value
        if k == "str":
            if not isinstance(value, str):
                raise ParamError(where, f"expected text, received {self.name}={_fmt(value)}")
            return value
        if k == "int_tuple":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
                value = [int(value)] * (self.tuple_len or 1)
            if not isinstance(value, (list, tuple)) or not value or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and float(x).is_integer() for x in value
            ):
                raise ParamError(where, f"expected a list of integers, received {self.name}={_fmt(value)}")
            if self.tuple_len and len(value) != self.tuple_len:
                raise ParamError(where, f"expected {self.tuple_len} integers, received {self.name}={list(value)}")
            vals = [int(x) for x in value]
            for x in vals:
                self._check_range(x, where, "integers")
            return vals
        if k == "float_list":
            if not isinstance(value, (list, tuple)) or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value
            ):
                raise ParamError(where, f"expected a list of numbers, received {self.name}={_fmt(value)}")
            return [float(x) for x in value]
        raise AssertionError(k)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "default": self.default, "min": self.min, "max": self.max,
            "choices": list(self.choices) if self.choices else None, "log": self.log, "help": self.help,
            "optional": self.optional,
        }


@dataclass(frozen=True)
class Entry:
    """A pickable thing: its PyTorch class name, category, parameters, doc, and how to build it.

    Kinds of things that know more (layers, losses, schedules) subclass it with typed fields
    (:class:`~core.catalog.layer_entry.LayerEntry`, :class:`~core.catalog.losses.LossEntry`, ...):
    every fact about a thing lives on its one record.
    """

    name: str
    category: str
    params: tuple[Param, ...]
    doc: str
    builder: Callable[..., Any] | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate_params(self, params: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
        """Validate stored params (unknown keys refused), returning defaults filled in."""
        params = dict(params or {})
        known = {p.name for p in self.params}
        for key in params:
            if key not in known:
                hint = ", ".join(sorted(known)) or "none"
                raise ParamError(f"{where}.{key}", f"{self.name} has no parameter {key!r} (it takes: {hint})")
        out = {}
        for p in self.params:
            out[p.name] = p.validate(params[p.name], f"{where}.{p.name}") if p.name in params else p.default
        return out


class Registry:
    """Name -> :class:`Entry`, in declaration order; lookups of unknown names list the known ones."""

    def __init__(self, what: str, entries: list[Entry] | tuple[Entry, ...] = ()):
        self.what = what
        self._entries: dict[str, Entry] = {}
        for e in entries:
            self.add(e)

    def add(self, entry: Entry) -> Entry:
        if entry.name in self._entries:
            raise ValueError(f"duplicate {self.what} {entry.name!r}")
        self._entries[entry.name] = entry
        return entry

    def remove(self, name: str) -> Entry:
        """Take an entry out again (plug-ins and tests that register a layer for a while)."""
        return self._entries.pop(name)

    @contextlib.contextmanager
    def temporarily(self, *entries: Entry) -> Iterator[None]:
        """Register ``entries`` for the duration of a ``with`` block (tests, experiments), then remove them."""
        added = []
        try:
            for e in entries:
                added.append(self.add(e))
            yield
        finally:
            for e in added:
                self._entries.pop(e.name, None)

    def find(self, name: object) -> Entry | None:
        """The entry called ``name``, or None (for callers that report unknown names themselves)."""
        return self._entries.get(name) if isinstance(name, str) else None

    def get(self, name: str, where: str = "") -> Entry:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            known = ", ".join(self._entries)
            # compared without case: 'Relu' is 'ReLU' misspelt, 'batchnorm1d' is 'BatchNorm1d'
            lower = {n.lower(): n for n in self._entries}
            close = difflib.get_close_matches(str(name).lower(), list(lower), n=1, cutoff=0.75)
            hint = f" (did you mean {lower[close[0]]!r}?)" if close else ""
            raise ParamError(where or self.what, f"unknown {self.what} {name!r}{hint}; choose one of: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self):
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return list(self._entries)

    def by_category(self) -> dict[str, list[Entry]]:
        out: dict[str, list[Entry]] = {}
        for e in self._entries.values():
            out.setdefault(e.category, []).append(e)
        return out
