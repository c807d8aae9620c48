"""Papermill-style parameters: a cell of assignments after the cell tagged ``parameters``.

The injected cell is tagged ``injected-parameters``; one left by an earlier run is
replaced, so a notebook can be parameterised again. Values are written in the kernel's
language (converter/translators.py); ``papermill_value`` and ``load_yaml`` read values
the way papermill's command line does.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from converter.notebook import NotebookNode
from converter.pipeline import Preprocessor, Resources
from converter.translators import python_literal  # noqa: F401 (cli.py checks -p values with it)
from converter.translators import translator_for

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def parse_value(text: str) -> Any:
    """A command-line value: a Python literal when it is one (5, 0.5, True, None, [1, 2],
    'quoted'), otherwise the text itself as a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def papermill_value(text: str) -> Any:
    """A ``-p`` value typed as papermill types it: True, False, None, an int, a float,
    else the text itself (``-p x 1e3`` is 1000.0; ``-p x [1]`` is the string "[1]")."""
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


_CONSTANTS = {"True": True, "False": False, "None": None}

# YAML text over this many bytes is refused: parameters are settings, not data sets.
MAX_YAML_BYTES = 10 * 1024 * 1024


def load_yaml(text: str | bytes, origin: str) -> dict[str, Any]:
    """Parameters from YAML (safe loader; dates stay strings, as papermill reads them).

    ValueError names ``origin`` when the text is not YAML or not a mapping.
    """
    if len(text) > MAX_YAML_BYTES:
        raise ValueError(f"{origin}: parameters over {MAX_YAML_BYTES // (1024 * 1024)} MiB")
    import yaml

    try:
        loaded = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as error:
        raise ValueError(f"{origin}: invalid YAML: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise ValueError(f"{origin}: YAML nested too deeply") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{origin}: parameters must be a YAML mapping of names to values")
    return {str(name): value for name, value in loaded.items()}


_LOADERS: list = []


def _loader():
    """yaml.SafeLoader without the timestamp rule (made once)."""
    if not _LOADERS:
        import yaml

        class NoDatesLoader(yaml.SafeLoader):
            pass

        NoDatesLoader.yaml_implicit_resolvers = {
            first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        _LOADERS.append(NoDatesLoader)
    return _LOADERS[0]


def check_name(name: str) -> str:
    """The name, if it can be assigned to in Python; ValueError otherwise."""
    return translator_for("python").check_name(name)


@dataclass
class InjectParametersPreprocessor(Preprocessor):
    """Insert an assignment for each parameter (nothing when there are none).

    ``language`` is the kernel's (``python``, ``R``, ``julia``, ``bash``); by default the
    notebook's kernelspec or language_info says, else Python.
    """

    parameters: dict[str, Any] = field(default_factory=dict)
    language: str | None = None

    def preprocess(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        if not self.parameters:
            return nb, resources
        source = translator_for(self.language or notebook_language(nb)).source(self.parameters)
        from nbformat.v4 import new_code_cell  # nbformat costs ~75 ms to import: only when used

        cell = new_code_cell(source, id=INJECTED_TAG, metadata={"tags": [INJECTED_TAG]})
        cells = [c for c in nb.cells if INJECTED_TAG not in _tags(c)]
        anchor = next((i for i, c in enumerate(cells) if PARAMETERS_TAG in _tags(c)), -1)
        cells.insert(anchor + 1, cell)
        nb.cells = cells
        return nb, resources


def _tags(cell: NotebookNode) -> list:
    tags = cell.get("metadata", {}).get("tags")
    return tags if isinstance(tags, list) else []


def notebook_language(nb: NotebookNode) -> str | None:
    """The language the notebook says it is written in, if it says."""
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        entry = nb.metadata.get(key)
        if isinstance(entry, dict) and isinstance(entry.get(field_name), str) and entry[field_name]:
            return entry[field_name]
    return None
