"""SVG to PDF for LaTeX, with cairosvg when installed (the optional ``svg`` extra).

Notebook SVG is untrusted: the converter is given a URL fetcher that refuses every
external reference, so an image cannot read local files or reach the network.
"""

from __future__ import annotations


def svg_converter_available() -> bool:
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):  # OSError: the cairo library itself is missing
        return False
    return True


def _refuse(url: str, *args: object, **kwargs: object) -> dict:
    raise ValueError(f"external reference not allowed in notebook SVG: {url}")


def svg_to_pdf(svg: str) -> bytes | None:
    """The SVG drawn as a one-page PDF, or None when it cannot be converted."""
    if not svg_converter_available():
        return None
    import cairosvg

    try:
        return cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), url_fetcher=_refuse, unsafe=False)
    except Exception:  # malformed SVG of any kind: the caller shows a placeholder
        return None
