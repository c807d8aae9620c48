"""Text made safe for LaTeX: special characters, URLs and file names.

Every string that comes from a notebook goes through one of these before it lands in a
.tex file, so no notebook text can start a command, a comment or an alignment cell.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from converter.filters.latex_scripts import wrap_scripts

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # Brackets in braces: never read as the optional argument of \item, \\ or a rule.
    "[": "{[}",
    "]": "{]}",
}
_SPECIAL_PATTERN = re.compile(r"[\\{}#$%&_~^\[\]]")
# Control characters TeX rejects or treats as \outer (form feed), except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_VERBATIM_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}"}
_VERBATIM_PATTERN = re.compile(r"[\\{}]")
_SAFE_URL_SCHEMES = ("http:", "https:", "mailto:", "ftp:", "ftps:")
_FILE_NAME_UNSAFE = re.compile(r"[^\w .,+=@-]")


def strip_control(text: str) -> str:
    """Text without the control characters a TeX engine would choke on."""
    return _CONTROL.sub("", text)


def escape_latex(text: str) -> str:
    """Plain text for running LaTeX text: every special character made literal, and
    characters of scripts the main font lacks set in a font that has them."""
    return wrap_scripts(_SPECIAL_PATTERN.sub(lambda m: _SPECIAL[m.group()], strip_control(text)))


def escape_verbatim(text: str) -> str:
    """Text for a Verbatim environment with ``commandchars=\\\\\\{\\}``: only ``\\ { }`` are special."""
    return wrap_scripts(_VERBATIM_PATTERN.sub(lambda m: _VERBATIM_SPECIAL[m.group()], strip_control(text)))


def latex_url(url: str) -> str | None:
    """The argument of ``\\href`` for a web or relative link; None for other schemes.

    Schemes like ``run:`` or ``file:`` would become launch actions in the PDF, so only
    web, mail and relative links are kept. The result survives being inside another
    command's argument (a heading, a footnote, a table cell).
    """
    url = strip_control(url).strip()
    scheme = url.split(":", 1)[0].lower() + ":" if ":" in url.split("/", 1)[0] else ""
    if scheme and scheme not in _SAFE_URL_SCHEMES:
        return None
    encoded = quote(url, safe="/:?=&;@+$,-_.!'()*#%")
    return encoded.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")


def safe_file_name(name: str) -> str:
    """A file or folder name that ``\\includegraphics`` reads as written (no ``% # { } ~ ^ $ &``)."""
    return _FILE_NAME_UNSAFE.sub("_", name).strip() or "notebook"
