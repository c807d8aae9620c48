"""The ``nbconv`` command: parse arguments, call the library, report each notebook.

Only argument parsing and reporting live here. Heavy modules are imported after the
arguments are read, so ``nbconv --version`` and ``--help`` start instantly.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from converter import __version__

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

STDIN = "-"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbconv",
        description="Convert Jupyter notebooks to other formats.",
        epilog="Exit codes: 0 success, 1 internal error, 2 usage error, 3 unreadable or "
        "invalid notebook, 4 output not writable, 5 template or export error, 6 a cell raised, "
        "7 cell timeout, 8 kernel not installed, 9 kernel died, 10 LaTeX/PDF compilation failed, "
        "12 browser not available (webpdf). "
        "See CLI.md.",
    )
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="notebook paths or quoted glob patterns ('dir/*.ipynb'); - reads standard input")
    parser.add_argument("--version", action="version", version=f"nbconv {__version__}")
    parser.add_argument("--to", default="html", metavar="FORMAT", help="output format (default: html)")
    out = parser.add_argument_group("output")
    out.add_argument("--output", "-o", metavar="NAME",
                     help="output file name (extension added when missing); one notebook only")
    out.add_argument("--output-dir", metavar="DIR", help="directory for results (default: beside each notebook)")
    out.add_argument("--stdout", action="store_true", help="write the result to standard output")
    out.add_argument("--inplace", action="store_true",
                     help="with --to notebook: replace the input notebook (only when everything succeeded)")
    out.add_argument("--extract-outputs", action="store_true",
                     help="write images and PDFs to NAME_files/ beside the result and link them")
    tmpl = parser.add_argument_group("templates")
    tmpl.add_argument("--template", metavar="NAME", help="template name, e.g. lab (default) or basic")
    tmpl.add_argument("--template-file", metavar="FILE", help="a Jinja template file to render with")
    tmpl.add_argument("--theme", choices=("light", "dark"), help="colour theme of the lab template")
    tmpl.add_argument("--math", choices=("mathjax", "mathml"),
                      help="HTML math: typeset by MathJax in the browser (default), or MathML made here (no script)")
    tmpl.add_argument("--mathjax-url", metavar="URL", help="MathJax script to load (a local or self-hosted copy)")
    slides = parser.add_argument_group("slides (--to slides)")
    slides.add_argument("--reveal-prefix", metavar="URL|DIR",
                        help="where reveal.js is: a URL or a folder (default: a pinned version on a CDN)")
    slides.add_argument("--reveal-theme", metavar="NAME", help="reveal.js theme (default: simple)")
    slides.add_argument("--reveal-transition", metavar="NAME",
                        help="none, fade, slide (default), convex, concave or zoom")
    slides.add_argument("--reveal-scroll", action="store_true", help="let long slides scroll")
    slides.add_argument("--reveal-number", metavar="FORMAT", help="show slide numbers: h.v, h/v, c or c/t")
    tmpl.add_argument("--template-path", action="append", metavar="DIR",
                      help="search DIR for templates before the shipped ones (repeatable)")
    webpdf = parser.add_argument_group("webpdf (--to webpdf)")
    webpdf.add_argument("--chromium", metavar="PATH",
                        help="--to webpdf: the Chromium to print with (default: /usr/bin/chromium, else chromium on PATH)")
    webpdf.add_argument("--paper", choices=("a4", "letter"), help="--to webpdf: paper size (default: a4)")
    content = parser.add_argument_group("content")
    content.add_argument("--clear-output", action="store_true", help="drop outputs and execution counts first")
    content.add_argument("--no-input", action="store_true", help="leave out code cell inputs")
    content.add_argument("--no-prompt", action="store_true", help="leave out In[ ]/Out[ ] prompts")
    content.add_argument("--sanitize-html", action="store_true",
                         help="clean notebook HTML and SVG, drop script outputs (for untrusted notebooks)")
    content.add_argument("--embed-images", action="store_true",
                         help="embed markdown images from the notebook's directory as data URIs")
    content.add_argument("--preprocessor", action="append", metavar="MODULE:CLASS",
                         help="run this preprocessor after the built-in ones (repeatable, in order)")
    content.add_argument("--nbformat-minor", type=int, metavar="N",
                         help="--to notebook: write nbformat 4.N (default: 4.5; 4.0-4.4 have no cell ids)")
    content.add_argument("--remove-cell-tags", action="append", default=[], metavar="TAG",
                         help="leave out cells with this tag (repeatable)")
    content.add_argument("--remove-input-tags", action="append", default=[], metavar="TAG",
                         help="leave out the input of cells with this tag (repeatable)")
    content.add_argument("--remove-output-tags", action="append", default=[], metavar="TAG",
                         help="leave out the outputs of cells with this tag (repeatable)")
    content.add_argument("--regex-remove", action="append", default=[], metavar="PATTERN",
                         help="leave out cells whose source matches this regular expression (repeatable)")
    content.add_argument("--clear-metadata", action="store_true",
                         help="drop cell and notebook metadata except tags, kernelspec and language_info")
    content.add_argument("--coalesce-streams", action="store_true",
                         help="merge consecutive stdout/stderr outputs (done anyway after --execute)")
    info = parser.add_argument_group("information")
    info.add_argument("--list-formats", action="store_true", help="list built-in and installed formats and exit")
    info.add_argument("--show-config", action="store_true",
                      help="print the merged settings and where each came from, and exit")
    run = parser.add_argument_group("execution")
    run.add_argument("--execute", action="store_true", help="run the notebook in a Jupyter kernel first")
    run.add_argument("--allow-errors", action="store_true",
                     help="keep going after a cell raises; the error is shown in its output")
    run.add_argument("--timeout", type=float, metavar="SECONDS",
                     help="interrupt a cell running longer than this (default: no limit)")
    run.add_argument("--kernel", metavar="NAME", help="kernel to run in (default: the notebook's own)")
    run.add_argument("--parameter", "-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a parameter: a cell 'NAME = VALUE' is injected after the cell tagged "
                     "parameters; VALUE is a Python literal, else a string")
    run.add_argument("--parameters", metavar="FILE.json", help="parameters from a JSON object")
    run.add_argument("-j", "--jobs", type=int, metavar="N",
                     help="convert N notebooks at a time: in N worker processes (default: one per core), "
                     "or with --execute each with its own fresh kernel (default: 1)")
    run.add_argument("--progress", action="store_true",
                     help="report cell i/n on stderr even when it is not a terminal")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    return parser


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


# exporter option (a dataclass field) -> the flag that sets it
EXPORTER_OPTIONS = {
    "template": "template",
    "template_file": "template_file",
    "template_paths": "template_path",
    "theme": "theme",
    "no_input": "no_input",
    "no_prompt": "no_prompt",
    "sanitize_html": "sanitize_html",
    "embed_images": "embed_images",
    "math": "math",
    "mathjax_url": "mathjax_url",
    "reveal_url_prefix": "reveal_prefix",
    "reveal_theme": "reveal_theme",
    "reveal_transition": "reveal_transition",
    "reveal_scroll": "reveal_scroll",
    "reveal_number": "reveal_number",
    "nbformat_minor": "nbformat_minor",
    "chromium": "chromium",
    "paper": "paper",
}


def make_exporter(args: argparse.Namespace, sources: dict[str, str], kernels=None, progress=None):
    """The exporter for ``--to`` with the options it supports.

    An option the format lacks is an error when given on the command line; from a
    config file or the environment it is left out, so shared settings can name options
    of other formats.
    """
    from converter.exporters import get_exporter

    cls = get_exporter(args.to)
    fields = getattr(cls, "__dataclass_fields__", {})
    options: dict[str, object] = {}
    unsupported: list[str] = []
    for field, dest in EXPORTER_OPTIONS.items():
        value = getattr(args, dest)
        if value is None or value is False:
            continue
        if field in fields:
            options[field] = value
        elif sources.get(dest) == "command line":
            unsupported.append("--" + dest.replace("_", "-"))
    chromium_source = sources.get("chromium", "default")
    if chromium_source not in ("default", "command line") and not chromium_source.startswith("env "):
        from converter.errors import ConfigError  # a project's file is data: it cannot pick a program to run

        raise ConfigError(f"{chromium_source}: chromium can be set only by --chromium or NBCONV_CHROMIUM")
    if unsupported:
        from converter.errors import ExportError

        raise ExportError(f"--to {args.to} does not support {', '.join(unsupported)}")
    return cls(preprocessors=make_preprocessors(args, kernels, progress), **options)


def make_preprocessors(args: argparse.Namespace, kernels=None, progress=None) -> list:
    """The steps the flags ask for, in the order they make sense: parameters before
    execution, removal after it (hidden cells still run), extraction last."""
    from converter import preprocessors as pre

    steps: list = []
    if args.parameters_values:
        steps.append(pre.InjectParametersPreprocessor(args.parameters_values))
    if args.clear_output:
        steps.append(pre.ClearOutputPreprocessor())
    if args.execute:
        from converter.execute import ExecutePreprocessor

        steps.append(ExecutePreprocessor(timeout=args.timeout, kernel_name=args.kernel,
                                         allow_errors=args.allow_errors, interrupt_on_timeout=True,
                                         pool=kernels, on_cell=progress))
    if args.coalesce_streams:
        steps.append(pre.CoalesceStreamsPreprocessor())
    tags = [args.remove_cell_tags, args.remove_input_tags, args.remove_output_tags]
    if any(tags):  # as in nbconvert, nothing is removed unless asked
        steps.append(pre.TagRemovePreprocessor(*(frozenset(t for v in values for t in v.split(",") if t)
                                                 for values in tags)))
    if args.regex_remove:
        steps.append(pre.RegexRemovePreprocessor(args.regex_remove))
    if args.clear_metadata:
        steps.append(pre.ClearMetadataPreprocessor())
    if args.extract_outputs:
        steps.append(pre.ExtractOutputsPreprocessor())
    if args.preprocessor:  # the user's own, after the built-in ones, in the order given
        from converter.plugins import load_object

        steps += [load_object(spec, "preprocessor")() for spec in args.preprocessor]
    return steps


def read_parameters(args: argparse.Namespace) -> dict:
    """--parameters FILE.json, then each -p NAME VALUE; ValueError explains a bad one."""
    if not (args.parameters or args.parameter):
        return {}  # the usual case: no need to load the parameters module
    import json

    from converter.preprocessors.parameters import check_name, parse_value, python_literal

    values: dict = {}
    if args.parameters:
        try:
            loaded = json.loads(Path(args.parameters).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"{args.parameters}: cannot read parameters: {error}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{args.parameters}: parameters must be a JSON object")
        values.update(loaded)
    values.update((name, parse_value(text)) for name, text in args.parameter)
    for name, value in values.items():
        check_name(name)
        python_literal(value)
    return values


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


def convert_one(job: Job, exporter, args: argparse.Namespace) -> str | None:
    """Convert one notebook; return a line describing what was written (None for stdout)."""
    from converter.errors import ExecutionError, ExportError, OutputError
    from converter.notebook import read_notebook
    from converter.pipeline import Resources
    from converter.writer import encode_text, write_atomic, write_side_files

    if job.source == STDIN:
        nb = read_notebook(sys.stdin.buffer, name=job.label)
        resources = Resources(name="notebook", dir=Path.cwd())
    else:
        path = Path(job.source)
        nb = read_notebook(path)
        resources = Resources(name=path.stem, dir=path.resolve().parent)
    target = destination(job, args, exporter.extension_for(nb))
    if (target is not None and not args.inplace and job.source != STDIN
            and target.resolve() == Path(job.source).resolve()):
        raise OutputError(f"{target}: refusing to overwrite the input notebook")
    try:
        body, resources = exporter.from_notebook_node(nb, resources)
    except ExportError as error:
        raise type(error)(f"{job.label}: {error}") from None
    except ExecutionError as error:
        message = f"{job.label}: {error}"
        if target is not None and not args.inplace and args.to.lower() == "notebook":
            write_atomic(target, exporter.render(nb, resources))  # like papermill: see how far it got
            message += f" (partly executed notebook written to {target})"
        raise type(error)(message) from error
    for warning in resources.extra.get("warnings", ()):
        print(f"nbconv: warning: {job.label}: {warning}", file=sys.stderr)
    if target is None:
        stream = sys.stdout.buffer
        stream.write(encode_text(body))
        stream.flush()
        return None
    if resources.outputs:
        write_side_files(target.parent, resources.outputs)
    write_atomic(target, body)
    return f"{job.label} -> {target}"


def check_execution_args(parser: argparse.ArgumentParser, args: argparse.Namespace, jobs: list[Job]) -> None:
    """Usage errors of the execution and --inplace flags; parses the parameters."""
    if args.inplace:
        if args.to.lower() != "notebook":
            parser.error("--inplace needs --to notebook")
        if args.output or args.output_dir or args.stdout or any(job.source == STDIN for job in jobs):
            parser.error("--inplace replaces each input file: it excludes --output, --output-dir, --stdout and -")
    if args.jobs < 1:
        parser.error("-j needs a number of at least 1")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout needs a positive number of seconds")
    for flag, given in (("--allow-errors", args.allow_errors), ("--timeout", args.timeout is not None),
                        ("--kernel", args.kernel)):
        if given and not args.execute:
            parser.error(f"{flag} only applies with --execute")
    for pattern in args.regex_remove:
        try:
            re.compile(pattern)
        except re.error as error:
            parser.error(f"--regex-remove {pattern!r}: {error}")
    try:
        args.parameters_values = read_parameters(args)
    except ValueError as error:
        parser.error(str(error))


def report_one(job: Job, exporter, args: argparse.Namespace, progress=None) -> int:
    """Convert one notebook and say on stderr what happened; return its exit status."""
    from converter.errors import ConversionError

    try:
        report = convert_one(job, exporter, args)
    except ConversionError as error:
        if args.debug:
            traceback.print_exc()
        if progress is not None:
            progress.clear()
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as error:  # a bug in nbconv: still one line, and go on
        if args.debug:
            traceback.print_exc()
        print(f"nbconv: internal error converting {job.label}: {type(error).__name__}: {error} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    if progress is not None:
        progress.clear()
    if report:
        print(report, file=sys.stderr)
    return EXIT_OK


def run_jobs(jobs: list[Job], exporter, args: argparse.Namespace, progress=None) -> list[int]:
    """Each job's exit status, in job order; ``-j N`` runs N at a time (threads for kernels)."""
    one_stream = args.stdout or any(job.source == STDIN for job in jobs)
    if args.jobs == 1 or len(jobs) == 1 or (one_stream and not args.execute):
        return [report_one(job, exporter, args, progress) for job in jobs]
    if not args.execute:
        from converter.batch import convert_in_workers  # rendering is CPU-bound: processes, not threads

        return convert_in_workers(jobs, exporter, args)
    from concurrent.futures import ThreadPoolExecutor

    workers = ThreadPoolExecutor(max_workers=args.jobs, thread_name_prefix="nbconv-job")
    try:
        return list(workers.map(lambda job: report_one(job, exporter, args, progress), jobs))
    finally:
        workers.shutdown(wait=False, cancel_futures=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:  # the viewer service has its own options
        from converter.viewer.serve import main as serve

        return serve(argv[1:])
    from converter.config import describe_settings, resolve_settings
    from converter.errors import ConfigError

    parser = build_parser()
    try:
        args, sources, config = resolve_settings(parser, argv, Path.cwd(), os.environ)
    except ConfigError as error:
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
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
    jobs, errors = expand_inputs(args.notebooks)
    if args.jobs is None:
        from converter.batch import available_cores

        args.jobs = 1 if args.execute else available_cores()
    check_execution_args(parser, args, jobs)
    for message in errors:
        print(f"nbconv: error: {message}", file=sys.stderr)
    if args.output and len(jobs) > 1:
        parser.error("--output names one file; use --output-dir for several notebooks")
    if sum(job.source == STDIN for job in jobs) > 1:
        parser.error("standard input (-) can be given once")
    status = 3 if errors else EXIT_OK
    kernels = progress = None
    if args.execute:
        from converter.execute import KernelPool
        from converter.execute.progress import ProgressReport

        # Spares boot while notebooks run: -j N keeps N ready, never more than the batch needs.
        kernels = KernelPool(ahead=args.jobs if len(jobs) > 1 else 0, limit=len(jobs))
        if args.progress or sys.stderr.isatty():
            progress = ProgressReport(sys.stderr, terminal=sys.stderr.isatty())
    try:
        return run_all(jobs, args, sources, status, kernels, progress)
    finally:
        if kernels is not None:
            kernels.close()


def run_all(jobs: list[Job], args: argparse.Namespace, sources: dict[str, str], status: int,
            kernels, progress) -> int:
    from converter.errors import ConversionError, OutputError

    try:
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
