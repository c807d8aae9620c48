"""Move images and PDFs out of the notebook into side files, for formats that link them.

Each extracted representation becomes ``resources.outputs["{name}_files/{name}_{cell}_{index}.{ext}"]``
(cell and output index count from 0), which the writer puts beside the result, and
``output.metadata.filenames[mimetype]`` names that file so templates link it instead of
embedding the data.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from nbformat import NotebookNode

from converter.pipeline import Preprocessor, Resources

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/svg+xml": "svg",
    "application/pdf": "pdf",
}


@dataclass
class ExtractOutputsPreprocessor(Preprocessor):
    """Extract the ``mimetypes`` of display and result outputs to files."""

    mimetypes: frozenset[str] = field(default_factory=lambda: frozenset(EXTENSIONS))

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        for position, output in enumerate(cell.get("outputs", ())):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            for mimetype in sorted(self.mimetypes & output.get("data", {}).keys()):
                payload = _payload(output.data[mimetype], mimetype)
                if payload is None:
                    continue
                extension = EXTENSIONS.get(mimetype) or mimetype.rpartition("/")[2].split("+")[0]
                name = f"{resources.name}_files/{resources.name}_{index}_{position}.{extension}"
                resources.outputs[name] = payload
                output.setdefault("metadata", NotebookNode()).setdefault("filenames", NotebookNode())[mimetype] = name


def _payload(data: object, mimetype: str) -> bytes | None:
    """The file bytes: SVG is stored as text, the others as base64 (None if it is not)."""
    text = "".join(data) if isinstance(data, list) else data
    if not isinstance(text, str):
        return None
    if mimetype == "image/svg+xml":
        return text.encode("utf-8")
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
