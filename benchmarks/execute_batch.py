"""Batch execution: 20 small notebooks, ``nbconv -j 2`` against ``jupyter nbconvert`` one by one.

    python -m benchmarks.execute_batch [--notebooks 20] [--jobs 2] [--repeat 1]

nbconvert runs from its own virtual environment, benchmarks/.venv, made (once) by this
script with pip; it is never a dependency of nbconv. Both sides convert the same
notebooks to HTML with ``--execute``, in the same run, on the same machine; the median
of ``--repeat`` runs is reported. Target: nbconv at least 3x faster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from benchmarks.measure import timed

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
NBCONVERT_PACKAGES = ["nbconvert", "ipykernel"]
CELLS = ["x = 21", "print('twice:', x * 2)", "x * 2"]


def nbconvert_command() -> list[str]:
    """``jupyter nbconvert`` from benchmarks/.venv, creating the venv when it is missing."""
    jupyter = VENV / "bin" / "jupyter"
    if not jupyter.exists():
        print(f"creating {VENV} with {', '.join(NBCONVERT_PACKAGES)} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *NBCONVERT_PACKAGES], check=True)
    return [str(jupyter), "nbconvert"]


def write_notebooks(directory: Path, count: int) -> list[Path]:
    paths = []
    for index in range(count):
        cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
                  "outputs": [], "source": source} for i, source in enumerate(CELLS)]
        nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
              "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
        path = directory / f"small_{index:02d}.ipynb"
        path.write_text(json.dumps(nb), encoding="utf-8")
        paths.append(path)
    return paths


def check_results(directory: Path, count: int) -> None:
    pages = sorted(directory.glob("*.html"))
    if len(pages) != count or not all("twice: 42" in page.read_text(encoding="utf-8") for page in pages):
        raise SystemExit(f"{directory}: expected {count} executed pages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    nbconvert = nbconvert_command()
    ours_env = {**os.environ, "PYTHONPATH": str(REPO)}
    theirs_env = {**os.environ, "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    theirs_env.pop("PYTHONPATH", None)
    ours_times, theirs_times = [], []
    with tempfile.TemporaryDirectory(prefix="nbconv-bench-") as tmp:
        notebooks = write_notebooks(Path(tmp), args.notebooks)
        for run in range(args.repeat):
            ours_dir, theirs_dir = Path(tmp, f"ours{run}"), Path(tmp, f"theirs{run}")
            ours = [sys.executable, "-m", "converter", "--execute", "--to", "html", "-j", str(args.jobs),
                    "--output-dir", str(ours_dir), *map(str, notebooks)]
            ours_times.append(timed([ours], ours_env))
            check_results(ours_dir, args.notebooks)
            theirs = [[*nbconvert, "--execute", "--to", "html", "--output-dir", str(theirs_dir), str(path)]
                      for path in notebooks]
            theirs_times.append(timed(theirs, theirs_env))
            check_results(theirs_dir, args.notebooks)
    ours_s, theirs_s = statistics.median(ours_times), statistics.median(theirs_times)
    print(f"{args.notebooks} notebooks x {len(CELLS)} cells, --execute --to html "
          f"(median of {args.repeat}, {os.cpu_count()} CPUs)")
    print(f"  nbconv -j {args.jobs}:                   {ours_s:7.2f} s  ({ours_s / args.notebooks * 1000:.0f} ms/notebook)")
    print(f"  jupyter nbconvert, one at a time: {theirs_s:7.2f} s  ({theirs_s / args.notebooks * 1000:.0f} ms/notebook)")
    print(f"  ratio: {theirs_s / ours_s:.1f}x faster (target >= 3x)")


if __name__ == "__main__":
    main()
