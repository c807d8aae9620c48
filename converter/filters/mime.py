"""Which of an output's representations to show, and the data: URIs for binary ones."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Iterable, Mapping

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



def choose_mimetype(data: dict, priority: Iterable[str]) -> str | None:
    """The first mimetype of ``priority`` that ``data`` has, or None."""
    for mimetype in priority:
        if mimetype in data:
            return mimetype
    return None


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
