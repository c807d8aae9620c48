"""Binary outputs and attachments to side files, so text formats can link to them.

Files go into ``resources.outputs`` under ``{notebook}_files/``; the writer puts them
beside the converted file. An extracted output records its file in
``output.metadata.filenames[mimetype]``, the place Jupyter's templates look for it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import unquote

from converter.notebook import NotebookNode

from converter.errors import ExportError
from converter.filters.mime import HTML_PRIORITY, choose_mimetype
from converter.pipeline import Preprocessor, Resources

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/svg+xml": "svg", "application/pdf": "pdf"}
_UNSAFE = re.compile(r"[^\w.-]+")


def file_data(payload: Any, mimetype: str) -> bytes:
    """The file bytes of output data: SVG is text, the others are base64."""
    if isinstance(payload, list):
        payload = "".join(payload)
    if mimetype == "image/svg+xml":
        return payload.encode("utf-8")
    return base64.b64decode(payload, validate=False)


@dataclass
class ExtractOutputsPreprocessor(Preprocessor):
    """Extract the representation ``priority`` picks from each output, when it is a file.

    Only what the exporter will show is written: ``{notebook}_{cell}_{output}.{ext}``.
    """

    priority: Sequence[str] = tuple(m for m in HTML_PRIORITY if m in EXTENSIONS)

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> None:
        for output_index, output in enumerate(cell.get("outputs") or ()):
            data = output.get("data")
            mimetype = choose_mimetype(data, self.priority) if isinstance(data, dict) else None
            if mimetype not in EXTENSIONS:
                continue
            name = f"{resources.files_folder()}/{resources.name}_{index}_{output_index}.{EXTENSIONS[mimetype]}"
            try:
                resources.outputs[name] = file_data(data[mimetype], mimetype)
            except (binascii.Error, ValueError):
                raise ExportError(f"cell {index + 1}, output {output_index + 1}: {mimetype} data is not valid base64") from None
            output.setdefault("metadata", NotebookNode()).setdefault("filenames", NotebookNode())[mimetype] = name


def extract_attachment(url: str, attachments: dict | None, resources: Resources, cell_index: int) -> str | None:
    """The side file for ``attachment:NAME`` if the cell carries it as an image, else None.

    The attachment name is untrusted: it is reduced to a safe file name.
    """
    if not url.startswith("attachment:") or not isinstance(attachments, dict):
        return None
    name = unquote(url[len("attachment:"):])
    bundle = attachments.get(name)
    mimetype = choose_mimetype(bundle, EXTENSIONS) if isinstance(bundle, dict) else None
    if mimetype is None:
        return None
    stem = _UNSAFE.sub("_", name).lstrip("._") or "attachment"
    if not stem.lower().endswith("." + EXTENSIONS[mimetype]):
        stem += "." + EXTENSIONS[mimetype]
    path = f"{resources.files_folder()}/{resources.name}_{cell_index}_{stem}"
    try:
        resources.outputs[path] = file_data(bundle[mimetype], mimetype)
    except (binascii.Error, ValueError):
        return None
    return path


ExtractOutputPreprocessor = ExtractOutputsPreprocessor  # nbconvert's name for it
