"""Syntax highlighting with pygments for HTML and LaTeX; one formatter per format, cached lexers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

# Kernel language names that pygments knows under another name.
_LEXER_ALIASES = {"ipython": "python", "ipython2": "python2", "ipython3": "python3"}
# Names that ask for IPython syntax; highlighted by our own lexer (IPython's needs IPython).
_IPYTHON_NAMES = frozenset({"ipython", "ipython2", "ipython3"})


@lru_cache(maxsize=128)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    from converter.lexing import accelerate

    if language in _IPYTHON_NAMES:
        from converter.filters.ipython_lexer import IPythonLexer

        return accelerate(IPythonLexer())
    try:
        return accelerate(get_lexer_by_name(_LEXER_ALIASES.get(language, language)))
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
    from converter.filters.latex_code import LatexCodeFormatter

    return LatexCodeFormatter(envname=LATEX_CODE_ENVIRONMENT)


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


@lru_cache(maxsize=1)
def _lexer_names() -> frozenset[str]:
    """Every name pygments knows, built-in aliases and plugin entry points, without
    importing the plugins (IPython's lexers would import all of IPython)."""
    from importlib.metadata import entry_points

    from pygments.lexers import get_all_lexers

    names = {alias for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases}
    names.update(point.name.lower() for point in entry_points(group="pygments.lexers"))
    return frozenset(names)


def lexer_name(language: str) -> str | None:
    """A name pygments knows ``language`` by (its own, else its plain-Python alias), or None.

    Formats that name the language for another highlighter (reST code-block, Markdown
    fences) use it so the name they write is one Sphinx and docutils can resolve.
    """
    name = language.strip().lower()
    for candidate in (name, _LEXER_ALIASES.get(name)):
        if candidate and candidate in _lexer_names():
            return candidate
    return None
