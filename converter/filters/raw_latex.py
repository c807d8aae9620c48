"""Raw LaTeX from a notebook, confined to the notebook's folder before ``--to pdf`` compiles it.

kpathsea's paranoid mode (``openin_any=p``) keeps TeX's own ``\\input`` below the compile
folder and the notebook's folder, but pictures are opened by XeTeX and embedded by
xdvipdfmx without that check: ``\\includegraphics{/home/me/secret.pdf}`` would print
the file. So in raw LaTeX cells and ``text/latex`` outputs:

- a picture command whose file is not a plain relative path inside the notebook's
  folder (no ``..`` out of it, no symlink out of it) becomes a placeholder;
- what could build such a command out of sight of this check (``\\csname``,
  ``\\catcode``, ``^^`` character codes, ``\\scantokens``, ``\\makeatletter``) and
  ``\\graphicspath`` and ``\\special`` (xdvipdfmx reads files named in ``pdf:image``) are
  dropped, each replaced by a visible note.

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
    r"(?:\s*\{(?:[^{}]|\{[^{}]{0,1000}\}){0,1000}\})?|\^\^)"  # with its argument, when it has one
)
_PLAIN_PATH = re.compile(r"[\w./ +-]+")
_PICTURE_NOTE = r"\nbplaceholder{Image not included: its file is outside the notebook's folder}"
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


def confine_raw_latex(text: str, folder: Path | None) -> str:
    """``text`` with pictures from outside ``folder`` and path-building commands replaced."""

    def replace(match: re.Match) -> str:
        if match.group("unsafe"):
            return _UNSAFE_NOTE
        argument = match.group("argument")
        if argument is None:
            return _PICTURE_NOTE  # \let\x\includegraphics, a macro argument, ...
        path = argument.strip()[1:-1]
        return match.group(0) if picture_allowed(path, folder) else _PICTURE_NOTE

    return _COMMAND.sub(replace, text)
