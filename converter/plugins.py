"""Objects named by users: ``module:Attribute`` specs and the ``nbconv.exporters`` entry points.

Entry points are listed from installed distributions' metadata without importing them,
so listing formats stays cheap; a plugin is imported only when it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from converter.errors import ExportError

if TYPE_CHECKING:  # importlib.metadata costs ~20 ms: imported only to list entry points
    from importlib.metadata import EntryPoint

EXPORTER_GROUP = "nbconv.exporters"


def load_object(spec: str, what: str) -> Any:
    """Import ``package.module:Name`` (``Name`` may be dotted); ``what`` names it in errors."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ExportError(f"{what} {spec!r}: expected 'module:Name'")
    try:
        value: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise ExportError(f"{what} {spec!r}: cannot import {module_name}: {error}") from None
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise ExportError(f"{what} {spec!r}: {module_name} has no attribute {attribute!r}") from None
    return value


def exporter_entry_points() -> dict[str, EntryPoint]:
    """Installed exporter plugins by format name (first installed wins on a clash)."""
    from importlib.metadata import entry_points

    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=EXPORTER_GROUP):
        found.setdefault(entry.name.lower(), entry)
    return found


def entry_point_summary(entry: EntryPoint) -> str:
    """A one-line description of a plugin from its distribution's metadata (no import)."""
    dist = entry.dist
    if dist is None:
        return entry.value
    summary = (dist.metadata.get("Summary") or "").strip()
    origin = f"{dist.metadata.get('Name', '?')} {dist.version}"
    return f"{summary} ({origin})" if summary else f"from {origin}"
