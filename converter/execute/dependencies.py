"""The files a notebook declares it depends on (``metadata.nbconv.depends``), for the cache key.

The globs come from the notebook, so they are kept inside its folder and bounded: an
absolute or ``..`` pattern is refused (the notebook is then executed without the
cache, with a warning), a match that resolves outside the folder (a
symlink) is left out, symlinked folders are not walked into, and a walk stops after
``MAX_VISITS`` entries and ``MAX_FILES`` matches, so ``**`` over a big tree costs little.
Patterns are matched one path segment at a time, as ``glob`` does: ``*``, ``?`` and
``[...]`` stay within a segment, ``**`` spans any number of them, and wildcards do not
match names starting with a dot.
"""

from __future__ import annotations

import hashlib
import os
from fnmatch import fnmatchcase
from glob import has_magic
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from converter.errors import NotebookError

MAX_FILES = 1000  # matched files per notebook
MAX_BYTES = 1024 ** 3  # bytes hashed per notebook
MAX_VISITS = 100_000  # directory entries looked at per notebook


def dependency_hashes(nb: Any, folder: Path | None) -> list[tuple[str, str]]:
    """(relative path, content hash) of every file ``metadata.nbconv.depends`` names.

    A glob that matches nothing is part of the key too, so creating the file is a miss.
    Raises NotebookError for a pattern that leaves the notebook's folder.
    """
    settings = nb.metadata.get("nbconv")
    declared = settings.get("depends") if isinstance(settings, dict) else None
    if not declared:
        return []
    if not isinstance(declared, (str, list)) or not all(isinstance(p, str) for p in (
            [declared] if isinstance(declared, str) else declared)):
        raise NotebookError("metadata.nbconv.depends must be a glob or a list of globs (strings)")
    patterns = [declared] if isinstance(declared, str) else declared
    base = (folder or Path.cwd()).resolve()
    for pattern in patterns:
        parts = PurePosixPath(pattern.replace("\\", "/")).parts
        if not parts or pattern.startswith(("/", "\\")) or ".." in parts:
            raise NotebookError(f"metadata.nbconv.depends: {pattern!r} leaves the notebook's folder "
                                "(patterns are relative to it, without ..)")
    found: list[tuple[str, str]] = []
    budget = [MAX_BYTES, MAX_VISITS]
    for pattern in patterns:
        matches = sorted(_glob(base, PurePosixPath(pattern.replace("\\", "/")).parts, budget))
        if not matches:
            found.append((pattern, "no match"))
        for name in matches:
            if len(found) >= MAX_FILES:
                found.append(("...", "too many files"))
                return found
            path = base / name
            if not path.resolve().is_relative_to(base):
                found.append((name, "outside the notebook's folder"))
                continue
            content_hash, budget[0] = _file_hash(path, budget[0])
            found.append((name, content_hash))
        if budget[1] <= 0:
            found.append(("...", "too many entries walked"))
            return found
    return found


def _glob(base: Path, parts: tuple[str, ...], budget: list[int]) -> Iterator[str]:
    """Files under ``base`` matching the pattern ``parts``, at most MAX_FILES + 1 of them."""
    literal = []
    for part in parts:
        if has_magic(part):
            break
        literal.append(part)
    rest = parts[len(literal):]
    start = base.joinpath(*literal)
    if not rest:
        if start.is_file():
            yield "/".join(literal)
        return
    if not start.resolve().is_relative_to(base):  # a symlinked folder pointing out
        raise NotebookError(f"metadata.nbconv.depends: {'/'.join(parts)!r} leads out of the notebook's folder "
                            "through a symlink")
    depth = None if "**" in rest else len(rest)
    yielded = 0
    for relative in _walk(start, depth, budget):
        if _match(rest, relative):
            yield "/".join((*literal, *relative))
            yielded += 1
            if yielded > MAX_FILES:
                return


def _walk(top: Path, depth: int | None, budget: list[int], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Relative paths (as segments) of the files below ``top``, ``depth`` levels at most;
    symlinked folders are not entered; ``budget[1]`` counts entries down."""
    try:
        with os.scandir(top) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in listed:
        budget[1] -= 1
        if budget[1] < 0:
            return
        relative = (*prefix, entry.name)
        try:
            if entry.is_file():
                yield relative
            elif entry.is_dir(follow_symlinks=False) and (depth is None or len(relative) < depth):
                yield from _walk(Path(entry.path), depth, budget, relative)
        except OSError:
            continue


def _match(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """Whether ``path`` matches ``pattern`` segment by segment (``**``: any number of segments).

    A table over (pattern segments, path segments), so many ``**`` cost no more than one.
    """
    # reach[j]: the first i pattern segments can match the first j path segments
    reach = [True] + [False] * len(path)
    for segment in pattern:
        if segment == "**":
            for j in range(1, len(path) + 1):  # any run of visible segments
                reach[j] = reach[j] or (reach[j - 1] and not path[j - 1].startswith("."))
        else:
            reach = [False] + [reach[j] and _segment(segment, path[j]) for j in range(len(path))]
    return reach[-1]


def _segment(pattern: str, name: str) -> bool:
    if name.startswith(".") and not pattern.startswith("."):
        return False  # as glob: wildcards do not match hidden names
    return fnmatchcase(name, pattern)


def _file_hash(path: Path, budget: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                if len(chunk) > budget:
                    return f"over size budget, mtime {path.stat().st_mtime_ns}", 0
                budget -= len(chunk)
                digest.update(chunk)
    except OSError as error:
        return f"unreadable: {error.strerror}", budget
    return digest.hexdigest(), budget
