"""``python -m converter`` is the ``nbconv`` command."""

from converter.cli import entry

raise SystemExit(entry())
