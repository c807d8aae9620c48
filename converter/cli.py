"""The ``nbconv`` command: parse arguments, call the library, report each notebook.

Only argument parsing and reporting live here. Heavy modules are imported after the
arguments are read, so ``nbconv --version`` and ``--help`` start instantly.
"""

from __future__ import annotations

import argparse
import glob
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from converter import __version__

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

STDIN = "-"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbconv",
        description="Convert Jupyter notebooks to other formats.",
        epilog="Exit codes: 0 success, 1 internal error, 2 usage error, 3 unreadable or "
        "invalid notebook, 4 output not writable, 5 template or export error. See CLI.md.",
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
    tmpl = parser.add_argument_group("templates")
    tmpl.add_argument("--template", metavar="NAME", help="template name, e.g. lab (default) or basic")
    tmpl.add_argument("--template-file", metavar="FILE", help="a Jinja template file to render with")
    tmpl.add_argument("--theme", choices=("light", "dark"), help="colour theme of the lab template")
    tmpl.add_argument("--template-path", action="append", metavar="DIR",
                      help="search DIR for templates before the shipped ones (repeatable)")
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
    info = parser.add_argument_group("information")
    info.add_argument("--list-formats", action="store_true", help="list built-in and installed formats and exit")
    info.add_argument("--show-config", action="store_true",
                      help="print the merged settings and where each came from, and exit")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="convert several notebooks in N worker processes (default: one per core)")
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


def make_exporter(args: argparse.Namespace):
    from converter.exporters import get_exporter

    cls = get_exporter(args.to)
    options = {
        "template": args.template,
        "template_file": args.template_file,
        "theme": args.theme,
        "no_input": args.no_input or None,
        "no_prompt": args.no_prompt or None,
        "sanitize_html": args.sanitize_html or None,
        "embed_images": args.embed_images or None,
    }
    fields = getattr(cls, "__dataclass_fields__", {})
    unsupported = [name for name, value in options.items() if value is not None and name not in fields]
    if unsupported:
        flags = ", ".join("--" + name.replace("_", "-") for name in unsupported)
        from converter.errors import ExportError

        raise ExportError(f"--to {args.to} does not support {flags}")
    preprocessors = []
    if args.clear_output:
        from converter.preprocessors import ClearOutputPreprocessor

        preprocessors.append(ClearOutputPreprocessor())
    if args.preprocessor:
        from converter.plugins import load_object

        preprocessors += [load_object(spec, "preprocessor")() for spec in args.preprocessor]
    if args.template_path:
        options["template_paths"] = args.template_path
    return cls(preprocessors=preprocessors, **{k: v for k, v in options.items() if v is not None})


def destination(job: Job, args: argparse.Namespace, extension: str) -> Path | None:
    """Where the result goes; None means standard output."""
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
        if name.suffix != extension:
            name = name.with_name(name.name + extension)
        return base / name
    stem = "notebook" if job.source == STDIN else Path(job.source).stem
    return base / (stem + extension)


def convert_one(job: Job, exporter, args: argparse.Namespace) -> str | None:
    """Convert one notebook; return a line describing what was written (None for stdout)."""
    from converter.errors import ExportError, OutputError
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
    target = destination(job, args, exporter.output_extension)
    if target is not None and job.source != STDIN and target.resolve() == Path(job.source).resolve():
        raise OutputError(f"{target}: refusing to overwrite the input notebook")
    try:
        body, resources = exporter.from_notebook_node(nb, resources)
    except ExportError as error:
        raise ExportError(f"{job.label}: {error}") from None
    if target is None:
        stream = sys.stdout.buffer
        stream.write(encode_text(body))
        stream.flush()
        return None
    if resources.outputs:
        write_side_files(target.parent, resources.outputs)
    write_atomic(target, body)
    return f"{job.label} -> {target}"


def main(argv: Sequence[str] | None = None) -> int:
    import os

    from converter.config import describe_settings, resolve_settings
    from converter.errors import ConfigError

    parser = build_parser()
    try:
        args, sources, config = resolve_settings(parser, list(sys.argv[1:] if argv is None else argv),
                                                 Path.cwd(), os.environ)
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
    for message in errors:
        print(f"nbconv: error: {message}", file=sys.stderr)
    if args.output and len(jobs) > 1:
        parser.error("--output names one file; use --output-dir for several notebooks")
    if sum(job.source == STDIN for job in jobs) > 1:
        parser.error("standard input (-) can be given once")
    from converter.errors import ConversionError, OutputError

    status = 3 if errors else EXIT_OK
    try:
        exporter = make_exporter(args)
        if args.output_dir:
            try:
                Path(args.output_dir).mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"{args.output_dir}: cannot create output directory: {error.strerror}") from None
    except ConversionError as error:
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
    from converter.batch import convert_in_workers, worker_count

    in_order = args.stdout or any(job.source == STDIN for job in jobs)  # one stream: keep it serial
    workers = 1 if in_order else worker_count(args.jobs, len(jobs))
    if workers > 1:
        results = convert_in_workers(jobs, exporter, args, workers)
    else:
        results = (report_job(job, exporter, args) for job in jobs)
    try:
        for code, lines in results:
            for line in lines:
                print(line, file=sys.stderr)
            status = status or code
    except KeyboardInterrupt:
        print("nbconv: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return status


def report_job(job: Job, exporter, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Convert one notebook: its exit code and the lines to print on standard error."""
    from converter.errors import ConversionError

    try:
        report = convert_one(job, exporter, args)
    except ConversionError as error:
        return error.exit_code, _traceback(args) + [f"nbconv: error: {error}"]
    except Exception as error:  # a bug in nbconv: still one line, and go on
        return EXIT_INTERNAL, _traceback(args) + [
            f"nbconv: internal error converting {job.label}: {type(error).__name__}: {error} "
            "(rerun with --debug for the traceback)"]
    return EXIT_OK, [report] if report else []


def _traceback(args: argparse.Namespace) -> list[str]:
    return [traceback.format_exc().rstrip()] if args.debug else []
