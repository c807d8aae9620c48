"""Convert many notebooks at once: ``nbconv -j N`` for plain (non-executing) conversions.

Each worker process builds its exporter once and converts a share of the notebooks;
results come back in input order, and the parent prints them, so the output reads as
it does without ``-j``. The parent converts the first notebook itself before it starts
the workers: on Linux they are forked from it, so the modules, templates, lexers and
markdown parser that conversion loaded are theirs without further cost.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Iterator, Sequence

Result = tuple[int, list[str]]  # exit code, lines for standard error

_worker: dict[str, Any] = {}


def available_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(requested: int | None, notebooks: int) -> int:
    """``-j`` (default: one per core), never more workers than notebooks."""
    return max(1, min(requested or available_cores(), notebooks))


def _start(exporter: Any, args: argparse.Namespace) -> None:
    _worker["exporter"], _worker["args"] = exporter, args


def _convert(job: Any) -> Result:
    from converter.cli import report_job

    return report_job(job, _worker["exporter"], _worker["args"])


def convert_in_workers(jobs: Sequence[Any], exporter: Any, args: argparse.Namespace, workers: int) -> Iterator[Result]:
    """Each job's result, in order, converted by ``workers`` processes."""
    import multiprocessing

    from converter.cli import report_job

    yield report_job(jobs[0], exporter, args)  # warms this process before the workers fork
    rest = jobs[1:]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunksize = max(1, len(rest) // (workers * 8))
    with context.Pool(workers, initializer=_start, initargs=(exporter, args)) as pool:
        yield from pool.imap(_convert, rest, chunksize)
