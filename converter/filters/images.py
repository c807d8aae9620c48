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


def png_is_sound(data: bytes) -> bool:
    """Whether PNG bytes hold what a decoder needs: IHDR first, every chunk's CRC right,
    image data that inflates to the end, and IEND. A valid signature over a corrupt
    body otherwise reaches xelatex, which stops the whole document on it.

    Inflating is streamed with bounded output per step, so a compression bomb costs
    time linear in its size, not memory.
    """
    import struct
    import zlib

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    position, first, inflater, ended = 8, True, zlib.decompressobj(), False
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body_end = position + 8 + length
        if body_end + 4 > len(data):
            return False
        body = data[position + 8:body_end]
        (crc,) = struct.unpack(">I", data[body_end:body_end + 4])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc or (first and kind != b"IHDR"):
            return False
        first = False
        if kind == b"IDAT":
            try:
                chunk = body
                while chunk:
                    inflater.decompress(chunk, 1 << 20)
                    chunk = inflater.unconsumed_tail
            except zlib.error:
                return False
        elif kind == b"IEND":
            ended = True
            break
        position = body_end + 4
    return ended and inflater.eof
