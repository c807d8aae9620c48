"""Terminal text to HTML: carriage returns, backspaces and ANSI SGR colours.

Colours become classes (``ansi-red-fg``, ``ansi-bold``) so themes can restyle them;
256-colour and true-colour codes become inline ``rgb()`` styles.
"""

from __future__ import annotations

import re
from html import escape

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


def _color_256(n: int) -> str | int:
    """A 256-colour index as a palette index (0-15) or a CSS rgb() value."""
    if n < 16:
        return n
    if n < 232:
        n -= 16
        r, g, b = (n // 36, (n // 6) % 6, n % 6)
        return "rgb({},{},{})".format(*(0 if c == 0 else 55 + c * 40 for c in (r, g, b)))
    level = 8 + (n - 232) * 10
    return f"rgb({level},{level},{level})"


class _Style:
    __slots__ = ("fg", "bg", "bold", "italic", "underline", "inverse")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.fg: str | int | None = None
        self.bg: str | int | None = None
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

    def span_open(self) -> str:
        fg, bg = (self.bg, self.fg) if self.inverse else (self.fg, self.bg)
        classes: list[str] = []
        styles: list[str] = []
        for value, layer in ((fg, "fg"), (bg, "bg")):
            if isinstance(value, int):
                name = _NAMES[value % 8] + ("-intense" if value >= 8 else "")
                classes.append(f"ansi-{name}-{layer}")
            elif isinstance(value, str):
                styles.append(("color: " if layer == "fg" else "background-color: ") + value)
        if self.inverse and fg is None:
            classes.append("ansi-default-inverse-fg")
        if self.inverse and bg is None:
            classes.append("ansi-default-inverse-bg")
        for flag, name in ((self.bold, "bold"), (self.italic, "italic"), (self.underline, "underline")):
            if flag:
                classes.append("ansi-" + name)
        if not classes and not styles:
            return ""
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        attrs += f' style="{"; ".join(styles)}"' if styles else ""
        return f"<span{attrs}>"


def _extended_color(params: list[int]) -> tuple[str | int | None, int]:
    """Parse ``5;n`` or ``2;r;g;b`` after 38/48; return the colour and params consumed."""
    if params[0] == 5 and len(params) >= 2:
        return _color_256(max(0, min(params[1], 255))), 2
    if params[0] == 2 and len(params) >= 4:
        r, g, b = (max(0, min(c, 255)) for c in params[1:4])
        return f"rgb({r},{g},{b})", 4
    return None, len(params)


def ansi_to_html(text: str) -> Markup:
    """Escape terminal text for HTML, turning SGR colour codes into spans."""
    text = terminal_text(text)
    if "\x1b" not in text:
        return Markup(escape(text, quote=False))
    text = _OTHER_ESCAPES.sub("", text)
    style = _Style()
    parts: list[str] = []
    position = 0
    span_open = False
    for match in _CSI.finditer(text):
        parts.append(escape(text[position:match.start()], quote=False))
        position = match.end()
        if match.group(2) != "m":
            continue  # cursor movement and the like: dropped
        params = [int(p) for p in re.split("[;:]", match.group(1)) if p.isdigit()] or [0]
        style.apply(params)
        if span_open:
            parts.append("</span>")
        opening = style.span_open()
        parts.append(opening)
        span_open = bool(opening)
    parts.append(escape(text[position:], quote=False))
    if span_open:
        parts.append("</span>")
    return Markup("".join(parts))


def strip_ansi(text: str) -> str:
    """Terminal text with every escape sequence removed."""
    return _OTHER_ESCAPES.sub("", _CSI.sub("", terminal_text(text)))
