"""The notebook as a program in its own language: ``--to script`` (and ``--to python``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from converter.notebook import NotebookNode

from converter.errors import ExportError
from converter.exporters.base import TemplateExporter
from converter.pipeline import Resources

# Line comment prefixes of kernel languages that do not use '#'.
COMMENT_PREFIXES = {
    "javascript": "//", "typescript": "//", "c": "//", "c++": "//", "cpp": "//", "java": "//",
    "scala": "//", "go": "//", "rust": "//", "kotlin": "//", "csharp": "//", "c#": "//",
    "haskell": "--", "sql": "--", "lua": "--", "matlab": "%", "octave": "%",
}


def script_language(nb: NotebookNode) -> str:
    """The notebook's language name in lower case; notebooks that name none are Python."""
    info = nb.metadata.get("language_info") or {}
    kernelspec = nb.metadata.get("kernelspec") or {}
    for name in (info.get("name"), kernelspec.get("language")):
        if isinstance(name, str) and name.strip():
            return name.strip().lower()
    return "python"


@dataclass
class ScriptExporter(TemplateExporter):
    """Code cells in order with ``# In[n]:`` markers; IPython syntax made into Python."""

    output_extension: ClassVar[str] = ".txt"
    one_final_newline: ClassVar[bool] = True
    template_entry: ClassVar[str] = "index.txt.j2"

    template: str = "script"
    no_prompt: bool = False
    no_input_prompt: bool = False

    def extension_for(self, nb: NotebookNode) -> str:
        extension = (nb.metadata.get("language_info") or {}).get("file_extension")
        if isinstance(extension, str) and extension.startswith(".") and "/" not in extension and len(extension) < 16:
            return extension
        return ".py" if script_language(nb) == "python" else self.output_extension

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        language = script_language(nb)
        python = language == "python"
        mimetype = (nb.metadata.get("language_info") or {}).get("mimetype")
        return {
            "comment": COMMENT_PREFIXES.get(language, "#"),
            "shebang": "#!/usr/bin/env python" if python else "",
            "translate_magics": python,
            "code_mimetype": mimetype or ("text/x-python" if python else None),
            "no_prompt": self.no_prompt,
            "no_input_prompt": self.no_prompt or self.no_input_prompt,
            "mime_priority": (),
        }


@dataclass
class PythonExporter(ScriptExporter):
    """``--to python``: a script exporter that only accepts Python notebooks."""

    output_extension: ClassVar[str] = ".py"

    def render(self, nb: NotebookNode, resources: Resources) -> str:
        language = script_language(nb)
        if language != "python":
            raise ExportError(f"--to python needs a Python notebook, this one is {language}; use --to script")
        return super().render(nb, resources)
