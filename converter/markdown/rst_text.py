"""reST text: escaping plain and interpreted text, guarding paragraph starts, URIs, widths.

The rules of reST's inline markup recognition, apart from the renderer that applies them
(converter.markdown.rst).
"""

from __future__ import annotations

import re
import unicodedata

_PRECEDE = set("-:/'\"<([{")
_FOLLOW = set("-.,:;!?\\/'\")]}>")
_TEXT_SPECIAL = re.compile(r"[\\*`|]|_(?![^\W_])")
_INTERPRETED_SPECIAL = re.compile(r"[\\`<]")
SPACES = re.compile(r"\s*\n\s*")
_BLOCK_START = re.compile(
    r"""^(?:
      \.\.(?:\s|$)                                          # comment or directive
    | [-+*\u2022\u2023\u2043](?:\s|$)                       # bullet
    | --|\u2014|[-+/]\w                                     # attribution, option list
    | \(?(?:\d+|[A-Za-z]|[ivxlcdmIVXLCDM]+|\#)[.)](?:\s|$)  # enumerator
    | :[^:\s`][^:`]*:(?:\s|$)                               # field list
    | >>>                                                   # doctest
    | ([!-/:-@\[-`{-~])\1{3,}\s*$                           # transition or adornment
    )""",
    re.VERBOSE,
)


def escape_text(text: str) -> str:
    """Plain text for reST: backslash the characters that could start inline markup."""
    return _TEXT_SPECIAL.sub(lambda m: "\\" + m.group(0), text.replace("\n", " "))


def escape_interpreted(text: str) -> str:
    """Text inside backquotes (link text, roles): backslash, backquote and ``<`` escaped."""
    return _INTERPRETED_SPECIAL.sub(lambda m: "\\" + m.group(0), SPACES.sub(" ", text).strip())


def guard_block(text: str) -> str:
    """Keep a paragraph a paragraph: escape a start that reST reads as a list, directive,
    field, option or transition, and an ending ``::`` that announces a literal block."""
    if text.endswith("::"):
        text = text[:-1] + "\\:"
    if _BLOCK_START.match(text):
        text = "\\" + text
    return text


def column_width(text: str) -> int:
    """Columns a title takes, as docutils counts them (wide East Asian characters are 2)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def uri(url: str) -> str:
    """A URL safe inside ``<...>`` or a directive argument: no spaces, no closing bracket,
    and no trailing underscore (which would make it a reference name)."""
    for char, code in ((" ", "%20"), ("\t", "%09"), ("\n", ""), ("\\", "%5C"), ("<", "%3C"), (">", "%3E"), ("`", "%60")):
        url = url.replace(char, code)
    return url[:-1] + "\\_" if url.endswith("_") else url


def may_precede(char: str) -> bool:
    return char.isspace() or char in _PRECEDE or (ord(char) > 127 and unicodedata.category(char) in ("Ps", "Pi", "Pf", "Pd", "Po"))


def may_follow(char: str) -> bool:
    return char.isspace() or char in _FOLLOW or (ord(char) > 127 and unicodedata.category(char) in ("Pe", "Pi", "Pf", "Pd", "Po"))
