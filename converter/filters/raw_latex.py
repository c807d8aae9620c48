"""The notebook's LaTeX confined to the notebook's folder before ``--to pdf`` compiles it.

kpathsea's paranoid mode (``openin_any=p``) keeps TeX's own ``\\input`` below the compile
folder and the notebook's folder, but pictures are opened by XeTeX and embedded by
xdvipdfmx without that check: ``\\includegraphics{/home/me/secret.pdf}`` would print
the file. Raw LaTeX cells, ``text/latex`` outputs and math in markdown all reach the
document as written, so the whole document body (everything else in it is escaped
text: a literal command there came from the notebook) is checked:

- a picture command whose file is not a plain relative path inside the notebook's
  folder (no ``..`` out of it, no symlink out of it) becomes a placeholder;
- what could build such a command out of sight of this check (``\\csname``,
  ``\\catcode``, ``\\scantokens``, ``\\makeatletter``) and ``\\graphicspath`` and
  ``\\special`` (xdvipdfmx reads files named in ``pdf:image``) are dropped, each
  replaced by a visible note;
- ``^^`` (TeX's character-code notation, ``^^5c`` is a backslash) becomes
  ``^\\relax^``, which TeX no longer joins, and which verbatim output still prints as
  ``^^``.

The scan is one regular-expression pass with bounded arguments: linear time.
"""

from __future__ import annotations

import re
from pathlib import Path

_PICTURE = r"\\(?:includegraphics\*?|nbimage|XeTeXpicfile|XeTeXpdffile)"
_COMMAND = re.compile(
    r"(?P<picture>" + _PICTURE + r"(?![A-Za-z]))(?P<options>\s*\[[^\[\]{}]{0,500}\])?"
    r"(?P<argument>\s*\{[^{}]{0,1000}\}|\s*\"[^\"]{0,1000}\")?"
    r"|(?P<unsafe>\\(?:special|csname|catcode|scantokens|makeatletter|graphicspath)(?![A-Za-z])"
    r"(?:\s*\{(?:[^{}]|\{[^{}]{0,1000}\}){0,1000}\})?)"  # with its argument, when it has one
    r"|(?P<carets>\^\^)"
)
_PLAIN_PATH = re.compile(r"[\w./ ,+=@-]+")
# \fbox, not \nbplaceholder: the command may stand in math, where \par is an error.
_PICTURE_NOTE = r"\fbox{\footnotesize [image not included: its file is outside the notebook's folder]}"
_UNSAFE_NOTE = r"\fbox{\footnotesize [raw LaTeX command removed]}"


def picture_allowed(path: str, folder: Path | None) -> bool:
    """Whether a picture path stays in the compile folder or the notebook's ``folder``."""
    path = path.strip()
    if not path or not _PLAIN_PATH.fullmatch(path) or path.startswith("/"):
        return False
    if ".." in Path(path).parts:
        return False
    if folder is None:
        return True
    root = folder.resolve()
    return (root / path).resolve().is_relative_to(root)


def confine_document(latex: str, folder: Path | None) -> str:
    """A whole document with its body confined; the preamble is the template's own."""
    start = latex.find("\\begin{document}")
    if start < 0:
        return confine_raw_latex(latex, folder)
    return latex[:start] + confine_raw_latex(latex[start:], folder)


def confine_raw_latex(text: str, folder: Path | None) -> str:
    """``text`` with pictures from outside ``folder`` and path-building commands replaced."""

    def replace(match: re.Match) -> str:
        if match.group("carets"):
            return "^\\relax^"
        if match.group("unsafe"):
            return _UNSAFE_NOTE
        argument = match.group("argument")
        if argument is None:
            return _PICTURE_NOTE  # \let\x\includegraphics, a macro argument, ...
        path = argument.strip()[1:-1]
        return match.group(0) if picture_allowed(path, folder) else _PICTURE_NOTE

    return _COMMAND.sub(replace, text)
