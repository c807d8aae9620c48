"""The files of the notebook's folder that TeX may read, copied into the compile folder.

TeX, bibtex and xdvipdfmx find files along kpathsea search paths, which follow
symlinks and expand ``$VAR`` and ``~``, and TeX may write in its working folder (so a
list of what it read, its ``.fls``, can be rewritten by the document). Putting the
notebook's folder on those paths would let a symlink in it, or a ``.bib`` beside it,
read anything. So the compile gets none of it: the files a document could want
(TeX sources, bibliographies, pictures, data for plots) are copied in, only regular
files whose real path is inside the folder, never over a file the exporter wrote, and
within a bounded number of entries, files and bytes. Copies, not links: TeX writing to
one must not reach the user's file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SUFFIXES = frozenset({
    ".tex", ".ltx", ".sty", ".cls", ".def", ".cfg", ".clo", ".fd", ".bib", ".bst", ".bbx", ".cbx",
    ".png", ".jpg", ".jpeg", ".pdf", ".eps", ".bmp", ".csv", ".tsv", ".dat", ".txt",
})
MAX_DEPTH = 6
MAX_ENTRIES = 20_000    # folder entries looked at
MAX_FILES = 2_000       # files copied
MAX_FILE_BYTES = 16 << 20
MAX_TOTAL_BYTES = 64 << 20


def copy_inputs(folder: Path, directory: Path, job: str, warnings: list[str]) -> None:
    """Copy what TeX may read from ``folder`` into ``directory`` (see the module's docstring)."""
    root = folder.resolve()
    seen = copied = total = skipped = 0
    pending = [(root, directory, 0)]
    while pending:
        source, target, depth = pending.pop()
        try:
            entries = sorted(os.scandir(source), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                skipped += 1
                break
            name = entry.name
            if name.startswith(".") or (depth == 0 and name.startswith(job + ".")):
                continue  # TeX refuses dot files anyway; the job's own files are ours
            destination = target / name
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 < MAX_DEPTH:
                    pending.append((Path(entry.path), destination, depth + 1))
                continue
            if Path(name).suffix.lower() not in SUFFIXES or os.path.lexists(destination):
                continue
            real = Path(os.path.realpath(entry.path))
            if not real.is_relative_to(root) or not real.is_file():
                continue  # a symlink out of the folder, a FIFO, a device
            size = real.stat().st_size
            if size > MAX_FILE_BYTES or total + size > MAX_TOTAL_BYTES or copied >= MAX_FILES:
                skipped += 1
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real, destination)
            copied += 1
            total += size
    if skipped:
        warnings.append(f"{skipped} file(s) beside the notebook were not made available to TeX (more than "
                        f"{MAX_FILES} files, {MAX_FILE_BYTES >> 20} MB each or {MAX_TOTAL_BYTES >> 20} MB in all)")
