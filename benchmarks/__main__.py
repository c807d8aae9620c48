"""``python -m benchmarks``: nbconv against Jupyter's nbconvert on the same notebooks.

Sets up the two venvs once, generates the synthetic notebooks, times every case with the
tools alternating, prints one table and writes the results as JSON.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from benchmarks import cases as case_list
from benchmarks import notebooks, tools
from benchmarks.measure import CommandFailed, Spawner
from benchmarks.report import Row, derived_rows, derived_table, table, write_json
from benchmarks.runner import run_case

HERE = Path(__file__).resolve().parent
CORPUS = tools.REPO.parent / "shared" / "corpus"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="timed runs per tool and case (default 5; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help=f"fewer runs and only {', '.join(case_list.QUICK)}")
    parser.add_argument("--cases", help="comma-separated case names or patterns, e.g. 'version,html:*'")
    parser.add_argument("--list", action="store_true", help="list the case names and exit")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="nbconv's -j for the batch case (default 2)")
    parser.add_argument("--json", type=Path, default=HERE / ".cache" / "results.json", help="where to write results")
    parser.add_argument("--cache-dir", type=Path, default=HERE / ".cache", help="generated notebooks and outputs")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of real notebooks (default ../shared/corpus)")
    parser.add_argument("--scale", type=float, default=1.0, help="size factor for the synthetic notebooks (default 1)")
    parser.add_argument("--no-baseline", action="store_true", help="time nbconv only (no nbconvert venv)")
    parser.add_argument("--current-python", action="store_true",
                        help="run nbconv with this interpreter instead of its own venv")
    return parser


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def corpus_notebooks(corpus: Path) -> tuple[list[Path], Path | None, Path | None]:
    """Every corpus notebook, the typical one (the largest of notebook-docs) and the math-heavy one."""
    if not corpus.is_dir():
        log(f"note: {corpus} not found; corpus cases left out")
        return [], None, None
    paths = sorted(corpus.rglob("*.ipynb"))
    docs = [p for p in paths if p.parent.name == "notebook-docs"]
    math = corpus.joinpath(*case_list.MATH_NOTEBOOK)
    if not math.is_file():
        log(f"note: {math} not found; the math cases are left out")
    return paths, max(docs, key=lambda p: p.stat().st_size) if docs else None, math if math.is_file() else None


def machine_info(runs: int, baseline: tools.Tool | None) -> dict:
    info = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "runs": runs,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_average_start": round(os.getloadavg()[0], 2),
    }
    if baseline:
        info["nbconvert"] = subprocess.run(baseline.command("--version"), env=baseline.env,
                                           capture_output=True, text=True).stdout.strip()
    return info


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.cache_dir = args.cache_dir.resolve()
    args.corpus = args.corpus.resolve()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    # Commands run in an empty folder outside any project, so neither tool finds a config file.
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as scratch, tempfile.TemporaryDirectory() as cwd:
        spawner = Spawner(Path(scratch), Path(cwd))  # first, while this process is still small
        try:
            return benchmark(args, spawner, Path(scratch))
        finally:
            spawner.close()


def benchmark(args: argparse.Namespace, spawner: Spawner, scratch: Path) -> int:
    runs = args.runs or (3 if args.quick else 5)
    ours = tools.nbconv(sys.executable if args.current_python else None, log)
    # nbconv's on-disk cache (converter/cache.py) starts empty; the untimed warm-up run fills it
    ours.env["NBCONV_CACHE_DIR"] = str(scratch / "nbconv-cache")
    formats = case_list.nbconv_formats(ours)

    singles, many = notebooks.generate(args.cache_dir, args.scale)
    corpus, typical, math = corpus_notebooks(args.corpus)
    if typical:
        singles = {"typical": typical, **singles}
    all_cases = case_list.build_cases(singles, corpus + many, formats, args.jobs, math)
    all_cases += case_list.run_cases(notebooks.run_notebook(args.cache_dir))
    comparisons = case_list.comparisons(all_cases)
    if args.list:
        print("\n".join(f"{c.name:24} {c.description}" for c in all_cases))
        print("\nnbconv against itself (printed when both cases run; naming the first brings the second):")
        print("\n".join(f"{c.name:24} {c.case} / {c.reference} {c.describe()}".rstrip() for c in comparisons))
        return 0
    patterns = args.cases.split(",") if args.cases else None
    chosen = case_list.select(all_cases, patterns, args.quick)
    if not chosen:
        log("no case matches --cases; see --list")
        return 2

    needs_pandoc = any(c.name.split(":")[0] in ("latex", "rst", "asciidoc") for c in chosen)
    webpdf = any(c.name.startswith("webpdf:") for c in chosen)
    wanted = {c.baseline for c in chosen}
    baseline = (None if args.no_baseline or "nbconvert" not in wanted
                else tools.nbconvert(needs_pandoc, log, webpdf=webpdf))
    others = {"papermill": tools.papermill(log)} if "papermill" in wanted and not args.no_baseline else {}
    if baseline:
        others["nbconvert"] = baseline
    machine = machine_info(runs, baseline)

    rows: list[Row] = []
    status = 0
    for case in chosen:
        log(f"{case.name}: {case.description} ...")
        try:
            runners = [ours] + ([others[case.baseline]] if case.baseline in others else [])
            rows.append(Row(case, run_case(case, runners, runs, scratch, spawner)))
        except CommandFailed as error:
            log(f"  failed: {error}")
            status = 1
    machine["load_average_end"] = round(os.getloadavg()[0], 2)
    print(table(rows))
    derived = derived_rows(rows, comparisons)
    if derived:
        print("\n" + derived_table(derived))
    print(f"\n{machine['cores']} cores, Python {machine['python']}, {runs} runs per tool and case, "
          f"load average {machine['load_average_start']} at start, {machine['load_average_end']} at end")
    write_json(args.json, rows, machine, derived)
    log(f"results written to {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
