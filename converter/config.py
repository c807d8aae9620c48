"""Settings from a config file, NBCONV_* environment variables and command-line flags.

The file is the nearest ``nbconv.toml`` or ``pyproject.toml`` with a ``[tool.nbconv]``
table, looking upward from the working directory. Keys are the long flag names
(``output-dir = "site"``); a table named after a format (``[tool.nbconv.html]``) applies
only to that format. Precedence: default < file < file's format table < environment <
command line. Below it, the user's own ``$XDG_CONFIG_HOME/nbconv/config.toml`` (default
``~/.config/nbconv/config.toml``), same layout: default < user file < project file.

A file found this way may come with a cloned repository: it is data, not code. The
settings that would make nbconv run Python from it (template directories and files,
whose Jinja is code, preprocessor imports, executing the notebook) are refused unless
the user trusts the file: ``--trust-config`` or ``NBCONV_TRUST_CONFIG=1`` (jupyter_core
fixed the same class of bug as CVE-2022-39286). Flags, environment variables and
the user's own file are the user's and always trusted.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from converter.errors import ConfigError
from converter.user_dirs import xdg_folder

ENV_PREFIX = "NBCONV_"
# Flags that are actions, not settings.
NOT_SETTINGS = frozenset({"help", "version", "notebooks", "show_config", "list_formats", "trust_config"})
# Settings through which a config file could make nbconv run Python.
RUNS_CODE = ("template_path", "template_file", "preprocessor", "execute")
TRUST_VARIABLE = ENV_PREFIX + "TRUST_CONFIG"
# Read by the template loader itself, as a search path (see converter.templates).
ENV_EXCLUDED = frozenset({"template_path"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


@dataclass
class ConfigFile:
    """The settings table found, and the file it came from."""

    path: Path
    table: dict[str, Any]

    def table_label(self, section: str | None) -> str:
        """How a source is named: ``pyproject.toml [tool.nbconv.html]``, ``nbconv.toml [html]``."""
        prefix = "tool.nbconv" if self.path.name == "pyproject.toml" else ""
        name = ".".join(part for part in (prefix, section) if part)
        return f"{self.path} [{name}]" if name else str(self.path)


def find_config_file(start: Path) -> ConfigFile | None:
    """The nearest nbconv.toml, or pyproject.toml with [tool.nbconv], from ``start`` upward."""
    for directory in (start, *start.parents):
        own = directory / "nbconv.toml"
        if own.is_file():
            return ConfigFile(own, _read_toml(own))
        project = directory / "pyproject.toml"
        if project.is_file():
            table = _read_toml(project).get("tool", {}).get("nbconv")
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{project}: [tool.nbconv] must be a table")
                return ConfigFile(project, table)
    return None


def user_config_file(environ: Mapping[str, str]) -> ConfigFile | None:
    """The user's own settings, ``$XDG_CONFIG_HOME/nbconv/config.toml``, if there is one."""
    base = xdg_folder("XDG_CONFIG_HOME", ".config", environ=environ)
    if base is None:
        return None  # no home folder (a container user without one): no user file
    path = base / "nbconv" / "config.toml"
    return ConfigFile(path, _read_toml(path)) if path.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # ~6 ms; only when a config file is found

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None


def settings_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's options that can be set from a file or the environment, by dest."""
    return {a.dest: a for a in parser._actions if a.dest not in NOT_SETTINGS and a.option_strings}


def explicit_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[argparse.Namespace, set[str]]:
    """Parse ``argv`` and tell which settings were given on the command line."""
    actions = settings_actions(parser)
    namespace = argparse.Namespace(**{
        dest: (None if isinstance(action, argparse._AppendAction) else _UNSET)
        for dest, action in actions.items()
    })
    parsed = parser.parse_args(argv, namespace=namespace)
    given = {dest for dest in actions if getattr(parsed, dest) not in (_UNSET, None)}
    for dest in actions:
        if dest not in given:
            setattr(parsed, dest, parser.get_default(dest))
    return parsed, given


def coerce(action: argparse.Action, value: Any, where: str, text_booleans: bool = True) -> Any:
    """A file or environment value checked and converted as the flag's parser would.

    Environment values are text, so ``1``/``yes`` are booleans there; a file has TOML
    booleans, so it must use them (``text_booleans=False``).
    """
    name = action.option_strings[-1]
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if isinstance(value, str) and text_booleans:
            lowered = value.strip().lower()
            if lowered in _TRUE | _FALSE:
                return lowered in _TRUE
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {name} must be true or false, got {value!r}")
        return value
    if isinstance(action, argparse._AppendAction):
        items = [v for v in value.split(",") if v] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise ConfigError(f"{where}: {name} must be a list of strings, got {value!r}")
        return items
    if isinstance(value, (dict, list, bool)):
        raise ConfigError(f"{where}: {name} must be a single value, got {value!r}")
    try:
        converted = action.type(value) if action.type else str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {name} has a bad value {value!r}") from None
    if action.choices and converted not in action.choices:
        raise ConfigError(f"{where}: {name} must be one of {', '.join(map(str, action.choices))}, got {value!r}")
    return converted


def _file_layers(config: ConfigFile, actions: Mapping[str, argparse.Action], fmt: str) -> list[tuple[str, dict]]:
    """The file's top level, then the table of the chosen format, as (source, values)."""
    top = {k: v for k, v in config.table.items() if not isinstance(v, dict)}
    sections = {k.lower(): v for k, v in config.table.items() if isinstance(v, dict)}
    for section, values in [(None, top), *sections.items()]:
        for key in values:
            if key.replace("-", "_") not in actions:
                raise ConfigError(f"{config.path}: unknown key {key!r} in {config.table_label(section)}"
                                  + _suggestion(key, actions))
    layers = [(config.table_label(None), top)]
    if fmt.lower() in sections:
        layers.append((config.table_label(fmt.lower()), sections[fmt.lower()]))
    return layers


def _suggestion(key: str, actions: Mapping[str, argparse.Action]) -> str:
    """``; did you mean 'output-dir'?`` for a misspelt key, or ""."""
    import difflib

    known = [dest.replace("_", "-") for dest in actions]
    close = difflib.get_close_matches(key.replace("_", "-").lower(), known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# Settings that name folders: in a config file they are relative to the file's folder.
FILE_RELATIVE = frozenset({"output_dir", "template_path", "cache"})


def _relative_to(folder: Path, dest: str, value: Any) -> Any:
    if dest not in FILE_RELATIVE:
        return value
    if isinstance(value, list):
        return [str(folder / item) for item in value]
    return str(folder / value) if isinstance(value, str) else value


def resolve_settings(parser: argparse.ArgumentParser, argv: list[str], cwd: Path,
                     environ: Mapping[str, str]) -> tuple[argparse.Namespace, dict[str, str], ConfigFile | None]:
    """Parse ``argv`` and merge in the config file and environment.

    Returns the final namespace, the source of every setting, and the file used.
    """
    parsed, given = explicit_arguments(parser, argv)
    actions = settings_actions(parser)
    sources = {dest: "default" for dest in actions}
    config = find_config_file(cwd)
    user = user_config_file(environ)

    def apply(values: Mapping[str, Any], source: str, folder: Path | None = None) -> None:
        for key, value in values.items():
            dest = key.replace("-", "_")
            if dest not in given:
                converted = coerce(actions[dest], value, source, text_booleans=folder is None)
                setattr(parsed, dest, converted if folder is None else _relative_to(folder, dest, converted))
                sources[dest] = source

    env_values = {
        dest: environ[ENV_PREFIX + dest.upper()]
        for dest in actions
        if dest not in ENV_EXCLUDED and ENV_PREFIX + dest.upper() in environ
    }
    # The format decides which file table applies, so settle it first.
    fmt = (parsed.to if "to" in given else env_values.get("to") or (config.table.get("to") if config else None)
           or (user.table.get("to") if user else None) or parsed.to)
    for found in (user, config):  # the project's file over the user's
        if found:
            for source, values in _file_layers(found, actions, str(fmt)):
                apply(values, source, found.path.parent)
    for dest, value in env_values.items():
        apply({dest: value}, f"env {ENV_PREFIX}{dest.upper()}")
    for dest in given:
        sources[dest] = "command line"
    return parsed, sources, config


def _plain_template_name(value: object) -> bool:
    """A template name looked up in the trusted search path, not a path of its own."""
    return isinstance(value, str) and not value.startswith(".") and not any(c in value for c in "/\\:")


def check_trust(parsed: argparse.Namespace, sources: Mapping[str, str], config: ConfigFile | None,
                environ: Mapping[str, str]) -> None:
    """Refuse the config file's settings that would run code, unless the user trusts it."""
    if config is None or parsed.trust_config or environ.get(TRUST_VARIABLE, "").strip().lower() in _TRUE:
        return
    from_file = {dest for dest, source in sources.items() if source.startswith(str(config.path))}
    risky = [dest for dest in RUNS_CODE if dest in from_file and getattr(parsed, dest)]
    if "template" in from_file and not _plain_template_name(parsed.template):
        risky.append("template")
    if risky:
        keys = ", ".join(dest.replace("_", "-") for dest in risky)
        raise ConfigError(f"{config.path}: {keys} would let this file run code (templates, imports or the "
                          f"notebook); to use it, pass --trust-config or set {TRUST_VARIABLE}=1")


def describe_settings(parsed: argparse.Namespace, sources: Mapping[str, str], config: ConfigFile | None) -> str:
    """The merged settings, one per line, with where each came from (for --show-config)."""
    lines = [f"# config file: {config.table_label(None) if config else 'none found'}"]
    for dest in sorted(sources):
        value = getattr(parsed, dest)
        shown = "true" if value is True else "false" if value is False else "unset" if value is None else repr(value)
        lines.append(f"{dest.replace('_', '-'):<20} = {shown:<30} # {sources[dest]}")
    return "\n".join(lines)
