"""Compiled artefacts kept between runs, so a new process does not compile them again.

Two things are expensive to build and the same every run: the notebook schema
validator (fastjsonschema generates and compiles ~170 KB of Python: ~110 ms) and the
Jinja templates (~50 ms). Both are kept under ``$XDG_CACHE_HOME/nbconv`` (default
``~/.cache/nbconv``, created private to the user); ``NBCONV_CACHE_DIR`` picks another
folder, and setting it to an empty string turns the cache off. A missing or unwritable
cache only costs time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Callable


@lru_cache(maxsize=1)
def cache_dir() -> Path | None:
    """The cache folder (created on first use), or None when off or not writable."""
    configured = os.environ.get("NBCONV_CACHE_DIR")
    if configured == "":
        return None
    if configured:
        path = Path(configured)
    else:
        from converter.user_dirs import xdg_folder

        base = xdg_folder("XDG_CACHE_HOME", ".cache")
        if base is None:
            return None  # no home folder: run without the cache
        path = base / "nbconv"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def cached_code(name: str, key: str, build: Callable[[], str]) -> CodeType:
    """The compiled code of the source ``build()`` returns, reused while ``key`` stays the same.

    The file name holds a hash of ``key`` and the interpreter version, since marshal
    data is only valid for the Python that wrote it.
    """
    digest = hashlib.sha256(f"{key}\0{sys.version}".encode()).hexdigest()[:20]
    folder = cache_dir()
    path = folder / f"{name}-{digest}.marshal" if folder else None
    if path is not None and path.is_file():
        try:
            cached = marshal.loads(path.read_bytes())
            if isinstance(cached, CodeType):
                return cached
        except (OSError, ValueError, EOFError, TypeError):
            pass  # unreadable or damaged: compile again below
    code = compile(build(), f"<nbconv {name}>", "exec")
    if path is not None:
        from converter.errors import OutputError
        from converter.writer import write_atomic

        try:
            write_atomic(path, marshal.dumps(code))
        except OutputError:
            pass
    return code
