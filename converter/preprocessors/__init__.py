"""Built-in preprocessors, one module each."""

from converter.preprocessors.clear_output import ClearOutputPreprocessor

__all__ = ["ClearOutputPreprocessor"]
