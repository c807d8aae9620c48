"""The user's own folders, by the XDG rules: an absolute ``$XDG_..._HOME``, else a folder
in the home directory. A process may have no home (a container user without a passwd
entry and no HOME): then there is no user folder, and nbconv works without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping


def home() -> Path | None:
    """The home folder, or None when the process has none."""
    found = os.path.expanduser("~")
    return Path(found) if os.path.isabs(found) else None


def xdg_folder(variable: str, *default: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """``$variable`` when it is absolute (the XDG spec ignores relative ones), else
    ``~/<default...>``; None without a home."""
    value = environ.get(variable, "")
    if os.path.isabs(value):
        return Path(value)
    base = home()
    return base.joinpath(*default) if base is not None else None
