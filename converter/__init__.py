"""nbconv: convert Jupyter notebooks to HTML and other formats.

Names are imported on first use so that ``nbconv --version`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable

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
    "CellExecutionError": "converter.execute",
    "ExtractOutputPreprocessor": "converter.preprocessors",
    "FilesWriter": "converter.writer",
    "KernelPool": "converter.execute",
    "execute_notebook": "converter.execute.run",
    "Exporter": "converter.exporters.base",
    "TemplateExporter": "converter.exporters.base",
    "HTMLExporter": "converter.exporters.html",
    "SlidesExporter": "converter.exporters.slides",
    "RSTExporter": "converter.exporters.rst",
    "MarkdownExporter": "converter.exporters.markdown",
    "ScriptExporter": "converter.exporters.script",
    "PythonExporter": "converter.exporters.script",
    "NotebookExporter": "converter.exporters.notebook",
    "ExtractOutputsPreprocessor": "converter.preprocessors",

    "LatexExporter": "converter.exporters.latex",
    "PDFExporter": "converter.exporters.pdf",
    "WebPDFExporter": "converter.exporters.webpdf",
    "ASCIIDocExporter": "converter.exporters.asciidoc",
    "export": "converter.exporters",
    "get_exporter": "converter.exporters",
    "ConversionError": "converter.errors",
    "NotebookError": "converter.errors",
    "OutputError": "converter.errors",
    "ExportError": "converter.errors",
    "LatexError": "converter.errors",
    "BrowserError": "converter.errors",

    "ExecutionError": "converter.errors",
    "CellTimeoutError": "converter.errors",
    "KernelNotFoundError": "converter.errors",
    "KernelDiedError": "converter.errors",
    "ParameterError": "converter.errors",
}

__all__ = ["__version__", *_EXPORTS]


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose names are imported on first use.

    ``exports`` maps each public name to the module that defines it.
    """
    namespace = sys.modules[package].__dict__

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(namespace.get("__all__", exports))

    return getattr_, dir_


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
