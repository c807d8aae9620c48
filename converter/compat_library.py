"""nbconvert's library call forms on nbconv's classes: keyword names, ``config=``, resource dicts.

The library door of the one translation table (``converter.compat``): nbconvert's
keyword names and values (``HTMLExporter(exclude_input=True)``,
``TagRemovePreprocessor(remove_all_outputs_tags=...)``), a traitlets ``config=`` with
its sections and preprocessors, and nbconvert's plain ``resources`` dicts. Used by
``converter.options`` (constructors and attributes) and ``converter.pipeline``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

# The table's entries and the value readers it uses for command-line values.
from converter.compat import EXPORTER_TRAITS, SLIDES_TRAITS, TAG_TRAITS, Option
from converter.compat_values import _accepted, _bool, _number, _strings

# nbconvert's keyword names per nbconv class (the classes' own names need no entry).
_LIBRARY_NAMES: dict[str, dict[str, Option]] = {
    "TemplateExporter": EXPORTER_TRAITS,
    "SlidesExporter": SLIDES_TRAITS,
    "TagRemovePreprocessor": {"remove_all_outputs_tags": TAG_TRAITS["remove_all_outputs_tags"]},
    "ClearMetadataPreprocessor": {
        "preserve_cell_metadata_mask": Option("keep_cell_metadata", _accepted),
        "preserve_nb_metadata_mask": Option("keep_notebook_metadata", _accepted),
    },
}
# Values nbconvert allows that nbconv spells differently, per nbconv field.
_LIBRARY_VALUES: dict[str, Callable[[Any], Any]] = {
    "timeout": lambda v: _number(v),
    "remove_cell_tags": lambda v: frozenset(_strings(v)),
    "remove_input_tags": lambda v: frozenset(_strings(v)),
    "remove_output_tags": lambda v: frozenset(_strings(v)),
    "remove_single_output_tags": lambda v: frozenset(_strings(v)),
    "keep_cell_metadata": lambda v: frozenset(v),
    "keep_notebook_metadata": lambda v: frozenset(k if isinstance(k, str) else k[0] for k in v),
}
_READ_ONLY_ALIASES = {"file_extension": "output_extension"}


def read_only_alias(name: str) -> str | None:
    """nbconv's attribute for an nbconvert attribute that is only read (``file_extension``)."""
    return _READ_ONLY_ALIASES.get(name)


def library_name(cls: type, name: str) -> str | None:
    """nbconv's field for nbconvert's keyword ``name`` on ``cls``, if it is one."""
    for klass in cls.__mro__:
        option = _LIBRARY_NAMES.get(klass.__name__, {}).get(name)
        if option is not None:
            return option.field
    return None


def library_value(name: str, value: Any) -> Any:
    convert = _LIBRARY_VALUES.get(name)
    if convert is None:
        return value
    try:
        return convert(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: bad value {value!r}: {error}") from None


# nbconvert's default preprocessors that a config can switch on, in nbconvert's order.
_CONFIG_STEPS = ("TagRemovePreprocessor", "RegexRemovePreprocessor", "ClearOutputPreprocessor",
                 "CoalesceStreamsPreprocessor", "ExecutePreprocessor", "ExtractOutputPreprocessor",
                 "ClearMetadataPreprocessor")
_ON_WHEN_GIVEN = {"TagRemovePreprocessor": ("remove_cell_tags", "remove_input_tags", "remove_all_outputs_tags",
                                            "remove_single_output_tags"),
                  "RegexRemovePreprocessor": ("patterns",)}


def config_keywords(cls: type, config: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``cls`` from nbconvert's ``config=`` (a traitlets Config or a
    dict of ``{"Class": {"trait": value}}``): the sections of ``cls`` and its bases, and,
    for an exporter, the preprocessors the config lists or switches on, configured too."""
    keywords: dict[str, Any] = {}
    listed: list[Any] = []
    for klass in reversed(cls.__mro__):  # a subclass's section wins over its base's
        for trait, value in dict(config.get(klass.__name__) or {}).items():
            if trait == "preprocessors" and "preprocessors" in fields:
                listed += list(value)
            elif trait != "enabled":
                keywords[trait] = value
    if "preprocessors" not in fields:
        return keywords
    wanted = []  # as in nbconvert: the default steps switched on, then the listed ones
    names = {(step if isinstance(step, str) else step.__name__).rpartition(".")[2] for step in listed}
    for name in (n for n in _CONFIG_STEPS if n not in names):
        section = dict(config.get(name) or {})
        if _bool(section.get("enabled", False)) or any(section.get(t) for t in _ON_WHEN_GIVEN.get(name, ())):
            wanted.append(name)
    keywords["preprocessors"] = [_configured_step(step, config) for step in wanted + listed]
    return keywords


# What nbconvert's classes start from when a config leaves a trait out, where nbconv's differ.
_CONFIG_DEFAULTS = {"TagRemovePreprocessor": {"remove_cell_tags": (), "remove_input_tags": (),
                                              "remove_all_outputs_tags": ()}}


def _configured_step(step: Any, config: Mapping[str, Any]) -> Any:
    """A preprocessor instance from a name (``"TagRemovePreprocessor"``, a dotted path) or class."""
    import importlib

    from converter import preprocessors

    if not isinstance(step, (str, type)):
        return step  # an instance already
    short = (step if isinstance(step, str) else step.__name__).rpartition(".")[2]
    if isinstance(step, type) and step.__module__.startswith("converter."):
        klass = step
    elif short in preprocessors.__all__:
        klass = getattr(preprocessors, short)
    elif isinstance(step, str) and "." in step and not step.startswith("nbconvert."):
        module, _, attribute = step.rpartition(".")
        klass = getattr(importlib.import_module(module), attribute)  # the caller's own code
    else:
        raise TypeError(f"preprocessor {short!r} is not one nbconv has")
    section = {**_CONFIG_DEFAULTS.get(klass.__name__, {}), **dict(config.get(klass.__name__) or {})}
    return klass(**{k: v for k, v in section.items() if k != "enabled"})


# -- resources as a plain dict -----------------------------------------------------------

_RESOURCE_KEYS = frozenset({"metadata", "outputs", "output_files_dir", "output_extension"})


def resources_from_mapping(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """Keyword arguments for ``Resources`` from nbconvert's resources dict.

    ``metadata.path`` is the notebook's directory (where a kernel runs), ``metadata.name``
    its name; ``outputs`` is shared, so files added appear in the caller's dict.
    """
    mapping = mapping or {}
    metadata = mapping.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise TypeError("resources['metadata'] must be a dict")
    path = metadata.get("path")
    outputs = mapping.get("outputs")
    return {
        "name": str(metadata.get("name") or "notebook"),
        "dir": Path(path).resolve() if path else None,
        "outputs": outputs if isinstance(outputs, dict) else {},
        "output_files_dir": str(mapping.get("output_files_dir") or ""),
        "output_extension": str(mapping.get("output_extension") or ""),
        "extra": {key: value for key, value in mapping.items() if key not in _RESOURCE_KEYS},
    }


def update_mapping(mapping: dict[str, Any], resources: Any) -> dict[str, Any]:
    """Write what the steps produced back into the caller's resources dict."""
    mapping["outputs"] = resources.outputs
    mapping["output_extension"] = resources.output_extension
    metadata = mapping.setdefault("metadata", {})
    if isinstance(metadata, dict):
        metadata.setdefault("name", resources.name)
    if resources.output_files_dir:
        mapping["output_files_dir"] = resources.output_files_dir
    mapping.update(resources.extra)
    return mapping
