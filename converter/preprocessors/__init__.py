"""Built-in preprocessors, one module each."""

from converter.preprocessors.clear_output import ClearOutputPreprocessor
from converter.preprocessors.extract_outputs import ExtractOutputsPreprocessor

__all__ = ["ClearOutputPreprocessor", "ExtractOutputsPreprocessor"]
