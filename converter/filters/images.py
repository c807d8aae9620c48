"""Image URLs in markdown: cell attachments and local files, as data: URIs or raw data.

HTML embeds them as data: URIs; LaTeX extracts them to files next to the .tex.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from converter.filters.mime import data_uri

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp")


def attachment(url: str, attachments: dict | None) -> tuple[str, str | list] | None:
    """(mimetype, payload as stored) for ``attachment:NAME`` when the cell carries it."""
    if not url.startswith("attachment:") or not isinstance(attachments, dict):
        return None
    bundle = attachments.get(unquote(url[len("attachment:"):]))
    if not isinstance(bundle, dict):
        return None
    for mimetype in _IMAGE_TYPES:
        if isinstance(bundle.get(mimetype), (str, list)):
            return mimetype, bundle[mimetype]
    return None


def attachment_uri(url: str, attachments: dict | None) -> str | None:
    """The data: URI for ``attachment:NAME`` when the cell carries that attachment."""
    found = attachment(url, attachments)
    if found is None:
        return None
    mimetype, payload = found
    payload = "".join(payload) if isinstance(payload, list) else payload
    if mimetype == "image/svg+xml" and not payload.lstrip().startswith("<"):
        # JupyterLab stores attached SVG base64-encoded, unlike SVG outputs
        return "data:image/svg+xml;base64," + "".join(payload.split())
    return data_uri(payload, mimetype)


def local_image(url: str, directory: Path) -> tuple[str, Path] | None:
    """(mimetype, path) for a relative image path that resolves inside ``directory``.

    Anything else (URLs, absolute paths, ``..`` or symlinks leading out, missing or
    non-image files) gives None.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    root = directory.resolve()
    target = (root / unquote(parts.path)).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    mimetype = mimetypes.guess_type(target.name)[0]
    if mimetype not in _IMAGE_TYPES:
        return None
    return mimetype, target


def local_image_uri(url: str, directory: Path) -> str | None:
    """A data: URI for a relative image inside ``directory``; None keeps the reference as written."""
    found = local_image(url, directory)
    if found is None:
        return None
    mimetype, target = found
    payload = target.read_bytes()
    if mimetype == "image/svg+xml":
        return data_uri(payload.decode("utf-8", "replace"), mimetype)
    return data_uri(base64.b64encode(payload).decode(), mimetype)
