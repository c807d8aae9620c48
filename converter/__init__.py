"""nbconv: convert Jupyter notebooks to HTML and other formats.

Names are imported on first use so that ``nbconv --version`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "read_notebook": "converter.notebook",
    "Pipeline": "converter.pipeline",
    "Preprocessor": "converter.pipeline",
    "Resources": "converter.pipeline",
    "ClearOutputPreprocessor": "converter.preprocessors",
    "ClearMetadataPreprocessor": "converter.preprocessors",
    "CoalesceStreamsPreprocessor": "converter.preprocessors",
    "ExtractOutputsPreprocessor": "converter.preprocessors",
    "InjectParametersPreprocessor": "converter.preprocessors",
    "RegexRemovePreprocessor": "converter.preprocessors",
    "TagRemovePreprocessor": "converter.preprocessors",
    "ExecutePreprocessor": "converter.execute",
    "KernelPool": "converter.execute",
    "Exporter": "converter.exporters.base",
    "TemplateExporter": "converter.exporters.base",
    "HTMLExporter": "converter.exporters.html",
    "RSTExporter": "converter.exporters.rst",
    "MarkdownExporter": "converter.exporters.markdown",
    "ScriptExporter": "converter.exporters.script",
    "PythonExporter": "converter.exporters.script",
    "NotebookExporter": "converter.exporters.notebook",
    "ExtractOutputsPreprocessor": "converter.preprocessors",

    "LatexExporter": "converter.exporters.latex",
    "PDFExporter": "converter.exporters.pdf",
    "export": "converter.exporters",
    "get_exporter": "converter.exporters",
    "ConversionError": "converter.errors",
    "NotebookError": "converter.errors",
    "OutputError": "converter.errors",
    "ExportError": "converter.errors",
    "LatexError": "converter.errors",

    "ExecutionError": "converter.errors",
    "CellTimeoutError": "converter.errors",
    "KernelNotFoundError": "converter.errors",
    "KernelDiedError": "converter.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'converter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
