"""SVG to PDF for LaTeX, with cairosvg when installed (the optional ``svg`` extra).

Notebook SVG is untrusted: cairosvg runs in its safe mode (``unsafe=False``), which
refuses XML entities and every external reference except data: URLs, so an image can
neither read local files nor reach the network.
"""

from __future__ import annotations


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
        return cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), unsafe=False)
    except Exception:  # malformed SVG of any kind: the caller shows a placeholder
        return None
