"""nbconvert's option values, read as traitlets reads them from a command line, and
turned into nbconv's flags: the converters the translation table (converter.compat)
names for each foreign option.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

from converter.errors import ConfigError


class UsageError(ConfigError):
    """A foreign option nbconv cannot translate, or a bad value for one (exit 2)."""


# -- values, as traitlets reads them from a command line ---------------------------------

_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def _text(value: Any) -> str:
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            return value[1:-1]  # traitlets accepts a quoted string
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError("expected a string")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if value in (0, 1):
        return bool(value)
    raise ValueError("expected True or False")


def _number(value: Any) -> float | None:
    """Seconds; None, or a negative number (nbconvert's -1), means no limit."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number of seconds")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a number of seconds") from None
    return None if number < 0 else number


def _strings(value: Any) -> list[str]:
    """A list or set of strings: ``'{"hide"}'``, ``'["a","b"]'``, ``hide`` or a JSON list."""
    if isinstance(value, str):
        try:
            parsed = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return [value] if value else []
        value = parsed if isinstance(parsed, (list, tuple, set, frozenset, str)) else value
        if isinstance(value, str):
            return [value] if value else []
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise ValueError("expected a list of strings, e.g. '[\"a\", \"b\"]'")


def _seconds_flag(flag: str) -> Callable[[Any], list[str]]:
    def tokens(value: Any) -> list[str]:
        seconds = _number(value)
        return [] if seconds is None else [flag, f"{seconds:g}"]
    return tokens


def _switch(flag: str) -> Callable[[Any], list[str]]:
    return lambda value: [flag] if _bool(value) else []


def _value(flag: str) -> Callable[[Any], list[str]]:
    return lambda value: [flag, _text(value)]


def _each(flag: str, transform: Callable[[str], str] = str) -> Callable[[Any], list[str]]:
    return lambda value: [token for item in _strings(value) for token in (flag, transform(item))]


def _accepted(value: Any) -> list[str]:
    _bool(value)
    return []


def _always_true(what: str) -> Callable[[Any], list[str]]:
    def tokens(value: Any) -> list[str]:
        if not _bool(value):
            raise ValueError(f"False is not available: {what}")
        return []
    return tokens


def _nbformat(value: Any) -> list[str]:
    if _text(value) != "4":
        raise ValueError("nbconv writes nbformat 4 only; --nbformat-minor N picks 4.N")
    return []


_LOG_LEVELS = {"debug": 10, "info": 20, "warn": 30, "warning": 30, "error": 40, "critical": 50}


def _log_level(value: Any) -> list[str]:
    text = _text(value).strip().lower()
    level = _LOG_LEVELS.get(text, int(text) if text.isdigit() else None)
    if level is None:
        raise ValueError(f"expected one of {', '.join(name.upper() for name in _LOG_LEVELS)}")
    return ["--quiet"] if level >= 30 else []  # above INFO: no "written to" lines


def _writer(value: Any) -> list[str]:
    name = _text(value).rpartition(".")[2].lower()
    if name in ("stdoutwriter", "stdout"):
        return ["--stdout"]
    if name in ("fileswriter", "files"):
        return []
    raise ValueError("nbconv writes files, or standard output with --stdout")


def _anchored(pattern: str) -> str:
    """nbconvert tests a pattern at the start of the source (re.match); nbconv searches."""
    return f"^(?:{pattern})"


def _export_format(value: Any) -> list[str]:
    return ["--to", _text(value)]
