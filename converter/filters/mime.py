"""Which of an output's representations to show, and the data: URIs for binary ones."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Callable, Iterable, Mapping

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# The richest representation first; the HTML exporter shows the first one present.
HTML_PRIORITY = (
    WIDGET_VIEW,
    "text/html",
    "text/markdown",
    "text/latex",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "application/pdf",
    "application/javascript",
    "text/plain",
)

# What LaTeX can show, best first; HTML, JavaScript and widgets have no LaTeX form.
LATEX_PRIORITY = (
    "text/latex",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/markdown",
    "text/plain",
)

# Representations that need the notebook's own scripts to run.
SCRIPT_MIMETYPES = frozenset({WIDGET_VIEW, "application/javascript"})



def choose_mimetype(data: dict, priority: Iterable[str], usable: Any = None) -> str | None:
    """The first mimetype of ``priority`` that ``data`` has, or None.

    ``usable`` maps a mimetype to a test of its payload: a representation the exporter
    cannot show (a widget view whose state was not saved) gives way to the next one.
    """
    checks: Mapping[str, Callable[[Any], bool]] = usable if isinstance(usable, Mapping) else {}
    for mimetype in priority:
        if mimetype in data:
            check = checks.get(mimetype)
            if check is None or check(data[mimetype]):
                return mimetype
    return None


def saved_widget_test(widget_state: Any) -> Callable[[Any], bool]:
    """A test for widget views: true when the notebook saved the state of the view's model."""
    models = widget_state.get("state") if isinstance(widget_state, dict) else None
    saved = frozenset(models) if isinstance(models, dict) else frozenset()

    def has_state(view: Any) -> bool:
        return isinstance(view, dict) and view.get("model_id") in saved

    return has_state


# LaTeX that is one formula: what a ``math`` directive or MathJax can show.
_MATH_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_MATH_ENVIRONMENTS = ("equation", "equation*", "align", "align*", "gather", "gather*", "multline",
                      "multline*", "eqnarray", "eqnarray*", "displaymath", "math", "flalign", "flalign*")


def is_latex_math(payload: Any) -> bool:
    """Whether a text/latex output is math (``$...$``, ``\\[...\\]``, an equation
    environment) rather than a document fragment such as a ``tabular``."""
    text = "".join(payload) if isinstance(payload, list) else payload
    if not isinstance(text, str):
        return False
    text = text.strip()
    for open_, close in _MATH_DELIMITERS:
        if text.startswith(open_) and text.endswith(close) and len(text) > len(open_) + len(close):
            return close not in text[len(open_):-len(close)]  # "$a$ and $b$" is text with math in it
    return any(text.startswith(f"\\begin{{{name}}}") and text.endswith(f"\\end{{{name}}}")
               for name in _MATH_ENVIRONMENTS)


def data_uri(payload: Any, mimetype: str) -> str:
    """A data: URI for base64 output data (SVG, stored as text, is encoded here).

    Data that is not valid base64 gives "" so templates can show a placeholder instead
    of a broken image.
    """
    if isinstance(payload, list):
        payload = "".join(payload)
    if not isinstance(payload, str):
        return ""
    if mimetype == "image/svg+xml":
        return "data:image/svg+xml;base64," + base64.b64encode(payload.encode("utf-8", "replace")).decode()
    compact = "".join(payload.split())  # drops line breaks; 10x faster than a regex on MBs of base64
    try:
        binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError):
        return ""
    return f"data:{mimetype};base64," + compact


def image_size(output: dict, mimetype: str) -> dict[str, int]:
    """Width and height from the output metadata, kept only when they are positive numbers."""
    metadata = output.get("metadata") or {}
    specific = metadata.get(mimetype) if isinstance(metadata.get(mimetype), dict) else {}
    size = {}
    for key in ("width", "height"):
        value = specific.get(key, metadata.get(key))
        if isinstance(value, bool):
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, (int, float)) and 0 < value < 1_000_000:
            size[key] = int(value)
    return size


def is_unconfined(output: dict, mimetype: str) -> bool:
    """Whether the image asked to be shown at full size rather than fitted to the page."""
    metadata = output.get("metadata") or {}
    specific = metadata.get(mimetype)
    return bool(isinstance(specific, dict) and specific.get("unconfined") is True)


def extracted_file(output: dict, mimetype: str, outputs: Mapping[str, bytes]) -> str | None:
    """The side file ExtractOutputs made for this representation, to link instead of embed.

    Only names present in ``outputs`` count: a notebook cannot point a page at files
    by writing ``metadata.filenames`` itself.
    """
    names = (output.get("metadata") or {}).get("filenames")
    name = names.get(mimetype) if isinstance(names, dict) else None
    return name if isinstance(name, str) and name in outputs else None
