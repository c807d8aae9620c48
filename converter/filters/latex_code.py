"""Pygments' LaTeX formatter with its per-token work done once per token type.

``LatexFormatter`` escapes every token with eighteen ``str.replace`` calls and walks the
token type's parents for its style name every time; a 2,000-cell notebook spends more time
there than in its template. This subclass writes the same bytes: one ``str.translate``
table for the escapes and a dictionary of style names. Options it does not speed up
(line numbers, TeX comments, math escapes, escapeinside, full documents) go to pygments.
"""

from __future__ import annotations

from typing import Any, Iterable, TextIO

from pygments.formatters.latex import LatexFormatter, _get_ttype_name
from pygments.token import Escape, Token

from converter.filters.latex_scripts import wrap_scripts

# The characters pygments' escape_tex replaces, and the macro names it uses for them.
_ESCAPED = {"\\": "Zbs", "{": "Zob", "}": "Zcb", "^": "Zca", "_": "Zus", "&": "Zam", "<": "Zlt",
            ">": "Zgt", "#": "Zsh", "%": "Zpc", "$": "Zdl", "-": "Zhy", "'": "Zsq", '"': "Zdq",
            "~": "Zti"}


class LatexCodeFormatter(LatexFormatter):
    """``LatexFormatter`` output, computed with cached escapes and style names."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        prefix = self.commandprefix
        self._escapes = str.maketrans({char: f"\\{prefix}{name}{{}}" for char, name in _ESCAPED.items()})
        self._styles: dict[Any, str] = {}

    def _style(self, ttype: Any) -> str:
        """The ``+``-joined style names of ``ttype`` and its parents, as pygments writes them."""
        style = self._styles.get(ttype)
        if style is None:
            names = []
            kind = ttype
            while kind is not Token:
                names.append(self.ttype2name[kind] if kind in self.ttype2name else _get_ttype_name(kind))
                kind = kind.parent
            style = self._styles[ttype] = "+".join(reversed(names))
        return style

    def format_unencoded(self, tokensource: Iterable[tuple[Any, str]], outfile: TextIO) -> None:
        if (self.full or self.nowrap or self.linenos or self.texcomments or self.mathescape
                or self.escapeinside or self.verboptions):
            return super().format_unencoded(tokensource, outfile)
        write = outfile.write
        prefix = self.commandprefix
        write(f"\\begin{{{self.envname}}}[commandchars=\\\\\\{{\\}}]\n")
        for ttype, value in tokensource:
            if ttype not in Escape:
                value = wrap_scripts(value.translate(self._escapes))
            style = self._style(ttype)
            if not style:
                write(value)
                continue
            lines = value.split("\n")
            for line in lines[:-1]:
                if line:
                    write(f"\\{prefix}{{{style}}}{{{line}}}")
                write("\n")
            if lines[-1]:
                write(f"\\{prefix}{{{style}}}{{{lines[-1]}}}")
        write(f"\\end{{{self.envname}}}\n")
