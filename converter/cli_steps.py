"""From parsed flags to the exporter and its ordered preprocessors."""

from __future__ import annotations

import argparse
import sys

# exporter option (a dataclass field) -> the flag that sets it
EXPORTER_OPTIONS = {
    "template": "template",
    "template_file": "template_file",
    "template_paths": "template_path",
    "theme": "theme",
    "no_input": "no_input",
    "no_prompt": "no_prompt",
    "no_input_prompt": "no_input_prompt",
    "no_output_prompt": "no_output_prompt",
    "no_output": "no_output",
    "no_markdown_cells": "no_markdown_cells",
    "no_code_cells": "no_code_cells",
    "no_raw_cells": "no_raw_cells",
    "no_unknown_cells": "no_unknown_cells",
    "sanitize_html": "sanitize_html",
    "block_remote_content": "block_remote_content",
    "embed_images": "embed_images",
    "math": "math",
    "mathjax_url": "mathjax_url",
    "reveal_url_prefix": "reveal_prefix",
    "reveal_theme": "reveal_theme",
    "reveal_transition": "reveal_transition",
    "reveal_scroll": "reveal_scroll",
    "reveal_number": "reveal_number",
    "nbformat_minor": "nbformat_minor",
    "strict": "strict",
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
        from converter.execute.live_output import LiveOutput

        startup = {} if args.startup_timeout is None else {"startup_timeout": args.startup_timeout}
        steps.append(ExecutePreprocessor(timeout=args.timeout, kernel_name=args.kernel, **startup,
                                         allow_errors=args.allow_errors, interrupt_on_timeout=True,
                                         pool=kernels, on_cell=progress,
                                         on_output=LiveOutput(sys.stderr, progress) if args.log_output else None,
                                         cache=execution_cache(args), notebook_timeout=args.notebook_timeout,
                                         cluster=getattr(args, "cluster_executor", None)))
    if args.coalesce_streams:
        steps.append(pre.CoalesceStreamsPreprocessor())
    tags = [args.remove_cell_tags, args.remove_input_tags, args.remove_output_tags, args.remove_single_output_tags]
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


def execution_cache(args: argparse.Namespace):
    """The ``--cache`` folder as an ExecutionCache, or None."""
    if not args.cache:
        return None
    from converter.execute.cache import ExecutionCache, parse_size

    return ExecutionCache(args.cache, parse_size(args.cache_size), refresh=args.refresh)
