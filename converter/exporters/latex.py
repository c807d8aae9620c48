"""LaTeX documents (``article``, or ``report`` with a title page and contents) for xelatex.

Images in outputs and markdown are extracted to ``<notebook>_files/`` (in
``resources.outputs``); anything LaTeX cannot include becomes a visible placeholder,
so every notebook gives a document that compiles.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from converter.notebook import NotebookNode

from converter.exporters.base import TemplateExporter
from converter.filters import images
from converter.filters.highlight import notebook_language
from converter.filters.latex import safe_file_name
from converter.filters.latex_scripts import font_setup, notebook_texts, scripts_in
from converter.filters.tex_compat import PREAMBLE as MATHJAX_COMPAT
from converter.filters.mime import LATEX_PRIORITY
from converter.filters.svg import svg_to_pdf
from converter.markdown.latex import LatexDocument
from converter.preprocessors.extract_outputs import file_data
from converter.pipeline import Resources

# What xelatex can include, recognised by the first bytes of the file.
_SIGNATURES = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".pdf": b"%PDF-"}
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}


class LatexFiles:
    """Collects the files a LaTeX document includes into ``resources.outputs``.

    Each method returns the name to give ``\\includegraphics`` (relative to the .tex
    file), or None when the data cannot be included.
    """

    def __init__(self, nb: NotebookNode, resources: Resources) -> None:
        self.resources = resources
        self.name = safe_file_name(resources.name)
        self.folder = self.name + "_files"
        self._positions = {
            id(output): (cell_index, output_index)
            for cell_index, cell in enumerate(nb.cells)
            for output_index, output in enumerate(cell.get("outputs", ()))
        }

    def output(self, output: dict, mimetype: str) -> str | None:
        """The file for an image or PDF output, ``NAME_<cell>_<index>`` as in every format."""
        cell_index, output_index = self._positions.get(id(output), (len(self._positions), 0))
        data = _decode(output["data"][mimetype], mimetype)
        return self._store(f"{self.name}_{cell_index}_{output_index}", mimetype, data)

    def markdown_image(self, url: str, attachments: dict | None) -> str | None:
        """The file for a markdown image: a cell attachment or a file beside the notebook.

        Named by content, so equal attachment names in two cells cannot collide.
        """
        found = images.attachment(url, attachments)
        if found is not None:
            mimetype, data = found[0], _decode(found[1], found[0])
        elif self.resources.dir is not None and (local := images.local_image(url, Path(self.resources.dir))):
            mimetype, data = local[0], local[1].read_bytes()
        else:
            return None
        if data is None:
            return None
        return self._store("image_" + hashlib.sha256(data).hexdigest()[:12], mimetype, data)

    def _store(self, stem: str, mimetype: str, data: bytes | None) -> str | None:
        if mimetype == "image/svg+xml" and data is not None:
            data, mimetype = svg_to_pdf(data.decode("utf-8", "replace")), "application/pdf"
        extension = _EXTENSIONS.get(mimetype)
        if data is None or extension is None or not data.startswith(_SIGNATURES[extension]):
            return None
        if extension == ".png" and not images.png_is_sound(data):
            return None  # the template shows its placeholder instead of crashing xelatex
        name = f"{self.folder}/{stem}{extension}"
        self.resources.outputs[name] = data
        return name


def _decode(payload: Any, mimetype: str) -> bytes | None:
    """Output data as file bytes, or None when it is not what its mimetype says."""
    try:
        return file_data(payload, mimetype)
    except (binascii.Error, ValueError, TypeError, AttributeError):
        return None


def _authors(metadata: dict) -> list[str]:
    """Author names from ``metadata.authors`` (a list of {"name": ...} or of strings)."""
    authors = metadata.get("authors")
    if not isinstance(authors, list):
        return []
    names = [a.get("name") if isinstance(a, dict) else a for a in authors]
    return [name for name in names if isinstance(name, str) and name.strip()]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


@dataclass
class LatexExporter(TemplateExporter):
    """Options mirror the CLI flags: ``--template article|report``, ``--no-input``, ``--no-prompt``."""

    output_extension: ClassVar[str] = ".tex"
    template_entry: ClassVar[str] = "index.tex.j2"
    # Formulas, raw LaTeX and cells marked in the source, so a compile error can be traced.
    marks_fragments: ClassVar[bool] = False

    template: str = "article"
    no_input: bool = False
    no_prompt: bool = False
    no_input_prompt: bool = False
    no_output_prompt: bool = False
    pygments_style: str = "default"

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        metadata = nb.metadata
        title = _text(metadata.get("title")) or resources.name
        authors = _authors(metadata)
        return {
            "title": title,
            "authors": authors,
            "script_fonts": font_setup(scripts_in([title, *authors, *notebook_texts(nb)])),
            "mathjax_compat": MATHJAX_COMPAT,
            "date": _text(metadata.get("date")),
            "language": notebook_language(metadata),
            "mime_priority": LATEX_PRIORITY,
            "no_input": self.no_input,
            "no_prompt": self.no_prompt,
            "no_input_prompt": self.no_prompt or self.no_input_prompt,
            "no_output_prompt": self.no_prompt or self.no_output_prompt,
            "pygments_style": self.pygments_style,
            "latex_files": LatexFiles(nb, resources),
            "latex_document": LatexDocument(markers=self.marks_fragments, warnings=resources.warnings),
        }
