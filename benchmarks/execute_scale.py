"""Execution at scale: the execution cache, and --cluster / -j against papermill.

    python -m benchmarks.execute_scale [--cases cache,cluster] [--docs 50] [--notebooks 40]

(a) ``cache``: a docs build of 50 notebooks (markdown and a few code cells each) run twice
    with ``nbconv --execute --cache DIR -j 2 --to html``; target: the second run, all hits,
    at least 20x faster than the first.
(b) ``cluster``: 40 notebooks of one 0.5 s cell each, executed by ``nbconv --cluster
    local:2`` and by ``nbconv -j 2``, against papermill run once per notebook, one after
    another; target: both at least 3x papermill's throughput.

papermill runs from its own venv, benchmarks/.venv/papermill (papermill and ipykernel),
made once with pip; nbconv runs with this interpreter (which has ``distributed``) and
this checkout on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import timed
from benchmarks.tools import REPO, VENVS, _bin, _ensure_venv

PAPERMILL_PACKAGES = ["papermill", "ipykernel"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook(cells: list[tuple[str, str]]) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": KERNELSPEC},
            "cells": [{"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": source,
                       **({"execution_count": None, "outputs": []} if kind == "code" else {})}
                      for i, (kind, source) in enumerate(cells)]}


def docs_notebooks(folder: Path, count: int) -> list[Path]:
    """Pages of a docs site: prose, a computation, a printed table, a displayed value."""
    paths = []
    for index in range(count):
        cells = [("markdown", f"# Page {index}\n\nSome prose about *topic {index}*, with `code`."),
                 ("code", f"values = [n * n for n in range({100 + index})]\nsum(values)"),
                 ("markdown", "A table of the first squares:"),
                 ("code", "for n in range(5):\n    print(f'{n:>3} {values[n]:>6}')"),
                 ("code", "import statistics\nstatistics.mean(values)")]
        path = folder / f"page_{index:02d}.ipynb"
        path.write_text(json.dumps(notebook(cells)), encoding="utf-8")
        paths.append(path)
    return paths


def sleepy_notebooks(folder: Path, count: int) -> list[Path]:
    paths = []
    for index in range(count):
        path = folder / f"task_{index:02d}.ipynb"
        path.write_text(json.dumps(notebook([("code", f"import time\ntime.sleep(0.5)\nprint('done', {index})")])),
                        encoding="utf-8")
        paths.append(path)
    return paths


def nbconv(*args: str) -> list[str]:
    return [sys.executable, "-m", "converter", *args]


def cache_case(tmp: Path, count: int, env: dict[str, str]) -> dict:
    (tmp / "docs").mkdir(parents=True)
    paths = docs_notebooks(tmp / "docs", count)
    command = nbconv("--execute", "--cache", str(tmp / "cache"), "-j", "2", "--to", "html",
                     "--output-dir", str(tmp / "site"), *map(str, paths))
    cold = timed([command], env)
    warm = timed([command], env)
    pages = list((tmp / "site").glob("*.html"))
    if len(pages) != count or not all("Page" in p.read_text(encoding="utf-8") for p in pages):
        raise SystemExit("the docs build did not write every page")
    return {"notebooks": count, "first_s": round(cold, 2), "second_s": round(warm, 2),
            "ratio": round(cold / warm, 1), "target": 20, "met": cold / warm >= 20}


def cluster_case(tmp: Path, count: int, env: dict[str, str]) -> dict:
    (tmp / "tasks").mkdir(parents=True)
    paths = sleepy_notebooks(tmp / "tasks", count)
    venv = _ensure_venv(VENVS / "papermill", PAPERMILL_PACKAGES, lambda m: print(m, file=sys.stderr))
    theirs_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    theirs_env["PATH"] = str(_bin(venv, "")) + os.pathsep + theirs_env.get("PATH", "")
    papermill = str(_bin(venv, "papermill"))
    (tmp / "pm").mkdir()
    theirs = timed([[papermill, "-k", "python3", str(p), str(tmp / "pm" / p.name)] for p in paths], theirs_env)
    results = {"notebooks": count, "papermill_s": round(theirs, 2), "target": 3}
    for label, flags in (("cluster_local2", ["--cluster", "local:2"]), ("jobs2", ["-j", "2"])):
        out = tmp / label
        ours = timed([nbconv("--execute", *flags, "--to", "notebook", "--output-dir", str(out),
                             *map(str, paths))], env)
        if len(list(out.glob("*.ipynb"))) != count:
            raise SystemExit(f"{label}: not every notebook was written")
        results[f"{label}_s"] = round(ours, 2)
        results[f"{label}_ratio"] = round(theirs / ours, 1)
    results["met"] = all(results[f"{label}_ratio"] >= 3 for label in ("cluster_local2", "jobs2"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="cache,cluster")
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--notebooks", type=int, default=40)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    report = {"cores": os.cpu_count(), "load_average_start": round(os.getloadavg()[0], 2),
              "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    with tempfile.TemporaryDirectory(prefix="nbconv-scale-") as tmp:
        if "cache" in args.cases:
            report["cache"] = cache_case(Path(tmp, "a"), args.docs, env)
            print(f"(a) {args.docs}-notebook docs build with --cache: first {report['cache']['first_s']} s, "
                  f"second {report['cache']['second_s']} s: {report['cache']['ratio']}x (target >= 20x)", flush=True)
        if "cluster" in args.cases:
            report["cluster"] = cluster_case(Path(tmp, "b"), args.notebooks, env)
            c = report["cluster"]
            print(f"(b) {args.notebooks} notebooks x one 0.5 s cell: papermill one by one {c['papermill_s']} s; "
                  f"nbconv --cluster local:2 {c['cluster_local2_s']} s ({c['cluster_local2_ratio']}x); "
                  f"nbconv -j 2 {c['jobs2_s']} s ({c['jobs2_ratio']}x) (target >= 3x)", flush=True)
    report["load_average_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
