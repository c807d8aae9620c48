"""Syntax highlighting with pygments for HTML and LaTeX; one formatter per format, cached lexers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

# Kernel language names that pygments knows under another name.
_LEXER_ALIASES = {"ipython": "python", "ipython2": "python2", "ipython3": "python3"}


@lru_cache(maxsize=128)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(_LEXER_ALIASES.get(language, language))
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(cssclass="highlight")


def highlight_code(source: str, language: str | None) -> Markup:
    """HTML for ``source``; unknown or missing languages give plain escaped text."""
    lexer = _lexer(language.strip().lower()) if language else None
    if lexer is None:
        return Markup('<div class="highlight"><pre>') + escape(source) + Markup("</pre></div>")
    from pygments import highlight

    return Markup(highlight(source, lexer, _formatter()))


# The Verbatim environment LaTeX code blocks are written in; templates define its look.
LATEX_CODE_ENVIRONMENT = "Highlighting"


@lru_cache(maxsize=1)
def _latex_formatter() -> Any:
    from pygments.formatters import LatexFormatter

    return LatexFormatter(envname=LATEX_CODE_ENVIRONMENT)


def highlight_latex(source: str, language: str | None) -> str:
    """A LaTeX ``Highlighting`` environment for ``source``; unknown languages stay plain."""
    from converter.filters.latex import escape_verbatim, strip_control

    lexer = _lexer(language.strip().lower()) if language else None
    if lexer is None:
        body = escape_verbatim(source).rstrip("\n")
        return f"\\begin{{{LATEX_CODE_ENVIRONMENT}}}[commandchars=\\\\\\{{\\}}]\n{body}\n\\end{{{LATEX_CODE_ENVIRONMENT}}}\n"
    from pygments import highlight

    return highlight(strip_control(source), lexer, _latex_formatter())


@lru_cache(maxsize=8)
def pygments_latex_defs(style: str) -> str:
    """The ``\\PY`` macro definitions for a pygments style."""
    from pygments.formatters import LatexFormatter

    return LatexFormatter(style=style).get_style_defs()


@lru_cache(maxsize=8)
def pygments_css(style: str, scope: str = ".highlight") -> Markup:
    """The CSS rules for a pygments style, scoped under ``scope``."""
    from pygments.formatters import HtmlFormatter

    return Markup(HtmlFormatter(style=style).get_style_defs(scope))


def notebook_language(metadata: dict) -> str:
    """The language to highlight code cells in: pygments_lexer, then language, then python."""
    info = metadata.get("language_info") or {}
    kernelspec = metadata.get("kernelspec") or {}
    for candidate in (info.get("pygments_lexer"), info.get("name"), kernelspec.get("language")):
        if isinstance(candidate, str) and candidate:
            return candidate
    return "python"
