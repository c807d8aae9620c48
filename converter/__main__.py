"""``python -m converter`` is the ``nbconv`` command."""

from converter.cli import main

raise SystemExit(main())
