"""Built-in preprocessors, one module each.

Execution lives in ``converter.execute`` (``ExecutePreprocessor``): it needs a kernel.
Each class is imported on first use, so a conversion loads only the steps it runs.
"""

from __future__ import annotations

from converter import lazy_exports

_MODULES = {
    "ClearMetadataPreprocessor": "converter.preprocessors.clear_metadata",
    "ClearOutputPreprocessor": "converter.preprocessors.clear_output",
    "CoalesceStreamsPreprocessor": "converter.preprocessors.coalesce_streams",
    "ExtractOutputsPreprocessor": "converter.preprocessors.extract_outputs",
    "ExtractOutputPreprocessor": "converter.preprocessors.extract_outputs",  # nbconvert's spelling
    "InjectParametersPreprocessor": "converter.preprocessors.parameters",
    "RegexRemovePreprocessor": "converter.preprocessors.regex_remove",
    "TagRemovePreprocessor": "converter.preprocessors.tag_remove",
    # Also here, so nbconvert's `from nbconvert.preprocessors import ...` is one word away.
    "ExecutePreprocessor": "converter.execute.preprocessor",
    "CellExecutionError": "converter.execute.preprocessor",
}

__all__ = list(_MODULES)


__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
