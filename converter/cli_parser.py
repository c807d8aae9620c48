"""Every flag of ``nbconv`` and the usage errors between them.

Building the parser imports nothing heavy, so ``--help`` and ``--version`` stay instant.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from converter import __version__

STDIN = "-"  # the notebook argument that means standard input

SUBCOMMANDS = (
    ("serve", "the notebook viewer: renders notebooks from URLs, GitHub, gists and local folders"),
    ("run", "execute a notebook with parameters into a new notebook, as papermill does"),
    ("cache", "show or clear the execution cache"),
)


# The built-in formats, named here so that --help stays fast (converter.exporters has the table).
HELP_FORMATS = "html, slides, pdf, webpdf, latex, markdown, rst, asciidoc, script, python, notebook"


class OneLineParser(argparse.ArgumentParser):
    """Every usage error is one line and a pointer to --help, never the usage dump;
    ``--help`` also lists the subcommands and the formats."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")

    def format_help(self) -> str:
        commands = "\n".join(f"  nbconv {name:<7} {text}" for name, text in SUBCOMMANDS)
        return (super().format_help() + f"\nsubcommands (each has its own --help):\n{commands}\n"
                f"\nformats for --to: {HELP_FORMATS}; --list-formats shows all, installed plugins too.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="nbconv",
        description="Convert Jupyter notebooks to other formats.",
        epilog="Exit codes: 0 success, 1 internal error, 2 usage error, 3 unreadable or "
        "invalid notebook, 4 output not writable, 5 template or export error, 6 a cell raised, "
        "7 cell or notebook timeout, 8 kernel not installed, 9 kernel died, 10 LaTeX/PDF compilation failed, "
        "11 Dask scheduler unreachable, 12 browser not available (webpdf). "
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
    out.add_argument("--output-files-dir", metavar="DIR",
                     help="folder for side files, relative to the result ({notebook_name} is replaced; "
                     "default: {notebook_name}_files)")
    out.add_argument("--quiet", "-q", action="store_true", help="do not report each file written")
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
    content.add_argument("--no-input-prompt", action="store_true", help="leave out the In[ ] prompts")
    content.add_argument("--no-output-prompt", action="store_true", help="leave out the Out[ ] prompts")
    content.add_argument("--no-output", action="store_true", help="leave out the outputs of code cells")
    for kind in ("markdown", "code", "raw", "unknown"):
        content.add_argument(f"--no-{kind}-cells", action="store_true", help=f"leave out {kind} cells")
    content.add_argument("--sanitize-html", action="store_true",
                         help="clean notebook HTML and SVG, drop script outputs (for untrusted notebooks)")
    content.add_argument("--block-remote-content", action="store_true",
                         help="--sanitize-html and also drop images from other hosts (see README, Hardening)")
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
    content.add_argument("--remove-single-output-tags", action="append", default=[], metavar="TAG",
                         help="leave out each output whose own metadata.tags hold this tag (repeatable)")
    content.add_argument("--regex-remove", action="append", default=[], metavar="PATTERN",
                         help="leave out cells whose source matches this regular expression (repeatable)")
    content.add_argument("--clear-metadata", action="store_true",
                         help="drop cell and notebook metadata except tags, kernelspec and language_info")
    content.add_argument("--strict", action="store_true",
                         help="--to pdf: fail on a formula or raw LaTeX that xelatex rejects "
                         "(default: show it as its source, warn and finish the PDF)")
    content.add_argument("--coalesce-streams", action="store_true",
                         help="merge consecutive stdout/stderr outputs (done anyway after --execute)")
    info = parser.add_argument_group("information")
    info.add_argument("--list-formats", action="store_true", help="list built-in and installed formats and exit")
    info.add_argument("--trust-config", action="store_true",
                      help="let the config file found from this folder use templates, preprocessors, --execute")
    info.add_argument("--show-config", action="store_true",
                      help="print the merged settings and where each came from, and exit")
    run = parser.add_argument_group("execution")
    run.add_argument("--execute", action="store_true", help="run the notebook in a Jupyter kernel first")
    run.add_argument("--allow-errors", action="store_true",
                     help="keep going after a cell raises; the error is shown in its output")
    run.add_argument("--timeout", type=float, metavar="SECONDS",
                     help="interrupt a cell running longer than this (default: no limit)")
    run.add_argument("--startup-timeout", type=float, metavar="SECONDS",
                     help="give up when the kernel has not started after this long (default: 60)")
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
    run.add_argument("--log-output", action="store_true",
                     help="print each cell's stdout/stderr on stderr as it arrives, prefixed with notebook and cell")
    # Execution at scale (CLI.md "Executing many notebooks").
    run.add_argument("--notebook-timeout", type=float, metavar="SECONDS",
                     help="stop a notebook whose whole run takes longer than this (exit 7)")
    run.add_argument("--cache", metavar="DIR",
                     help="reuse the outputs of notebooks whose code did not change, kept in DIR")
    run.add_argument("--refresh", action="store_true", help="with --cache: execute anyway and replace the entries")
    run.add_argument("--cache-size", default="1G", metavar="SIZE",
                     help="cap on the cache folder, least recently used entries go first (default: 1G)")
    run.add_argument("--cluster", metavar="ADDRESS",
                     help="execute on a Dask cluster: tcp://HOST:PORT of a scheduler, or local:N worker processes")
    run.add_argument("--ship", action="append", default=[], metavar="GLOB",
                     help="with --cluster: send the files of the notebook's folder matching GLOB along (repeatable)")
    run.add_argument("--retries", type=int, default=1, metavar="N",
                     help="with --cluster: run a notebook whose worker or kernel died again, N times (default: 1)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    return parser


# Settings that only mean something when notebooks are executed, by flag.
EXECUTE_ONLY = {"allow_errors": "--allow-errors", "timeout": "--timeout", "startup_timeout": "--startup-timeout",
                "kernel": "--kernel", "log_output": "--log-output", "notebook_timeout": "--notebook-timeout",
                "cluster": "--cluster", "refresh": "--refresh", "cache": "--cache", "cache_size": "--cache-size",
                "retries": "--retries"}
# Settings that only mean something with another one: by dest, (flag, the setting it needs, that flag).
NEEDS = {"refresh": ("--refresh", "cache", "--cache DIR"), "cache_size": ("--cache-size", "cache", "--cache DIR"),
         "ship": ("--ship", "cluster", "--cluster"), "retries": ("--retries", "cluster", "--cluster")}
# Settings that do nothing with --cluster: cells run on a worker, which sends no progress or output back.
NOT_WITH_CLUSTER = {"log_output": "--log-output", "progress": "--progress"}


def check_unused_execution_settings(parser: argparse.ArgumentParser, args: argparse.Namespace,
                                    sources: dict[str, str]) -> None:
    """A flag on the command line that would do nothing (an execution flag without
    --execute, --ship without --cluster, --log-output with --cluster...) is a usage
    error; the same setting from a config file or the environment is a default for the
    runs where it applies, so it is left unused, not refused."""
    for dest, flag in EXECUTE_ONLY.items():
        if not args.execute:
            _unused(parser, args, sources, dest, f"{flag} only applies with --execute")
    for dest, (flag, needed, needed_flag) in NEEDS.items():
        if not getattr(args, needed):
            _unused(parser, args, sources, dest, f"{flag} only applies with {needed_flag}")
    for dest, flag in NOT_WITH_CLUSTER.items():
        if args.cluster:
            _unused(parser, args, sources, dest, f"{flag} does not apply with --cluster (cells run on the workers)")


def _unused(parser: argparse.ArgumentParser, args: argparse.Namespace, sources: dict[str, str], dest: str,
            message: str) -> None:
    """Refuse ``dest`` if the command line gave it, else put it back to its default."""
    source = sources.get(dest)
    default = parser.get_default(dest)
    if source == "command line" or (source is None and getattr(args, dest) != default):
        parser.error(message)
    setattr(args, dest, default)


def check_execution_args(parser: argparse.ArgumentParser, args: argparse.Namespace, jobs: list,
                         sources: dict[str, str] | None = None) -> None:
    """Usage errors of the execution and --inplace flags; parses the parameters."""
    check_unused_execution_settings(parser, args, sources or {})
    if args.inplace:
        if args.to.lower() != "notebook":
            parser.error("--inplace needs --to notebook")
        if args.output or args.output_dir or args.stdout or any(job.source == STDIN for job in jobs):
            parser.error("--inplace replaces each input file: it excludes --output, --output-dir, --stdout and -")
    if args.jobs < 1:
        parser.error("-j needs a number of at least 1")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout needs a positive number of seconds")
    if args.startup_timeout is not None and args.startup_timeout <= 0:
        parser.error("--startup-timeout needs a positive number of seconds")
    check_scale_args(parser, args)
    for pattern in args.regex_remove:
        try:
            re.compile(pattern)
        except re.error as error:
            parser.error(f"--regex-remove {pattern!r}: {error}")
    try:
        args.parameters_values = read_parameters(args)
    except ValueError as error:
        parser.error(str(error))


def check_scale_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors of --notebook-timeout, --cache, --cluster and their companions."""
    if args.notebook_timeout is not None and args.notebook_timeout <= 0:
        parser.error("--notebook-timeout needs a positive number of seconds")
    if args.retries < 0:
        parser.error("--retries needs a number of at least 0")
    if args.cache:
        from converter.execute.cache import parse_size

        try:
            parse_size(args.cache_size)
        except ValueError:
            parser.error(f"--cache-size {args.cache_size!r}: give a size such as 500M or 2G")


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


def check_math_args(parser: argparse.ArgumentParser, args: argparse.Namespace, sources: dict[str, str]) -> None:
    """--mathjax-url with --math mathml, both given on the command line, would do nothing: a
    usage error. From a config file, a MathJax URL is a default that MathML pages leave unused."""
    if args.math == "mathml" and args.mathjax_url and sources.get("math") == sources.get("mathjax_url") == "command line":
        parser.error("--mathjax-url does not apply with --math mathml (the page loads no MathJax)")
