"""How literal text, lines, delimited blocks and macro targets are written in AsciiDoc.

AsciiDoc reads markup in many more places than markdown: paired marks (``*`` ``_``
`````` ``#`` ``^`` ``~`` ``+``), attribute references ``{name}``, macros ``name:target[...]``,
``::`` terms and, at a line's start, lists, titles, attributes and admonitions. Text is
kept literal by writing those characters as character references (``&#42;``), which
Asciidoctor passes to every backend unchanged, and by starting a line that would read as
a block with ``{empty}``. Every function here is one linear pass.
"""

from __future__ import annotations

import html
import re

_PAIRED = {"*": "&#42;", "_": "&#95;", "`": "&#96;", "#": "&#35;"}
_ALWAYS = {"^": "&#94;", "~": "&#126;", "+": "&#43;", "{": "&#123;"}
_TEXT_SPECIAL = re.compile(r"[*_`#^~+{\[(<:;&\]]")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SPACES = re.compile(r"\s*\n\s*")
_LINE_START = re.compile(
    r"""^(?:
      [*\-.]+\s                          # list item
    | \d+\.\s | [a-zA-Z]\.\s | [ivxIVX]+\)\s   # numbered item
    | [=#]+\s                            # section title
    | \.[^.\s]                           # block title
    | \[.*\]\s*$                          # block attributes
    | //                                 # comment
    | :[\w-]*!?:(?:\s|$)                 # attribute entry
    | (?:NOTE|TIP|IMPORTANT|WARNING|CAUTION):\s
    | <<<  | '''  | -{2,}\s*$ | [-=*_+.|/]{4,}   # breaks and delimiters
    | \w+::                              # block macro
    | \s                                 # a literal paragraph
    | <\d+>\s                            # callout
    | >\s                                # markdown-style quote
    )""",
    re.VERBOSE,
)


def escape_text(text: str, in_brackets: bool = False) -> str:
    """Plain text for AsciiDoc: characters that could start markup become character references.

    ``*`` ``_`` ````` ``#`` between two letters cannot pair, so words like ``snake_case``
    stay readable. ``in_brackets`` is for macro text, which a ``]`` would end.
    """
    if not _TEXT_SPECIAL.search(text):
        return text
    out: list[str] = []
    last = len(text) - 1
    index = 0
    while index <= last:
        char, following = text[index], text[index + 1:index + 2]
        entity = _ENTITY.match(text, index) if char == "&" else None
        if entity:  # markdown keeps entities; as numeric references every backend shows them
            out.extend(f"&#{ord(c)};" for c in html.unescape(entity.group(0)))
            index = entity.end()
            continue
        if char in _PAIRED:
            inside_word = 0 < index < last and text[index - 1].isalnum() and following.isalnum()
            out.append(char if inside_word else _PAIRED[char])
        elif char in _ALWAYS:
            out.append(_ALWAYS[char])
        elif char == "[":  # macro targets and anchors need a bracket right after a non-space
            out.append("&#91;" if index == 0 or not text[index - 1].isspace() or following == "[" else char)
        elif char == "(" and following == "(":  # ((index terms))
            out.append("&#40;")
        elif char == "<" and following == "<":  # <<cross references>>
            out.append("&#60;")
        elif char == ":" and following == ":":  # term:: descriptions
            out.append("&#58;")
        elif char == ";" and (following == ";" or (out and out[-1].endswith(";"))):
            out.append("&#59;")  # term;; descriptions, also after a character reference's own ;
        elif char == "]" and in_brackets:
            out.append("&#93;")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def guard_line(line: str) -> str:
    """A line of a paragraph that AsciiDoc would read as a list, title, attribute or block start."""
    return "{empty}" + line if _LINE_START.match(line) else line


def delimited(char: str, body: str, attributes: str = "") -> str:
    """A delimited block (``----``, ``....``, ``++++``, ``____``) whose fence no line of ``body`` closes."""
    longest = max((len(line) for line in body.splitlines() if line and line == char * len(line)), default=0)
    fence = char * max(4, longest + 1)
    head = f"[{attributes}]\n" if attributes else ""
    return f"{head}{fence}\n{body}\n{fence}\n\n"


def url_target(url: str) -> str:
    """A URL as a macro target: no spaces or brackets, which would end it."""
    for char, code in ((" ", "%20"), ("\t", "%09"), ("\n", ""), ("[", "%5B"), ("]", "%5D"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return url


def bracket_text(text: str) -> str:
    """Text inside a macro's brackets: quoted when a comma or ``=`` would make it attributes."""
    text = _SPACES.sub(" ", text).strip()
    if "," in text or "=" in text or text.startswith('"'):
        return '"' + text.replace('"', '\\"') + '"'
    return text


def literal_code(code: str, unconstrained: bool) -> str:
    """Inline code shown exactly as written: monospace around a passthrough."""
    if not unconstrained and "+" not in code and "`" not in code:
        return f"`+{code}+`"
    mark = "``" if unconstrained else "`"
    escaped = code.replace("]", "\\]")
    return f"{mark}pass:c[{escaped}]{mark}"
