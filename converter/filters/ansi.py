"""Terminal text to HTML or LaTeX: carriage returns, backspaces and ANSI SGR colours.

One parser splits the text at SGR codes into styled pieces; each format writes them.
In HTML, colours become classes (``ansi-red-fg``, ``ansi-bold``) so themes can restyle
them, and 256-colour and true-colour codes become inline ``rgb()`` styles. In LaTeX
they become the ``ansi-*`` colours the templates define, or ``[HTML]`` hex values.
"""

from __future__ import annotations

import copy
import re
from html import escape
from typing import Iterator, Tuple, Union

from markupsafe import Markup

_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_CSI = re.compile(r"\x1b\[([0-9;:?]*)([@-~])")
_OTHER_ESCAPES = re.compile(r"\x1b[@-Z\\-_]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_CARRIAGE_RETURN = re.compile(r"^[^\n]*\r(?=[^\n])", re.M)


def terminal_text(text: str) -> str:
    """Apply what ``\\r`` and ``\\b`` do on a terminal, as JupyterLab shows streams."""
    if "\r" in text:
        text = _CARRIAGE_RETURN.sub("", text.replace("\r\n", "\n")).replace("\r", "")
    if "\b" in text:
        text = _apply_backspaces(text)
    return text


def _apply_backspaces(text: str) -> str:
    kept: list[str] = []
    for char in text:
        if char == "\b":
            if kept and kept[-1] != "\n":
                kept.pop()
        else:
            kept.append(char)
    return "".join(kept)


# A palette index (0-15) or an (r, g, b) triple.
Color = Union[int, Tuple[int, int, int]]


def _color_256(n: int) -> Color:
    """A 256-colour index as a palette index (0-15) or an RGB triple."""
    if n < 16:
        return n
    if n < 232:
        n -= 16
        r, g, b = (0 if c == 0 else 55 + c * 40 for c in (n // 36, (n // 6) % 6, n % 6))
        return (r, g, b)
    level = 8 + (n - 232) * 10
    return (level, level, level)


def _palette_name(index: int) -> str:
    return _NAMES[index % 8] + ("-intense" if index >= 8 else "")


class Style:
    """The SGR state at one point of the text: colours and font flags."""

    __slots__ = ("fg", "bg", "bold", "italic", "underline", "inverse")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.fg: Color | None = None
        self.bg: Color | None = None
        self.bold = self.italic = self.underline = self.inverse = False

    def apply(self, params: list[int]) -> None:
        i = 0
        while i < len(params):
            code = params[i]
            if code == 0:
                self.reset()
            elif code == 1:
                self.bold = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 7:
                self.inverse = True
            elif code in (21, 22):
                self.bold = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif code == 27:
                self.inverse = False
            elif 30 <= code <= 37:
                self.fg = code - 30
            elif 90 <= code <= 97:
                self.fg = code - 90 + 8
            elif code == 39:
                self.fg = None
            elif 40 <= code <= 47:
                self.bg = code - 40
            elif 100 <= code <= 107:
                self.bg = code - 100 + 8
            elif code == 49:
                self.bg = None
            elif code in (38, 48) and i + 1 < len(params):
                color, used = _extended_color(params[i + 1:])
                i += used
                if code == 38:
                    self.fg = color
                else:
                    self.bg = color
            i += 1

    def colors(self) -> tuple[Color | None, Color | None]:
        """Foreground and background as shown: bold makes the eight basic foreground
        colours intense (as Jupyter shows them), inverse swaps the two."""
        fg = self.fg
        if self.bold and isinstance(fg, int) and fg < 8:
            fg += 8
        return (self.bg, fg) if self.inverse else (fg, self.bg)


def _span_open(style: Style) -> str:
    """The HTML <span> opening for a style, or "" for the default style."""
    fg, bg = style.colors()
    classes: list[str] = []
    styles: list[str] = []
    for value, layer in ((fg, "fg"), (bg, "bg")):
        if isinstance(value, int):
            classes.append(f"ansi-{_palette_name(value)}-{layer}")
        elif value is not None:
            styles.append(("color: " if layer == "fg" else "background-color: ") + "rgb({},{},{})".format(*value))
    if style.inverse and fg is None:
        classes.append("ansi-default-inverse-fg")
    if style.inverse and bg is None:
        classes.append("ansi-default-inverse-bg")
    for flag, name in ((style.bold, "bold"), (style.italic, "italic"), (style.underline, "underline")):
        if flag:
            classes.append("ansi-" + name)
    if not classes and not styles:
        return ""
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    attrs += f' style="{"; ".join(styles)}"' if styles else ""
    return f"<span{attrs}>"


def _extended_color(params: list[int]) -> tuple[Color | None, int]:
    """Parse ``5;n`` or ``2;r;g;b`` after 38/48; return the colour and params consumed."""
    if params[0] == 5 and len(params) >= 2:
        return _color_256(max(0, min(params[1], 255))), 2
    if params[0] == 2 and len(params) >= 4:
        r, g, b = (max(0, min(c, 255)) for c in params[1:4])
        return (r, g, b), 4
    return None, len(params)


def ansi_pieces(text: str) -> Iterator[tuple[Style | None, str]]:
    """Split terminal text at its SGR codes into (style, text) pieces.

    The first piece has style None (no code seen yet); every later piece starts at an
    SGR code and carries the style in force from there. Other escapes are dropped.
    """
    text = _OTHER_ESCAPES.sub("", terminal_text(text))
    style = Style()
    current: Style | None = None
    chunk: list[str] = []
    position = 0
    for match in _CSI.finditer(text):
        chunk.append(text[position:match.start()])
        position = match.end()
        if match.group(2) != "m":
            continue  # cursor movement and the like: dropped
        yield current, "".join(chunk)
        chunk = []
        params = [int(p) for p in re.split("[;:]", match.group(1)) if p.isdigit()] or [0]
        style.apply(params)
        current = copy.copy(style)
    chunk.append(text[position:])
    yield current, "".join(chunk)


def ansi_to_html(text: str) -> Markup:
    """Escape terminal text for HTML, turning SGR colour codes into spans."""
    if "\x1b" not in text:
        return Markup(escape(terminal_text(text), quote=False))
    parts: list[str] = []
    span_open = False
    for style, piece in ansi_pieces(text):
        if style is not None:
            if span_open:
                parts.append("</span>")
            opening = _span_open(style)
            parts.append(opening)
            span_open = bool(opening)
        parts.append(escape(piece, quote=False))
    if span_open:
        parts.append("</span>")
    return Markup("".join(parts))


def _latex_color(color: Color, layer: str) -> str:
    # Foregrounds use the templates' \nbcolor{name} and \nbrgb{RRGGBB}, which let a long
    # coloured line break; plain two-argument macros, so fvextra can split the line.
    if isinstance(color, int):
        return ("\\nbcolor{" if layer == "fg" else "\\colorbox{") + f"ansi-{_palette_name(color)}}}"
    # HTML hex rather than RGB: fvextra's line breaking must not split "r,g,b".
    return ("\\nbrgb{" if layer == "fg" else "\\colorbox[HTML]{") + "{:02X}{:02X}{:02X}}}".format(*color)


def _latex_styled(style: Style, text: str) -> str:
    """One line of escaped text wrapped in the commands for ``style``."""
    fg, bg = style.colors()
    if style.inverse:
        fg = 0 if fg is None else fg
        bg = 7 if bg is None else bg
    if style.bold:
        text = "\\textbf{" + text + "}"
    if style.italic:
        text = "\\textit{" + text + "}"
    if style.underline:
        text = "\\underline{" + text + "}"
    if fg is not None:
        text = _latex_color(fg, "fg") + "{" + text + "}"
    if bg is not None:
        text = _latex_color(bg, "bg") + "{" + text + "}"
    return text


def ansi_to_latex(text: str) -> str:
    """Terminal text for a Verbatim environment with ``commandchars=\\\\\\{\\}``.

    Colours become LaTeX colour commands, applied line by line: Verbatim typesets
    each line on its own, so no group may span a line break.
    """
    from converter.filters.latex import escape_verbatim

    if "\x1b" not in text:
        return escape_verbatim(terminal_text(text))
    parts: list[str] = []
    for style, piece in ansi_pieces(text):
        if style is None or not piece:
            parts.append(escape_verbatim(piece))
            continue
        lines = escape_verbatim(piece).split("\n")
        parts.append("\n".join(_latex_styled(style, line) if line else line for line in lines))
    return "".join(parts)


def strip_ansi(text: str) -> str:
    """Terminal text with every escape sequence removed."""
    return _OTHER_ESCAPES.sub("", _CSI.sub("", terminal_text(text)))
