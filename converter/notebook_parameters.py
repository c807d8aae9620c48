"""What a notebook's ``parameters`` cell declares: names, types, defaults and comments.

``nbconv run --help-notebook`` lists them, and ``metadata.papermill.default_parameters``
records them. Only Python cells are read (with ``ast`` and ``tokenize``, never run): a
top-level ``name = value`` or ``name: type = value``, with the comment at the end of
its line as help. Other languages get an empty list.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

from converter.notebook import NotebookNode

PARAMETERS_TAG = "parameters"
# A parameters cell larger than this is not inspected (it is settings, not a program).
MAX_SOURCE_CHARS = 1_000_000


@dataclass(frozen=True)
class DeclaredParameter:
    """One assignment of the parameters cell."""

    name: str
    type: str  # the annotation, else the literal's type, else "unknown"
    default: str  # the value's source text
    help: str  # the comment at the end of the line, without "#"


def parameters_cell(nb: NotebookNode) -> NotebookNode | None:
    """The first cell tagged ``parameters``, if any."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags")
        if isinstance(tags, list) and PARAMETERS_TAG in tags:
            return cell
    return None


def declared_parameters(source: str) -> list[DeclaredParameter]:
    """The parameters a Python cell assigns, in order; ValueError if it does not parse."""
    if len(source) > MAX_SOURCE_CHARS:
        raise ValueError(f"the parameters cell is over {MAX_SOURCE_CHARS} characters")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        raise ValueError(f"the parameters cell is not valid Python: {error}") from None
    comments = _line_comments(source)
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], None
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, node.annotation
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        default = ast.get_source_segment(source, node.value) or ""
        kind = ast.get_source_segment(source, annotation) if annotation is not None else _literal_type(node.value)
        found.append(DeclaredParameter(target.id, kind or "unknown", default,
                                       comments.get(node.end_lineno or node.lineno, "")))
    return found


def _literal_type(value: ast.expr) -> str:
    try:
        literal = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return "unknown"
    return "None" if literal is None else type(literal).__name__


def _line_comments(source: str) -> dict[int, str]:
    """Line number -> the text of the comment on that line."""
    comments = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass  # ast accepted the cell; a tokenizer complaint only loses comments
    return comments


def describe_parameters(nb: NotebookNode, label: str, language: str | None) -> str:
    """The text of ``nbconv run --help-notebook``."""
    cell = parameters_cell(nb)
    if cell is None:
        return f'{label} has no cell tagged "parameters": it takes no parameters.'
    if (language or "python").lower() != "python":
        return f"{label}: the parameters cell is {language}; nbconv lists parameters of Python notebooks only."
    found = declared_parameters(cell.source)
    if not found:
        return f'{label}: the cell tagged "parameters" assigns nothing.'
    lines = [f'Parameters of {label} (from its cell tagged "parameters"):']
    width = max(len(f"{p.name}: {p.type} = {p.default}") for p in found)
    for p in found:
        text = f"{p.name}: {p.type} = {p.default}"
        lines.append(f"  {text.ljust(width)}  # {p.help}" if p.help else f"  {text}")
    return "\n".join(lines)
