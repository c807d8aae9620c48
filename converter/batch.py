"""Convert many notebooks at once: ``nbconv -j N`` for plain (non-executing) conversions.

Rendering is CPU-bound, so the notebooks are shared among N worker processes, each
with the exporter built once. What a worker would print on standard error comes back
with its result and the parent prints it in input order, so the output reads as it does
without ``-j``. The parent converts the first notebook itself before it starts the
workers: on Linux they are forked from it, so the modules, templates, lexers and markdown
parser that conversion loaded are theirs without further cost.

Ctrl-C is the parent's to report, once: workers ignore SIGINT (the pool is terminated
when the parent stops), and ``interrupted`` tells jobs still finishing in threads
(``-j N --execute``, whose kernels are shut down under them) to stay quiet.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Any, Sequence

_worker: dict[str, Any] = {}
interrupted = threading.Event()


def available_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _start(exporter: Any, args: argparse.Namespace) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent reports Ctrl-C and ends the pool
    _worker["exporter"], _worker["args"] = exporter, args


def _convert(job: Any) -> tuple[int, str]:
    """One notebook in a worker: its exit status and what it printed on standard error."""
    import contextlib
    import io

    from converter.cli import report_one

    messages = io.StringIO()
    with contextlib.redirect_stderr(messages):
        status = report_one(job, _worker["exporter"], _worker["args"])
    return status, messages.getvalue()


def convert_in_workers(jobs: Sequence[Any], exporter: Any, args: argparse.Namespace) -> list[int]:
    """Each job's exit status, in order, converted by ``args.jobs`` processes."""
    import multiprocessing

    from converter.cli import report_one

    statuses = [report_one(jobs[0], exporter, args)]  # warms this process before the workers fork
    rest = jobs[1:]
    workers = max(1, min(args.jobs, len(rest)))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunksize = max(1, len(rest) // (workers * 8))
    # Ctrl-C is held back while the workers are forked (they start with it blocked, then
    # ignore it) and delivered inside the with block, whose exit terminates the pool.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with context.Pool(workers, initializer=_start, initargs=(exporter, args)) as pool:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            for status, messages in pool.imap(_convert, rest, chunksize):
                sys.stderr.write(messages)
                sys.stderr.flush()
                statuses.append(status)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return statuses
