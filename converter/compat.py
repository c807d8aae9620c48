"""nbconvert's names -> nbconv's: the one translation table for foreign options.

Three doors use it: the command line (``--ExecutePreprocessor.timeout=60`` and
nbconvert's own flags become nbconv's flags before argparse sees them) and nbconvert's
JSON config files (``{"ExecutePreprocessor": {"timeout": 60}}``, through the same
table), both here; and the library (``HTMLExporter(template_name="basic")``,
``exporter.exclude_input = True``, ``preprocess(nb, {"metadata": {"path": d}})``), in
``converter.compat_library``, which reads this table too. Nothing else in nbconv knows
a foreign name. How option values are read and turned into flags is in
``converter.compat_values``. Everything here is cheap to import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from converter.compat_values import (_FALSE, _TRUE, UsageError, _accepted, _always_true, _anchored, _each,
                                     _export_format, _log_level, _nbformat, _seconds_flag, _switch, _value,
                                     _writer)

# -- the table ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One nbconvert option: the nbconv field it sets (library) and the flags (CLI)."""

    field: str | None
    flags: Callable[[Any], list[str]]
    note: str = ""
    kind: str = "value"  # "switch": a bare --Class.trait means True; "list": several values


# TemplateExporter's traits, also valid on each exporter class.
EXPORTER_TRAITS = {
    "template_name": Option("template", _value("--template")),
    "template_file": Option("template_file", _value("--template-file")),
    "extra_template_basedirs": Option("template_paths", _each("--template-path"), kind="list"),
    "extra_template_paths": Option("template_paths", _each("--template-path"), kind="list"),
    "exclude_input": Option("no_input", _switch("--no-input"), kind="switch"),
    "exclude_output": Option("no_output", _switch("--no-output"), kind="switch"),
    "exclude_input_prompt": Option("no_input_prompt", _switch("--no-input-prompt"), kind="switch"),
    "exclude_output_prompt": Option("no_output_prompt", _switch("--no-output-prompt"), kind="switch"),
    "exclude_markdown": Option("no_markdown_cells", _switch("--no-markdown-cells"), kind="switch"),
    "exclude_code_cell": Option("no_code_cells", _switch("--no-code-cells"), kind="switch"),
    "exclude_raw": Option("no_raw_cells", _switch("--no-raw-cells"), kind="switch"),
    "exclude_unknown": Option("no_unknown_cells", _switch("--no-unknown-cells"), kind="switch"),
}
HTML_TRAITS = {
    "theme": Option("theme", _value("--theme")),
    "sanitize_html": Option("sanitize_html", _switch("--sanitize-html"), kind="switch"),
    "embed_images": Option("embed_images", _switch("--embed-images"), kind="switch"),
    "mathjax_url": Option("mathjax_url", _value("--mathjax-url")),
}
SLIDES_TRAITS = {  # nbconvert's reveal_* traits have nbconv's field names; reveal_scroll is a Bool
    "reveal_url_prefix": Option("reveal_url_prefix", _value("--reveal-prefix")),
    "reveal_theme": Option("reveal_theme", _value("--reveal-theme")),
    "reveal_transition": Option("reveal_transition", _value("--reveal-transition")),
    "reveal_scroll": Option("reveal_scroll", _switch("--reveal-scroll"), kind="switch"),
    "reveal_number": Option("reveal_number", _value("--reveal-number")),
}
NOTEBOOK_TRAITS = {"nbformat_version": Option(None, _nbformat, "4 only")}
EXECUTE_TRAITS = {
    "enabled": Option(None, _switch("--execute"), kind="switch"),
    "timeout": Option("timeout", _seconds_flag("--timeout"), "-1 or None: no limit"),
    "startup_timeout": Option("startup_timeout", _seconds_flag("--startup-timeout")),
    "kernel_name": Option("kernel_name", _value("--kernel")),
    "allow_errors": Option("allow_errors", _switch("--allow-errors"), kind="switch"),
    "interrupt_on_timeout": Option("interrupt_on_timeout", _always_true(
        "nbconv always interrupts a cell that times out"), "True is what nbconv does"),
}
TAG_TRAITS = {
    "enabled": Option(None, _accepted, "nbconv removes by tag whenever tags are given", "switch"),
    "remove_cell_tags": Option("remove_cell_tags", _each("--remove-cell-tags"), kind="list"),
    "remove_input_tags": Option("remove_input_tags", _each("--remove-input-tags"), kind="list"),
    "remove_all_outputs_tags": Option("remove_output_tags", _each("--remove-output-tags"), kind="list"),
    "remove_single_output_tags": Option("remove_single_output_tags", _each("--remove-single-output-tags"), kind="list"),
}
CLI_TRAITS: dict[str, dict[str, Option]] = {
    "ExecutePreprocessor": EXECUTE_TRAITS,
    "ClearOutputPreprocessor": {"enabled": Option(None, _switch("--clear-output"), kind="switch")},
    "ClearMetadataPreprocessor": {"enabled": Option(None, _switch("--clear-metadata"), kind="switch")},
    "CoalesceStreamsPreprocessor": {"enabled": Option(None, _switch("--coalesce-streams"), kind="switch")},
    "ExtractOutputPreprocessor": {"enabled": Option(None, _switch("--extract-outputs"), kind="switch")},
    "TagRemovePreprocessor": TAG_TRAITS,
    "RegexRemovePreprocessor": {
        "enabled": Option(None, _accepted, "nbconv removes by pattern whenever patterns are given", "switch"),
        "patterns": Option(None, _each("--regex-remove", _anchored), "each as ^(?:PATTERN)", "list"),
    },
    "NbConvertApp": {
        "output_files_dir": Option(None, _value("--output-files-dir")),
        "output_base": Option(None, _value("--output")),
        "export_format": Option(None, _export_format),
        "writer_class": Option(None, _writer, "StdoutWriter: --stdout"),
        "log_level": Option(None, _log_level, "WARN and above: --quiet"),
    },
    "Application": {"log_level": Option(None, _log_level, "WARN and above: --quiet")},
    "FilesWriter": {"build_directory": Option(None, _value("--output-dir"))},
}
# nbconvert's exporter classes; a trait on one applies when --to picks it or a subclass.
EXPORTER_CLASSES = ("TemplateExporter", "HTMLExporter", "SlidesExporter", "WebPDFExporter", "LatexExporter",
                    "PDFExporter", "MarkdownExporter", "RSTExporter", "ASCIIDocExporter", "ScriptExporter",
                    "PythonExporter", "NotebookExporter")
for _name in EXPORTER_CLASSES:
    CLI_TRAITS[_name] = {} if _name == "NotebookExporter" else dict(EXPORTER_TRAITS)
for _name in ("HTMLExporter", "SlidesExporter", "WebPDFExporter"):
    CLI_TRAITS[_name].update(HTML_TRAITS)
CLI_TRAITS["SlidesExporter"].update(SLIDES_TRAITS)
CLI_TRAITS["NotebookExporter"].update(NOTEBOOK_TRAITS)

# nbconvert's own flags that nbconv spells differently: the trait each one sets.
CLI_ALIASES = {
    "--nbformat": "NotebookExporter.nbformat_version",
    "--writer": "NbConvertApp.writer_class",
    "--log-level": "Application.log_level",
}
# Options nbconv has no translation for, with the nbconv way where there is one.
HINTS = {
    "--post": "to serve notebooks over HTTP use nbconv serve",
    "--generate-config": "nbconv's config is a [tool.nbconv] table; see --show-config",
    "--help-all": "use --help",
    "NbConvertApp.postprocessor_class": "to serve notebooks over HTTP use nbconv serve",
    "Exporter.preprocessors": "use --preprocessor MODULE:CLASS",
    "NbConvertApp.notebooks": "give the notebooks as arguments",
    "NbConvertApp.use_output_suffix": "use --output NAME",
    "ExecutePreprocessor.iopub_timeout": "use --timeout SECONDS",
    "ExecutePreprocessor.record_timing": "nbconv records timings; in the library pass record_timing=False",
}
for _name in EXPORTER_CLASSES:
    HINTS.setdefault(f"{_name}.preprocessors", "use --preprocessor MODULE:CLASS")


def _refuse(option: str, key: str | None = None) -> UsageError:
    hint = HINTS.get(key or option) or HINTS.get("Exporter." + (key or "").partition(".")[2], "")
    return UsageError(f"{option}: nbconvert option not supported by nbconv" + (f"; {hint}" if hint else ""))


def trait_flags(key: str, value: Any, option: str | None = None) -> list[str]:
    """The nbconv flags for ``Class.trait`` set to ``value``; UsageError names ``option``."""
    option = option or f"--{key}"
    cls, _, trait = key.partition(".")
    known = CLI_TRAITS.get(cls, {}).get(trait)
    if known is None:
        raise _refuse(option, key)
    try:
        return known.flags(value)
    except ValueError as error:
        raise UsageError(f"{option}: bad value {value!r}: {error}") from None


# -- the command line --------------------------------------------------------------------

def _is_trait(token: str) -> bool:
    name = token[2:].partition("=")[0]
    cls, dot, trait = name.partition(".")
    return token.startswith("--") and bool(dot) and cls.isidentifier() and trait.isidentifier()


def _value_after(argv: list[str], index: int, token: str, optional: bool) -> tuple[Any, int]:
    """The option's value (``--x=v`` or ``--x v``) and how many tokens it used."""
    if "=" in token:
        return token.partition("=")[2], 1
    following = argv[index + 1] if index + 1 < len(argv) else None
    if optional:  # a switch: --Class.trait alone means True
        if following is not None and following.strip().lower() in _TRUE | _FALSE:
            return following, 2
        return True, 1
    if following is None:
        raise UsageError(f"{token}: needs a value")
    return following, 2


def _is_switch(key: str) -> bool:
    cls, _, trait = key.partition(".")
    option = CLI_TRAITS.get(cls, {}).get(trait)
    return option is not None and option.kind == "switch"


def translate_argv(argv: list[str]) -> list[str]:
    """nbconvert's command line as nbconv's: traits, ``--config``, ``--stdin``, aliases.

    nbconv's own flags pass through unchanged, after the translated ones (a config
    file's first), so the command line wins. A trait on an exporter class applies only
    when ``--to`` picks that class (or a subclass), as in nbconvert.
    """
    config: list[tuple[str, list[str]]] = []
    traits: list[tuple[str, list[str]]] = []
    plain: list[str] = []
    stdin = False
    index = 0
    while index < len(argv):
        token = argv[index]
        name = token.partition("=")[0]
        used = 1
        if token == "--":
            plain += argv[index:]
            break
        if name == "--config":
            path, used = _value_after(argv, index, token, optional=False)
            config += config_file_flags(Path(path))
        elif token == "--stdin":
            stdin = True
        elif name in CLI_ALIASES:
            key = CLI_ALIASES[name]
            value, used = _value_after(argv, index, token, optional=False)
            traits.append((key, trait_flags(key, value, name)))
        elif _is_trait(token):
            key = name[2:]
            value, used = _value_after(argv, index, token, optional=_is_switch(key))
            traits.append((key, trait_flags(key, value, name)))
        elif name in HINTS:
            raise _refuse(name)
        else:
            plain.append(token)
        index += used
    pieces = config + traits
    fmt = _chosen_format([flag for _, flags in pieces for flag in flags] + plain)
    executing = "--execute" in [flag for _, flags in pieces for flag in flags] + plain
    out = [flag for key, flags in pieces if _applies(key, fmt, executing) for flag in flags] + plain
    if stdin:
        out.append("-")
        if not any(t in ("--stdout", "--output", "-o") or t.startswith("--output=") for t in out):
            out += ["--output", "notebook"]  # nbconvert names a notebook read from stdin "notebook"
    return out


def _applies(key: str, fmt: str, executing: bool) -> bool:
    """As in nbconvert: an exporter's trait counts for its format only, and the execution
    traits (``ExecutePreprocessor.timeout``, ...) are unused unless the notebook is executed."""
    cls = key.partition(".")[0]
    if cls == "ExecutePreprocessor" and key != "ExecutePreprocessor.enabled" and not executing:
        return False
    return cls not in EXPORTER_CLASSES or applies_to_format(cls, fmt)


def _chosen_format(argv: list[str]) -> str:
    chosen = "html"
    for index, token in enumerate(argv):
        if token == "--to" and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif token.startswith("--to="):
            chosen = token[5:]
    return chosen


def applies_to_format(cls_name: str, fmt: str) -> bool:
    """Whether nbconvert's ``cls_name`` traits reach the exporter ``fmt`` selects."""
    if cls_name == "TemplateExporter" and fmt.lower() == "notebook":
        return False
    try:
        from converter.exporters import get_exporter

        exporter = get_exporter(fmt)
    except Exception:  # an unknown format is reported later, with the formats there are
        return True
    names = {klass.__name__ for klass in exporter.__mro__}
    return cls_name in names or (cls_name == "TemplateExporter" and "TemplateExporter" in names)


def config_file_flags(path: Path) -> list[tuple[str, list[str]]]:
    """The nbconv flags for each trait set in an nbconvert JSON config file
    (``{"Class": {"trait": value}}``), as (``Class.trait``, flags)."""
    if path.suffix == ".py":
        raise UsageError(f"{path}: Python config files are not read (nbconv would have to run them); "
                         "write the same settings as JSON")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read config file: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path}: invalid JSON: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UsageError(f'{path}: expected {{"Class": {{"trait": value}}}}, as nbconvert writes it')
    pieces = []
    for cls, traits in data.items():
        for trait, value in traits.items():
            if isinstance(value, (list, dict)) and cls + "." + trait in _SINGLE_VALUED:
                raise UsageError(f"{path}: {cls}.{trait}: bad value {value!r}")
            pieces.append((f"{cls}.{trait}", trait_flags(f"{cls}.{trait}", value, f"{path}: {cls}.{trait}")))
    return pieces


_SINGLE_VALUED = frozenset(f"{cls}.{trait}" for cls, traits in CLI_TRAITS.items()
                           for trait, option in traits.items() if option.kind != "list")
