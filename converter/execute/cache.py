"""The execution cache: outputs of notebooks whose code did not change, kept between runs.

A docs build re-executes hundreds of notebooks of which a handful changed. The key of a
notebook is a hash of what decides its outputs: the code cells' sources in order (with
injected parameters, which are a code cell), the two tags that change how a cell runs
(``skip-execution``, ``raises-exception``), the kernel asked for (``kernel_name``, else
the notebook's kernelspec name and language), ``allow_errors`` (and the library's
``skip_cells_with_tag``, ``allow_error_names``, ``force_raise_errors`` when set), and the
contents of the files the notebook declares in ``metadata.nbconv.depends`` (globs
relative to its folder: see dependencies.py). Markdown, other tags, cell ids, metadata and existing outputs
are left out, so editing prose or tags is still a hit.

An entry is one JSON file, written to a temporary name and renamed into place, so
several processes may share the folder: a reader sees a whole entry or none. A damaged
entry is reported in one line and executed again. The folder is kept under a size cap by
removing the least recently used entries (a hit touches its file's modification time).

Not to be confused with ``converter.cache``, which keeps compiled templates and schema code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from converter.errors import NotebookError
from converter.execute.dependencies import dependency_hashes
from converter.notebook import NotebookNode

FORMAT = 1  # bump when the key or entry layout changes: old entries then simply miss
SUFFIX = ".json"
DEFAULT_MAX_BYTES = 1024 ** 3
EXECUTION_TAGS = ("skip-execution", "raises-exception")


def stderr_warning(message: str) -> None:
    print(f"nbconv: warning: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class EntryInfo:
    """What ``nbconv cache list`` shows of one entry."""

    key: str
    notebook: str
    kernel: str
    size: int
    created: float
    last_used: float


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``800k`` or a plain number of megabytes, in bytes."""
    value = str(text).strip().upper().removesuffix("B")
    scale = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}.get(value[-1:], None)
    number = float(value[:-1] if scale else value)
    if number <= 0:
        raise ValueError(f"a cache size must be positive, got {text!r}")
    return int(number * (scale or 1024 ** 2))


class ExecutionCache:
    """Executed outputs by notebook key, in ``directory`` (created on first write).

    ``refresh`` makes every lookup a miss, so each notebook executes and replaces its
    entry. ``warn`` receives the one-line message about a damaged entry.
    """

    def __init__(self, directory: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES,
                 refresh: bool = False, warn: Callable[[str], None] = stderr_warning) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.refresh = refresh
        self.warn = warn
        self.hits = 0
        self.misses = 0

    # -- keys -----------------------------------------------------------------------

    def key(self, nb: NotebookNode, kernel_name: str | None, allow_errors: bool, folder: Path | None,
            skip_tag: str = "skip-execution", options: Iterable[str] = ()) -> str:
        """The hex key of ``nb`` run in ``kernel_name`` (None: the notebook's own) from ``folder``.

        The kernel is named as asked, not as resolved, so a hit needs no kernelspec lookup.
        ``skip_tag`` is the tag of cells not run; ``options`` name the other execution
        options that change results and are not at their defaults.
        """
        tags_that_count = (skip_tag, *EXECUTION_TAGS[1:])
        digest = hashlib.sha256()

        def add(*parts: str) -> None:
            for part in parts:
                data = part.encode("utf-8", "surrogatepass")
                digest.update(len(data).to_bytes(8, "big") + data)

        add(f"nbconv-execution-cache/{FORMAT}", kernel_wanted(nb, kernel_name),
            "allow-errors" if allow_errors else "stop-on-error")
        for option in options:
            add("option", option)
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                tags = cell.get("metadata", {}).get("tags") or []
                flags = ",".join(t for t in tags_that_count if t in tags)
                add("cell", _text(cell.get("source", "")), flags)
        for name, content_hash in dependency_hashes(nb, folder):
            add("depends", name, content_hash)
        return digest.hexdigest()

    # -- entries --------------------------------------------------------------------

    def path(self, key: str) -> Path:
        return self.directory / (key + SUFFIX)

    def lookup(self, key: str, nb: NotebookNode) -> bool:
        """Fill ``nb``'s code cells from the entry for ``key``; False on a miss."""
        if self.refresh:
            self.misses += 1
            return False
        entry = self._read(key)
        cells = [cell for cell in nb.cells if cell.get("cell_type") == "code"]
        if entry is not None and len(entry["cells"]) != len(cells):
            self.warn(f"{self.path(key)}: damaged cache entry ({len(entry['cells'])} code cells, "
                      f"the notebook has {len(cells)}); executing again")
            entry = None
        if entry is None:
            self.misses += 1
            return False
        for cell, saved in zip(cells, entry["cells"]):
            cell["outputs"] = saved["outputs"]
            cell["execution_count"] = saved["execution_count"]
        for field in ("kernelspec", "language_info", "widgets"):
            if isinstance(entry.get(field), dict):
                nb.metadata[field] = entry[field]
        try:
            os.utime(self.path(key))  # least recently used is judged by this time
        except OSError:
            pass
        self.hits += 1
        return True

    def store(self, key: str, nb: NotebookNode, name: str, kernelspec: dict[str, str]) -> None:
        """Keep the executed ``nb``'s outputs under ``key``, then trim the folder to size.

        A cache that cannot be written only costs time: the error is reported, not raised.
        """
        entry = {
            "format": FORMAT, "key": key, "notebook": name, "kernel": kernelspec.get("name"), "created": time.time(),
            "kernelspec": kernelspec, "language_info": nb.metadata.get("language_info"),
            "widgets": nb.metadata.get("widgets"),  # the widget state the run left, to render widgets
            "cells": [{"execution_count": cell.get("execution_count"), "outputs": cell.get("outputs", [])}
                      for cell in nb.cells if cell.get("cell_type") == "code"],
        }
        data = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=f".{key[:16]}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temp, self.path(key))
            except BaseException:
                _remove(Path(temp))
                raise
        except OSError as error:
            self.warn(f"{self.directory}: cannot write to the execution cache: {error.strerror or error}")
            return
        self.evict()

    def _read(self, key: str) -> dict | None:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            self.warn(f"{path}: cache entry unreadable ({error.strerror}); executing again")
            return None
        try:
            entry = json.loads(data, object_hook=NotebookNode)
            check_entry(entry, key)
        except RecursionError:
            self.warn(f"{path}: damaged cache entry (nested too deeply); executing again")
            return None
        except (ValueError, NotebookError) as error:
            self.warn(f"{path}: damaged cache entry ({str(error).splitlines()[0][:120]}); executing again")
            return None
        return entry

    # -- housekeeping -----------------------------------------------------------------

    def entry_files(self) -> list[Path]:
        try:
            return sorted(p for p in self.directory.iterdir() if p.suffix == SUFFIX and not p.name.startswith("."))
        except OSError:
            return []

    def entries(self) -> list[EntryInfo]:
        """Every readable entry, least recently used first."""
        found = []
        for path in self.entry_files():
            try:
                stat = path.stat()
                entry = json.loads(path.read_bytes())
                found.append(EntryInfo(path.stem, str(entry.get("notebook", "?")), str(entry.get("kernel", "?")),
                                       stat.st_size, float(entry.get("created", stat.st_mtime)), stat.st_mtime))
            except (OSError, ValueError, AttributeError, RecursionError):
                found.append(EntryInfo(path.stem, "(damaged)", "?", _size(path), 0.0, 0.0))
        return sorted(found, key=lambda info: info.last_used)

    def show(self, key: str) -> dict | None:
        """The entry for ``key`` or for the one key starting with it."""
        matches = [p for p in self.entry_files() if p.stem.startswith(key)] if key else []
        if len(matches) != 1:
            return None
        return self._read(matches[0].stem)

    def clear(self, older_than: float | None = None) -> int:
        """Remove entries (last used more than ``older_than`` seconds ago); return how many."""
        cutoff = None if older_than is None else time.time() - older_than
        removed = 0
        for path in self.entry_files():
            try:
                if cutoff is None or path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                pass  # another process removed it first
        for temp in self._stale_temporaries():
            _remove(temp)
        return removed

    def evict(self) -> None:
        """Remove least recently used entries until the folder fits ``max_bytes``."""
        files = []
        for path in self.entry_files():
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            _remove(path)
            total -= size

    def _stale_temporaries(self) -> Iterable[Path]:
        """Temporary files a killed writer left more than an hour ago."""
        try:
            for path in self.directory.glob(".*.tmp"):
                if path.stat().st_mtime < time.time() - 3600:
                    yield path
        except OSError:
            return


def check_entry(entry: Any, key: str) -> None:
    """Raise ValueError (or NotebookError) unless ``entry`` is a whole entry for ``key``.

    Its outputs go into notebooks that are rendered as they are, so they are checked
    against nbformat's schema, as a notebook read from a file is.
    """
    if not (isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("key") == key
            and isinstance(entry.get("cells"), list)):
        raise ValueError("not a cache entry of this nbconv")
    cells = []
    for saved in entry["cells"]:
        if not (isinstance(saved, dict) and isinstance(saved.get("outputs"), list)):
            raise ValueError("a cell without a list of outputs")
        count = saved.get("execution_count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise ValueError("an execution count that is not a number")
        cells.append({"cell_type": "code", "metadata": {}, "source": "", "execution_count": count,
                      "outputs": saved["outputs"]})
    from converter.notebook import validate_notebook  # the reader's own schema check

    validate_notebook({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}, "outputs")


def kernel_wanted(nb: NotebookNode, requested: str | None) -> str:
    """The kernel a run asks for: the name given, else the notebook's kernelspec and language."""
    if requested:
        return f"name={requested}"
    spec = nb.get("metadata", {}).get("kernelspec")
    info = nb.get("metadata", {}).get("language_info")
    spec = spec if isinstance(spec, dict) else {}
    language = spec.get("language") or (info.get("name") if isinstance(info, dict) else None)
    return f"kernelspec={spec.get('name')};language={language}"


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
