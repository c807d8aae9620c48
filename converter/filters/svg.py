"""SVG to PDF for LaTeX, with cairosvg when installed (the optional ``svg`` extra).

Notebook SVG is untrusted: cairosvg runs in its safe mode (``unsafe=False``), which
refuses XML entities and every external reference except data: URLs, so an image can
neither read local files nor reach the network.
"""

from __future__ import annotations

import re


def svg_converter_available() -> bool:
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):  # OSError: the cairo library itself is missing
        return False
    return True


def svg_to_pdf(svg: str) -> bytes | None:
    """The SVG drawn as a one-page PDF, or None when it cannot be converted."""
    if not svg_converter_available():
        return None
    import cairosvg

    try:
        pdf = cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), unsafe=False)
    except Exception:  # malformed SVG of any kind: the caller shows a placeholder
        return None
    return _CREATED.sub(_fixed_date, pdf, count=1)


# cairo stamps each PDF with the time it was made, so the same notebook gave different
# side files on every run. The stamp is replaced by one of the same length, which keeps
# the PDF's byte offsets (its xref table) valid.
_CREATED = re.compile(rb"/CreationDate \((D:\d{14}Z)\)")
_FIXED = b"D:20000101000000Z"


def _fixed_date(found: re.Match) -> bytes:
    return found.group(0).replace(found.group(1), _FIXED) if len(found.group(1)) == len(_FIXED) else found.group(0)
