"""Built-in preprocessors, one module each.

Execution lives in ``converter.execute`` (``ExecutePreprocessor``): it needs a kernel.
"""

from converter.preprocessors.clear_metadata import ClearMetadataPreprocessor
from converter.preprocessors.clear_output import ClearOutputPreprocessor
from converter.preprocessors.coalesce_streams import CoalesceStreamsPreprocessor
from converter.preprocessors.extract_outputs import ExtractOutputsPreprocessor
from converter.preprocessors.parameters import InjectParametersPreprocessor
from converter.preprocessors.regex_remove import RegexRemovePreprocessor
from converter.preprocessors.tag_remove import TagRemovePreprocessor

__all__ = [
    "ClearMetadataPreprocessor",
    "ClearOutputPreprocessor",
    "CoalesceStreamsPreprocessor",
    "ExtractOutputsPreprocessor",
    "InjectParametersPreprocessor",
    "RegexRemovePreprocessor",
    "TagRemovePreprocessor",
]
