"""Built-in preprocessors, one module each.

Execution lives in ``converter.execute`` (``ExecutePreprocessor``): it needs a kernel.
Each class is imported on first use, so a conversion loads only the steps it runs.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "ClearMetadataPreprocessor": "converter.preprocessors.clear_metadata",
    "ClearOutputPreprocessor": "converter.preprocessors.clear_output",
    "CoalesceStreamsPreprocessor": "converter.preprocessors.coalesce_streams",
    "ExtractOutputsPreprocessor": "converter.preprocessors.extract_outputs",
    "InjectParametersPreprocessor": "converter.preprocessors.parameters",
    "RegexRemovePreprocessor": "converter.preprocessors.regex_remove",
    "TagRemovePreprocessor": "converter.preprocessors.tag_remove",
}

__all__ = list(_MODULES)


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'converter.preprocessors' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
