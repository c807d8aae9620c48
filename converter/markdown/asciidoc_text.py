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
_TEXT_SPECIAL = re.compile(r"[*_`#^~+{\[(<>:;&\].\\$-]")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SPACES = re.compile(r"\s*\n\s*")
_MACRO_NAME = re.compile(r"(?:link|mailto|image|icon|kbd|btn|menu|footnote|footnoteref|pass|stem|"
                         r"latexmath|asciimath|anchor|xref|indexterm2?|include)$")
_SYMBOLS = ("(C)", "(R)", "(TM)")  # replaced by (c) (r) tm signs unless escaped
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


def escape_text(text: str, in_brackets: bool = False, before: str = "", after: str = "") -> str:
    """Plain text for AsciiDoc: characters that could start markup become character references.

    ``*`` ``_`` ````` ``#`` between two letters cannot pair, so words like ``snake_case``
    stay readable. ``in_brackets`` is for macro text, which a ``]`` would end. ``before``
    and ``after`` are the plain text next to this piece (markdown splits text at
    backslash escapes), so a ``...`` or ``->`` across the split is seen whole.
    """
    if not _TEXT_SPECIAL.search(text):
        return text
    full, offset = before + text + after, len(before)
    out: list[str] = []
    last = len(text) - 1
    index = 0
    while index <= last:
        char, at = text[index], offset + index
        previous, following = full[at - 1:at] if at else "", full[at + 1:at + 2]
        entity = _ENTITY.match(text, index) if char == "&" else None
        if entity:  # markdown keeps entities; as numeric references every backend shows them
            out.extend(f"&#{ord(c)};" for c in html.unescape(entity.group(0)))
            index = entity.end()
            continue
        if char in _PAIRED:
            out.append(char if previous.isalnum() and following.isalnum() else _PAIRED[char])
        elif char in _ALWAYS:
            out.append(_ALWAYS[char])
        elif char == "$" and (following == "$" or previous == "$"):  # $$...$$ is a passthrough
            out.append("&#36;")
        elif char == "[":  # macro targets and anchors need a bracket right after a non-space
            out.append(char if previous.isspace() and following != "[" else "&#91;")
        elif char == "(" and (following == "(" or full.startswith(_SYMBOLS, at)):  # ((index)), (C)
            out.append("&#40;")
        elif char == "<" and following in ("<", "-", "="):  # <<cross references>>, arrows <- <=
            out.append("&#60;")
        elif char == ">" and previous in ("-", "="):  # arrows -> =>
            out.append("&#62;")
        elif char in ".-" and full.startswith(("...", "--")[char == "-"], at):  # ellipsis, em dash
            out.append("&#46;" if char == "." else "&#45;")
        elif char == ":" and (following == ":" or full.startswith("//", at + 1) or index == last
                              or _MACRO_NAME.search(full, max(0, at - 12), at)):
            out.append("&#58;")  # term::, bare URLs, macro names (link:, image:, ...) before a macro
        elif char == "&" and index == last:  # the next token could complete an entity
            out.append("&#38;")
        elif char == "\\" and not (following.isalnum() or following.isspace()):
            out.append("&#92;")  # it would escape the markup or character reference after it
        elif char == ";" and (following == ";" or index == 0 or out[-1].endswith(";")):
            out.append("&#59;")  # term;; descriptions, also after a character reference's own ;
        elif char == "]" and (in_brackets or index == last):  # [attributes] before a mark that follows
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
    """A URL as a macro target: no spaces, brackets or attribute references, which would end
    or change it (a block macro's target sees only attribute substitution)."""
    for char, code in ((" ", "%20"), ("\t", "%09"), ("\n", ""), ("[", "%5B"), ("]", "%5D"), ("<", "%3C"),
                       (">", "%3E"), ("{", "%7B"), ("}", "%7D")):
        url = url.replace(char, code)
    return url


def link_target(url: str) -> str:
    """A link macro's target inside ``++``, so quotes and replacements leave the URL alone."""
    url = url_target(url)
    return "++" + (url.replace("+", "%2B") if "++" in url or url.endswith("+") else url) + "++"


def inline_image_target(url: str) -> str:
    """An inline image's target: it goes through a paragraph's markup substitutions first,
    so the characters they read are percent-encoded (``_`` only where it could pair)."""
    out = []
    for index, char in enumerate(url_target(url)):
        inside_word = 0 < index < len(url) - 1 and url[index - 1].isalnum() and url[index + 1:index + 2].isalnum()
        if char in "*`^~()'\"+#" or (char == "_" and not inside_word):
            out.append(f"%{ord(char):02X}")
        else:
            out.append(char)
    return "".join(out)


def bracket_text(text: str, attributes: bool = False) -> str:
    """Text inside a macro's brackets, quoted where it would be read as attributes: a link's
    text when it holds ``=``, an image's (``attributes``) when it holds ``,`` too."""
    text = _SPACES.sub(" ", text).strip()
    if not ("=" in text or (attributes and ("," in text or text.startswith('"')))):
        return text
    if text.endswith("\\"):  # it would escape the closing quote
        text = text[:-1] + "&#92;"
    return '"' + text.replace('"', '\\"') + '"'


def literal_code(code: str, unconstrained: bool) -> str:
    """Inline code shown exactly as written: monospace around a passthrough.

    A line holding ``::`` or ``;;`` and a space is a description list before any inline
    markup is read, so such pairs are split between two passthroughs.
    """
    pairs = "::" in code or ";;" in code
    plain = not any(c in code for c in ("+", "`", "pass:", "$$")) and code == code.strip()
    if not (unconstrained or pairs) and plain:
        return f"`+{code}+`"
    mark = "``" if unconstrained else "`"
    escaped = code.replace("]", "\\]") + (" " if code.endswith("\\") else "")  # \] would not close it
    if pairs:
        escaped = escaped.replace("::", ":]pass:c[:").replace(";;", ";]pass:c[;")
    return f"{mark}pass:c[{escaped}]{mark}"
