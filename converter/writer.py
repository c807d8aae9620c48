"""Write results atomically: a temporary file in the target directory, then a rename.

A failed conversion or write never leaves a partial file where the result belongs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping, Union

from converter.errors import OutputError

Data = Union[str, bytes]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()


def encode_text(data: Data) -> bytes:
    """UTF-8 bytes of a result; lone surrogates (legal in notebook JSON) become '?'."""
    if isinstance(data, bytes):
        return data
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError:
        return data.encode("utf-8", "replace")


def _mode_for(path: Path) -> int:
    """The permission bits to give ``path``: those it has now (``--inplace`` keeps a
    notebook's mode), else the usual ones for a new file under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return _FILE_MODE


def write_atomic(path: str | os.PathLike, data: Data) -> None:
    """Replace ``path`` with ``data`` in one step; raise OutputError naming the path."""
    path = Path(path)
    payload = encode_text(data)
    directory = path.parent
    if not directory.is_dir():
        raise OutputError(f"{path}: cannot write: directory {directory} does not exist")
    try:
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_side_files(placed: list[Path]) -> None:
    """Undo write_side_files: remove the folders and files it put in place."""
    for path in reversed(placed):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def write_side_files(directory: Path, outputs: Mapping[str, bytes]) -> list[Path]:
    """Write extracted files under ``directory``; names may hold subfolders, never ``..``.

    All of them are written into a hidden staging folder in ``directory`` first, so a
    full disk or a bad permission fails before anything appears; then a new
    ``NAME_files/`` is renamed into place whole (into an existing one, file by file).
    Returns what was put in place, for remove_side_files when the main file then fails.
    """
    root = directory.resolve()
    staged_names = []
    for name in outputs:
        target = (root / name).resolve()
        if not target.is_relative_to(root) or target == root:
            raise OutputError(f"{name}: refusing to write a file outside {root}")
        staged_names.append(target.relative_to(root))
    try:
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".nbconv-files-"))
    except OSError as error:
        raise OutputError(f"{root}: cannot write: {error.strerror}") from None
    placed: list[Path] = []
    current = root
    try:
        for relative, content in zip(staged_names, outputs.values()):
            current = root / relative
            staged = staging / relative
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(content)
        for top in sorted(staging.iterdir()):
            current = root / top.name
            if not current.exists():
                os.rename(top, current)  # a new NAME_files/ appears complete, in one step
                placed.append(current)
                continue
            for staged in sorted(p for p in top.rglob("*") if not p.is_dir()) if top.is_dir() else [top]:
                current = root / staged.relative_to(staging)
                current.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, current)
                placed.append(current)
    except OSError as error:
        remove_side_files(placed)
        raise OutputError(f"{current}: cannot write: {error.strerror}") from None
    except BaseException:
        remove_side_files(placed)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return placed


class FilesWriter:
    """nbconvert's writer: ``FilesWriter(build_directory="site").write(body, resources,
    notebook_name="nb")`` writes ``site/nb<ext>`` and the side files in
    ``resources["outputs"]`` beside it, each atomically; returns the result's path.

    ``resources`` is what an exporter returned (Resources or nbconvert's dict); the
    extension is its ``output_extension``. The directory is created when missing.
    """

    def __init__(self, build_directory: str | os.PathLike = "") -> None:
        self.build_directory = build_directory

    def write(self, output: Data, resources: Mapping | object, notebook_name: str = "notebook") -> str:
        directory = Path(self.build_directory or ".")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{directory}: cannot create directory: {error.strerror}") from None
        extension = resources.get("output_extension") or ""
        outputs = resources.get("outputs") or {}
        target = directory / (notebook_name + extension)
        write_side_files(directory, outputs)
        write_atomic(target, output)
        return str(target)
