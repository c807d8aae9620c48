"""Fonts for the scripts DejaVu lacks (CJK, Arabic, Hebrew, Indic, emoji) in LaTeX output.

xelatex has no font fallback: a character missing from the current font is dropped
with a log line. So every run of characters of such a script is wrapped in a group
that selects a font which has it (``{\\nbfontcjk 中文}``), and the preamble declares
only the fonts the notebook uses, each guarded by ``\\IfFontExistsTF`` so that a
machine without the font still compiles (the glyphs are then missing, as before).
Right-to-left runs are typeset right to left (``\\beginR``, TeX--XeT).

Wrapping is one regex pass over text that is not pure ASCII, linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Script:
    """A group of Unicode ranges typeset with one font."""

    name: str           # the font command is \nbfont<name>
    font: str           # a family installed by Debian's fonts-noto-* / fonts-symbola
    ranges: str         # a regex character class body
    options: str = ""   # fontspec options
    rtl: bool = False


SCRIPTS = (
    Script("cjk", "Noto Sans CJK SC",
           "\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f"
           "\u3190-\u31ff\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
           "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"),
    Script("arabic", "Noto Naskh Arabic", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff",
           "Script=Arabic", rtl=True),
    Script("hebrew", "Noto Sans Hebrew", "\u0590-\u05ff\ufb1d-\ufb4f", "Script=Hebrew", rtl=True),
    Script("devanagari", "Noto Sans Devanagari", "\u0900-\u097f\ua8e0-\ua8ff", "Script=Devanagari"),
    Script("bengali", "Noto Sans Bengali", "\u0980-\u09ff", "Script=Bengali"),
    Script("tamil", "Noto Sans Tamil", "\u0b80-\u0bff", "Script=Tamil"),
    Script("thai", "Noto Sans Thai", "\u0e00-\u0e7f", "Script=Thai"),
    Script("emoji", "Symbola", "\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u231a\u231b\u23e9-\u23f3"),
)

# One alternative per script: a run of its characters (and the joiners/variation
# selectors that belong to them), named by the script so the replacement knows the font.
# A right-to-left run goes on across the spaces and punctuation between its words, so
# the words of a sentence are laid out right to left too.
_BETWEEN_RTL = " \u00a0.,:;!?()\u060c\u061b\u061f\u06d4-"
_RUN = re.compile("|".join(
    f"(?P<{script.name}>[{script.ranges}][{script.ranges}\u200c\u200d\ufe0e\ufe0f]*"
    + (f"(?:[{_BETWEEN_RTL}]+[{script.ranges}][{script.ranges}\u200c\u200d]*)*" if script.rtl else "")
    + ")" for script in SCRIPTS
))
_BY_NAME = {script.name: script for script in SCRIPTS}


def _wrap(match: re.Match) -> str:
    script = _BY_NAME[match.lastgroup]
    run = match.group()
    if script.rtl:
        return f"{{\\nbfont{script.name}\\beginR {run}\\endR}}"
    return f"{{\\nbfont{script.name} {run}}}"


def wrap_scripts(text: str) -> str:
    """``text`` (already escaped for LaTeX) with each foreign-script run in its font group."""
    if text.isascii():
        return text
    return _RUN.sub(_wrap, text)


def scripts_in(texts: Iterable[str]) -> list[str]:
    """The names of the scripts that occur in ``texts``, in table order."""
    found: set[str] = set()
    for text in texts:
        if text.isascii():
            continue
        for match in _RUN.finditer(text):
            found.add(match.lastgroup)
            if len(found) == len(SCRIPTS):
                break
    return [script.name for script in SCRIPTS if script.name in found]


def notebook_texts(nb) -> Iterable[str]:
    """Every string of the notebook that can reach the document: sources and outputs."""
    yield str(nb.get("metadata", {}).get("title", ""))
    for cell in nb.get("cells", ()):
        source = cell.get("source", "")
        yield source if isinstance(source, str) else "".join(source)
        for output in cell.get("outputs", ()):
            for value in (output.get("text"), output.get("evalue"), *output.get("traceback", ()),
                          *(output.get("data") or {}).values()):
                if isinstance(value, str):
                    yield value
                elif isinstance(value, list):
                    yield "".join(part for part in value if isinstance(part, str))


def font_setup(names: Iterable[str]) -> str:
    """Preamble lines declaring the fonts of the scripts ``names``."""
    lines = []
    for name in names:
        script = _BY_NAME[name]
        options = f"[{script.options}]" if script.options else ""
        lines.append(f"\\IfFontExistsTF{{{script.font}}}{{\\newfontfamily\\nbfont{name}{{{script.font}}}{options}}}"
                     f"{{\\newcommand\\nbfont{name}{{}}}}")
    if any(_BY_NAME[name].rtl for name in names):
        lines.append("\\TeXXeTstate=1")
    if "cjk" in names:  # CJK text breaks between any two characters
        lines.append("\\XeTeXlinebreaklocale \"zh\"\n\\XeTeXlinebreakskip=0pt plus 1pt")
    return "\n".join(lines)
