"""``nbconv run INPUT OUTPUT``: papermill's command line, on nbconv's execution.

The options keep papermill's names (``-p``, ``-r``, ``-f``, ``-y``, ``-b``, ``-k``,
``--cwd``, ``--prepare-only``, ``--report-mode``, ``--log-output``, ``--start-timeout``,
``--execution-timeout``, ``--help-notebook``), so a papermill line changes only its first
word. Parameters are merged in papermill's order: ``-b``, ``-f``, ``-y``, ``-p``, ``-r``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn, Sequence

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# A parameters file or -b/-y text larger than this is refused (it is settings, not data).
MAX_PARAMETERS_BYTES = 10 * 1024 * 1024


class UsageError(Exception):
    """A bad command line: reported as one line and exit code 2."""


class RunParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> RunParser:
    parser = RunParser(
        prog="nbconv run",
        description="Run a notebook with parameters, as papermill does: inject a cell of "
        "parameters after the cell tagged 'parameters', execute, write the result with "
        "papermill's metadata.",
        epilog="Exit codes: 0 success, 2 usage or parameter error, 3 unreadable notebook, 4 output not "
        "writable, 6 a cell raised (the output notebook is still written), 7 cell timeout, "
        "8 kernel not installed, 9 kernel died. See CLI.md.",
    )
    parser.add_argument("input", metavar="INPUT", help="the notebook to run; - reads standard input")
    parser.add_argument("output", metavar="OUTPUT", nargs="?",
                        help="where to write the executed notebook; - writes standard output")
    params = parser.add_argument_group("parameters (merged in this order; later ones win)")
    params.add_argument("-b", "--parameters_base64", "--parameters-base64", action="append", default=[],
                        metavar="BASE64", help="base64-encoded YAML mapping of parameters")
    params.add_argument("-f", "--parameters_file", "--parameters-file", action="append", default=[],
                        metavar="FILE.yaml", help="YAML (or JSON) file of parameters")
    params.add_argument("-y", "--parameters_yaml", "--parameters-yaml", action="append", default=[],
                        metavar="YAML", help="YAML mapping of parameters, e.g. 'alpha: 0.6'")
    params.add_argument("-p", "--parameters", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a parameter; VALUE is typed as papermill types it: True, False, None, "
                        "an int, a float, else a string")
    params.add_argument("-r", "--parameters_raw", "--parameters-raw", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="a parameter kept as a string")
    params.add_argument("--inject-input-path", action="store_true", help="add PAPERMILL_INPUT_PATH")
    params.add_argument("--inject-output-path", action="store_true", help="add PAPERMILL_OUTPUT_PATH")
    params.add_argument("--inject-paths", action="store_true", help="add both paths as parameters")
    run = parser.add_argument_group("execution")
    run.add_argument("-k", "--kernel", metavar="NAME", help="kernel to run in (default: the notebook's own)")
    run.add_argument("--cwd", metavar="DIR", help="the kernel's working directory (default: the current one)")
    run.add_argument("--prepare-only", action="store_true", help="inject the parameters, do not execute")
    run.add_argument("--prepare-execute", dest="prepare_only", action="store_false", help=argparse.SUPPRESS)
    run.add_argument("--report-mode", action="store_true", help="hide the code cells' inputs in the output")
    run.add_argument("--not-report-mode", dest="report_mode", action="store_false", help=argparse.SUPPRESS)
    run.add_argument("--log-output", action="store_true",
                     help="print each cell's stdout/stderr on stderr as it arrives")
    run.add_argument("--no-log-output", dest="log_output", action="store_false", help=argparse.SUPPRESS)
    run.add_argument("--start-timeout", "--start_timeout", type=float, default=60, metavar="SECONDS",
                     help="how long the kernel may take to start (default 60)")
    run.add_argument("--execution-timeout", type=float, metavar="SECONDS",
                     help="interrupt a cell running longer than this and stop (default: no limit)")
    run.add_argument("--progress-bar", dest="progress_bar", action="store_true", default=None,
                     help="report cell i/n on stderr even when it is not a terminal")
    run.add_argument("--no-progress-bar", dest="progress_bar", action="store_false")
    run.add_argument("--log-level", metavar="LEVEL", help=argparse.SUPPRESS)  # papermill's; accepted
    info = parser.add_argument_group("information")
    info.add_argument("--help-notebook", action="store_true",
                      help="list the parameters the notebook declares (names, types, defaults, comments) and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    return parser


def read_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """Every parameter option merged in papermill's order; ValueError explains a bad one."""
    from converter.preprocessors.parameters import load_yaml, papermill_value

    values: dict[str, Any] = {}
    if args.inject_input_path or args.inject_paths:
        values["PAPERMILL_INPUT_PATH"] = args.input
    if args.inject_output_path or args.inject_paths:
        values["PAPERMILL_OUTPUT_PATH"] = args.output
    for text in args.parameters_base64:
        values.update(load_yaml(_base64(text), "-b"))
    for path in args.parameters_file:
        values.update(load_yaml(_read_file(path), path))
    for text in args.parameters_yaml:
        values.update(load_yaml(text, "-y"))
    values.update((name, papermill_value(value)) for name, value in args.parameters)
    values.update(args.parameters_raw)
    return values


def _base64(text: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"-b: not base64: {error}") from None


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PARAMETERS_BYTES + 1)
    except OSError as error:
        raise ValueError(f"{path}: cannot read parameters: {error.strerror}") from None
    if len(data) > MAX_PARAMETERS_BYTES:
        raise ValueError(f"{path}: parameters file over {MAX_PARAMETERS_BYTES // (1024 * 1024)} MiB")
    return data


def check(args: argparse.Namespace) -> None:
    """Usage errors the parser cannot see."""
    if args.output is None and not args.help_notebook:
        raise UsageError("give OUTPUT, the notebook to write (- for standard output)")
    for flag, value in (("--start-timeout", args.start_timeout), ("--execution-timeout", args.execution_timeout)):
        if value is not None and value <= 0:
            raise UsageError(f"{flag} needs a positive number of seconds")
    if args.cwd is not None and not Path(args.cwd).is_dir():
        raise UsageError(f"--cwd {args.cwd}: no such directory")


def help_notebook(args: argparse.Namespace) -> str:
    from converter.notebook import read_notebook
    from converter.notebook_parameters import describe_parameters
    from converter.preprocessors.parameters import notebook_language

    nb = read_notebook(sys.stdin.buffer if args.input == "-" else args.input)
    return describe_parameters(nb, "<stdin>" if args.input == "-" else args.input, notebook_language(nb))


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        check(args)
        parameters = {} if args.help_notebook else read_parameters(args)
    except (UsageError, ValueError) as error:
        print(f"nbconv run: error: {error} (see nbconv run --help)", file=sys.stderr)
        return EXIT_USAGE
    from converter.errors import ConversionError

    try:
        if args.help_notebook:
            print(help_notebook(args))
            return EXIT_OK
        return run(args, parameters)
    except ConversionError as error:
        if args.debug:
            traceback.print_exc()
        print(f"nbconv: error: {getattr(error, 'summary', error)}", file=sys.stderr)  # one line
        return error.exit_code
    except ValueError as error:  # a parameters cell --help-notebook cannot parse
        print(f"nbconv: error: {args.input}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nbconv: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug in nbconv: still one line
        if args.debug:
            traceback.print_exc()
        print(f"nbconv: internal error running {args.input}: {type(error).__name__}: {error} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def run(args: argparse.Namespace, parameters: dict[str, Any]) -> int:
    from converter.execute.run import execute_notebook

    progress = None
    show = args.progress_bar if args.progress_bar is not None else sys.stderr.isatty()
    if show and not args.prepare_only:
        from converter.execute.progress import ProgressReport

        progress = ProgressReport(sys.stderr, terminal=sys.stderr.isatty())
    try:
        execute_notebook(args.input, args.output, parameters, kernel_name=args.kernel, cwd=args.cwd,
                         prepare_only=args.prepare_only, report_mode=args.report_mode,
                         log_output=args.log_output, start_timeout=args.start_timeout,
                         execution_timeout=args.execution_timeout, progress=progress)
    finally:
        if progress is not None:
            progress.clear()
    if args.output != "-":
        print(f"{args.input} -> {args.output}", file=sys.stderr)
    return EXIT_OK
