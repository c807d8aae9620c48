"""The ``nbconv`` command: read the arguments, call the library, report each notebook.

The flags live in cli_parser, turning them into an exporter and its steps in cli_steps;
here, which notebooks to convert, where results go, running them and reporting. Heavy
modules are imported after the arguments are read, so ``nbconv --version`` and
``--help`` start instantly.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from converter.cli_parser import STDIN, build_parser, check_execution_args, check_math_args
from converter.cli_steps import make_exporter

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left
CLUSTER_THREADS = 64  # notebooks in flight on a --cluster at once


@dataclass
class Job:
    """One notebook to convert: where it comes from and what to call it."""

    source: str
    label: str


def expand_inputs(patterns: Sequence[str]) -> tuple[list[Job], list[str]]:
    """Paths, globs and ``-`` to jobs; patterns that match nothing come back as errors."""
    jobs: list[Job] = []
    errors: list[str] = []
    for pattern in patterns:
        if pattern == STDIN:
            jobs.append(Job(STDIN, "<stdin>"))
        elif glob.has_magic(pattern) and not Path(pattern).exists():
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                errors.append(f"{pattern}: no file matches this pattern")
            jobs.extend(Job(match, match) for match in matches)
        else:
            jobs.append(Job(pattern, pattern))
    return jobs, errors


def destination(job: Job, args: argparse.Namespace, extension: str) -> Path | None:
    """Where the result goes; None means standard output."""
    if args.inplace:
        return Path(job.source)
    if args.stdout or (job.source == STDIN and not (args.output or args.output_dir)):
        return None
    if args.output_dir:
        base = Path(args.output_dir)
    elif job.source == STDIN:
        base = Path.cwd()
    else:
        base = Path(job.source).parent
    if args.output:
        name = Path(args.output)
        if not name.name.endswith(extension):
            name = name.with_name(name.name + extension)
        return base / name
    stem = "notebook" if job.source == STDIN else Path(job.source).stem
    target = base / (stem + extension)
    if job.source != STDIN and target.resolve() == Path(job.source).resolve():
        target = base / (stem + ".nbconvert" + extension)  # nbconvert's name for a notebook beside itself
    return target


def one_line(text: str) -> str:
    """A message with notebook text in it as one clean line: no control characters (no
    terminal escapes), whitespace collapsed."""
    from converter.filters.latex import strip_control

    return " ".join(strip_control(text).split())


def convert_one(job: Job, exporter, args: argparse.Namespace) -> str | None:
    """Convert one notebook; return a line describing what was written (None for stdout)."""
    from converter.errors import ExecutionError, ExportError, OutputError
    from converter.notebook import read_notebook
    from converter.pipeline import Resources
    from converter.writer import encode_text, remove_side_files, write_atomic, write_side_files

    if job.source == STDIN:
        nb = read_notebook(sys.stdin.buffer, name=job.label)
        resources = Resources(name="notebook", dir=Path.cwd())
    else:
        path = Path(job.source)
        nb = read_notebook(path)
        resources = Resources(name=path.stem, dir=path.resolve().parent)
    if args.output_files_dir:
        resources.output_files_dir = args.output_files_dir.replace("{notebook_name}", resources.name)
    target = destination(job, args, exporter.extension_for(nb))
    if (target is not None and not args.inplace and job.source != STDIN
            and target.resolve() == Path(job.source).resolve()):
        raise OutputError(f"{target}: refusing to overwrite the input notebook")
    try:
        body, resources = exporter.from_notebook_node(nb, resources)
    except ExportError as error:
        raise type(error)(f"{job.label}: {error}") from None
    except ExecutionError as error:
        message = f"{job.label}: {getattr(error, 'summary', error)}"
        if target is not None and not args.inplace and args.to.lower() == "notebook":
            write_atomic(target, exporter.render(nb, resources))  # like papermill: see how far it got
            message += f" (partly executed notebook written to {target})"
        raise type(error)(message) from error
    for warning in resources.warnings:
        print(f"nbconv: warning: {job.label}: {one_line(warning)}", file=sys.stderr)
    if target is None:
        stream = sys.stdout.buffer
        stream.write(encode_text(body))
        stream.flush()
        return None
    placed = write_side_files(target.parent, resources.outputs) if resources.outputs else []
    try:
        write_atomic(target, body)
    except BaseException:
        remove_side_files(placed)  # nothing partial: no NAME_files/ without its page
        raise
    return f"{job.label} -> {target}"


def report_one(job: Job, exporter, args: argparse.Namespace, progress=None) -> int:
    """Convert one notebook and say on stderr what happened; return its exit status."""
    from converter.batch import interrupted
    from converter.errors import ConversionError

    try:
        report = convert_one(job, exporter, args)
    except BrokenPipeError:
        raise  # standard output was closed (``| head``): the whole command stops, see entry()
    except ConversionError as error:
        if interrupted.is_set():  # Ctrl-C: its kernel was shut down under it; main says "interrupted"
            return EXIT_INTERRUPTED
        if args.debug:
            traceback.print_exc()
        if progress is not None:
            progress.clear()
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as error:  # a bug in nbconv: still one line, and go on
        if interrupted.is_set():
            return EXIT_INTERRUPTED
        if args.debug:
            traceback.print_exc()
        print(f"nbconv: internal error converting {job.label}: {type(error).__name__}: {error} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    if progress is not None:
        progress.clear()
    if report and not args.quiet:
        sys.stderr.write(report + "\n")  # one write: lines of -j threads do not interleave
    return EXIT_OK


def run_jobs(jobs: list[Job], exporter, args: argparse.Namespace, progress=None) -> list[int]:
    """Each job's exit status, in job order; ``-j N`` runs N at a time (threads for kernels)."""
    one_stream = args.stdout or any(job.source == STDIN for job in jobs)
    if getattr(args, "cluster_executor", None) is not None and not one_stream and len(jobs) > 1:
        args.jobs = max(args.jobs, min(len(jobs), CLUSTER_THREADS))  # threads only wait on the cluster
    if args.jobs == 1 or len(jobs) == 1 or (one_stream and not args.execute):
        return [report_one(job, exporter, args, progress) for job in jobs]
    if not args.execute:
        from converter.batch import convert_in_workers  # rendering is CPU-bound: processes, not threads

        return convert_in_workers(jobs, exporter, args)
    from concurrent.futures import ThreadPoolExecutor

    # pygments' lexers and formatters packages replace themselves in sys.modules as they
    # load: threads importing them at once (cache hits render at once) can see half a module.
    import pygments.formatters  # noqa: F401
    import pygments.lexers  # noqa: F401

    workers = ThreadPoolExecutor(max_workers=args.jobs, thread_name_prefix="nbconv-job")
    try:
        return list(workers.map(lambda job: report_one(job, exporter, args, progress), jobs))
    except KeyboardInterrupt:
        from converter.batch import interrupted

        interrupted.set()  # before the kernels are shut down under the running jobs
        raise
    finally:
        workers.shutdown(wait=False, cancel_futures=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:  # the viewer service has its own options
        from converter.viewer.serve import main as serve

        return serve(argv[1:])
    if argv[:1] == ["run"]:  # papermill's job, with papermill's options
        from converter.run_cli import main as run_notebook

        return run_notebook(argv[1:])
    if argv[:1] == ["cache"]:  # the execution cache: list, show, clear
        from converter.execute.cache_command import main as cache_command

        return cache_command(argv[1:])
    from converter.config import check_trust, describe_settings, resolve_settings
    from converter.errors import ConfigError

    parser = build_parser()
    from converter.compat import UsageError, translate_argv

    try:
        argv = translate_argv(argv)  # nbconvert's flags, traits and JSON config as nbconv's
    except UsageError as error:
        parser.error(str(error))
    try:
        args, sources, config = resolve_settings(parser, argv, Path.cwd(), os.environ)
    except ConfigError as error:
        parser.error(str(error))  # a usage error (exit 2), one line
    if args.inplace and sources.get("to") == "default":
        args.to = "notebook"  # as in nbconvert, --inplace means notebook output
    if args.show_config:
        print(describe_settings(args, sources, config))
        return EXIT_OK
    if args.list_formats:
        from converter.exporters import list_formats

        for name, description in list_formats():
            print(f"{name:<12} {description}")
        return EXIT_OK
    if not args.notebooks:
        parser.error("give at least one notebook (or - for standard input)")
    try:
        check_trust(args, sources, config, os.environ)
    except ConfigError as error:
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
    jobs, errors = expand_inputs(args.notebooks)
    if args.jobs is None:
        from converter.batch import available_cores

        args.jobs = 1 if args.execute else available_cores()
    check_execution_args(parser, args, jobs, sources)
    check_math_args(parser, args, sources)
    for message in errors:
        print(f"nbconv: error: {message}", file=sys.stderr)
    if args.output and len(jobs) > 1:
        parser.error("--output names one file; use --output-dir for several notebooks")
    if sum(job.source == STDIN for job in jobs) > 1:
        parser.error("standard input (-) can be given once")
    status = 3 if errors else EXIT_OK
    if not jobs:  # every pattern matched nothing: each said so above
        return status
    kernels = progress = None
    if args.execute:
        from converter.execute import KernelPool
        from converter.execute.progress import ProgressReport

        # Spares boot while notebooks run: -j N keeps N ready, never more than the batch needs.
        kernels = KernelPool(ahead=args.jobs if len(jobs) > 1 else 0, limit=len(jobs))
        if args.progress or sys.stderr.isatty():
            progress = ProgressReport(sys.stderr, terminal=sys.stderr.isatty())
    if args.cluster:
        from converter.errors import ClusterError
        from converter.execute.cluster import ClusterExecutor

        try:
            args.cluster_executor = ClusterExecutor(args.cluster, ship=args.ship, retries=args.retries)
        except ClusterError as error:
            if kernels is not None:
                kernels.close()
            print(f"nbconv: error: {error}", file=sys.stderr)
            return error.exit_code
    try:
        return run_all(jobs, args, sources, status, kernels, progress)
    finally:
        if getattr(args, "cluster_executor", None) is not None:
            args.cluster_executor.close()
        if kernels is not None:
            kernels.close()


def run_all(jobs: list[Job], args: argparse.Namespace, sources: dict[str, str], status: int,
            kernels, progress) -> int:
    from converter.errors import ConversionError, ExportError, OutputError

    try:
        if args.extract_outputs and any(destination(job, args, "") is None for job in jobs):
            raise ExportError("--extract-outputs writes side files beside the result: "
                              "give a file result, not --stdout")
        exporter = make_exporter(args, sources, kernels, progress)
        if args.output_dir:
            try:
                Path(args.output_dir).mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"{args.output_dir}: cannot create output directory: {error.strerror}") from None
    except ConversionError as error:
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
    try:
        statuses = run_jobs(jobs, exporter, args, progress)
    except KeyboardInterrupt:
        print("nbconv: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return next((code for code in (status, *statuses) if code), EXIT_OK)


def entry() -> int:
    """The ``nbconv`` console script: ``main()``, ending quietly when the reader of standard
    output goes away (``nbconv --show-config | head -1``) instead of with a traceback."""
    try:
        status = main()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at /dev/null so that cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
