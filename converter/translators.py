"""Parameter values written as source code in the notebook's language: Python, R, Julia, bash.

papermill's parameter cell is code in the kernel's language, so every value (None, bool,
int, float, str, list, dict, as YAML and JSON give them) needs a spelling there. A
language with no translator, or a value a language cannot hold (a dict in bash), is a
``ValueError`` with a one-line reason.
"""

from __future__ import annotations

import keyword
import math
import re
import shlex
from typing import Any

# Parameters are settings: more values than this (YAML aliases can multiply a few lines
# into billions) or deeper nesting than this are refused.
MAX_VALUES = 1_000_000
MAX_DEPTH = 100
# Names every language here accepts (bash and R are stricter than Python: ASCII only).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUOTED = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


class Translator:
    """How one language spells a comment, an assignment and each kind of value."""

    language = ""
    none = "None"
    true, false = "True", "False"
    infinity, not_a_number = "Inf", "NaN"

    def source(self, parameters: dict[str, Any]) -> str:
        """The whole injected cell: a comment line, then one assignment per parameter."""
        check_size(parameters)
        lines = [self.comment("Parameters")]
        lines += [self.assign(self.check_name(name), self.value(value)) for name, value in parameters.items()]
        return "\n".join(lines)

    def comment(self, text: str) -> str:
        return f"# {text}"

    def assign(self, name: str, value: str) -> str:
        return f"{name} = {value}"

    def check_name(self, name: str) -> str:
        if not _PLAIN_NAME.fullmatch(name) or keyword.iskeyword(name):
            raise ValueError(f"{name!r} is not a valid {self.language} variable name")
        return name

    def value(self, value: Any) -> str:
        if value is None:
            return self.none
        if isinstance(value, bool):
            return self.true if value else self.false
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return self.float(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, (list, tuple)):
            return self.list([self.value(item) for item in value])
        if isinstance(value, dict):
            return self.dict([(self.string(str(k)), self.value(v)) for k, v in value.items()])
        # YAML dates and other scalars: their text, as papermill does
        return self.string(str(value))

    def float(self, value: float) -> str:
        if math.isnan(value):
            return self.not_a_number
        if math.isinf(value):
            return self.infinity if value > 0 else "-" + self.infinity
        return repr(value)

    def string(self, text: str) -> str:
        return '"' + text.translate(_QUOTED) + '"'

    def list(self, items: list[str]) -> str:
        return "[" + ", ".join(items) + "]"

    def dict(self, pairs: list[tuple[str, str]]) -> str:
        raise ValueError(f"{self.language} parameters cannot hold a dictionary")


class PythonTranslator(Translator):
    language = "Python"
    infinity, not_a_number = "float('inf')", "float('nan')"

    def value(self, value: Any) -> str:
        try:
            return python_literal(value)  # tuples, sets, non-string keys: as Python wrote them
        except ValueError:
            return super().value(value)

    def check_name(self, name: str) -> str:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{name!r} is not a valid Python variable name")
        return name

    def string(self, text: str) -> str:
        return repr(text)

    def dict(self, pairs: list[tuple[str, str]]) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


class RTranslator(Translator):
    language = "R"
    none, true, false = "NULL", "TRUE", "FALSE"

    def check_name(self, name: str) -> str:
        # R names cannot start with "_"; papermill drops leading underscores the same way
        stripped = super().check_name(name).lstrip("_")
        if not stripped:
            raise ValueError(f"{name!r} is not a valid R variable name")
        return stripped

    def list(self, items: list[str]) -> str:
        return "list(" + ", ".join(items) + ")"

    def dict(self, pairs: list[tuple[str, str]]) -> str:
        return "list(" + ", ".join(f"{k} = {v}" for k, v in pairs) + ")"


class JuliaTranslator(Translator):
    language = "Julia"
    none, true, false = "nothing", "true", "false"

    def string(self, text: str) -> str:
        return super().string(text).replace("$", "\\$")  # "$x" would interpolate

    def dict(self, pairs: list[tuple[str, str]]) -> str:
        return "Dict(" + ", ".join(f"{k} => {v}" for k, v in pairs) + ")"


class BashTranslator(Translator):
    language = "bash"
    none, true, false = "''", "true", "false"
    infinity, not_a_number = "inf", "nan"

    def assign(self, name: str, value: str) -> str:
        return f"{name}={value}"

    def string(self, text: str) -> str:
        return shlex.quote(text)

    def list(self, items: list[str]) -> str:
        return "(" + " ".join(items) + ")"


def check_size(parameters: dict[str, Any]) -> None:
    """ValueError when the values, written out, would exceed MAX_VALUES or MAX_DEPTH."""
    budget = MAX_VALUES
    stack = [(value, 1) for value in parameters.values()]
    while stack:
        value, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise ValueError(f"the parameters hold over {MAX_VALUES} values")
        if depth > MAX_DEPTH:
            raise ValueError(f"the parameters are nested over {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend((item, depth + 1) for item in value)


def python_literal(value: Any) -> str:
    """``repr(value)`` when Python reads it back as the same value; ValueError otherwise."""
    import ast

    text = repr(value)
    try:
        if ast.literal_eval(text) == value:
            return text
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    raise ValueError(f"{text} cannot be written as a Python literal")


TRANSLATORS: dict[str, type[Translator]] = {
    "python": PythonTranslator,
    "r": RTranslator,
    "julia": JuliaTranslator,
    "bash": BashTranslator,
}


def translator_for(language: str | None) -> Translator:
    """The translator for a kernel language (``python`` when the notebook names none)."""
    key = (language or "python").lower()
    if key not in TRANSLATORS:
        raise ValueError(f"parameters cannot be written in {language} (nbconv knows "
                         f"{', '.join(sorted(TRANSLATORS))})")
    return TRANSLATORS[key]()
