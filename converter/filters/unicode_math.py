"""Letters in a MathML ``mathvariant`` (bold, double-struck, ...) as Unicode math letters.

MathML Core, which Chromium implements, draws only ``mathvariant="normal"``; the other
styles exist as characters of their own (Mathematical Alphanumeric Symbols, U+1D400).
"""

from __future__ import annotations

# variant -> (first capital A, first small a, first digit 0 or 0, first capital Alpha or 0)
_BLOCKS = {
    "bold": (0x1D400, 0x1D41A, 0x1D7CE, 0x1D6A8),
    "italic": (0x1D434, 0x1D44E, 0, 0x1D6E2),
    "bold-italic": (0x1D468, 0x1D482, 0x1D7CE, 0x1D71C),
    "script": (0x1D49C, 0x1D4B6, 0, 0),
    "bold-script": (0x1D4D0, 0x1D4EA, 0x1D7CE, 0),
    "fraktur": (0x1D504, 0x1D51E, 0, 0),
    "double-struck": (0x1D538, 0x1D552, 0x1D7D8, 0),
    "bold-fraktur": (0x1D56C, 0x1D586, 0x1D7CE, 0),
    "sans-serif": (0x1D5A0, 0x1D5BA, 0x1D7E2, 0),
    "bold-sans-serif": (0x1D5D4, 0x1D5EE, 0x1D7EC, 0x1D756),
    "sans-serif-italic": (0x1D608, 0x1D622, 0x1D7E2, 0),
    "sans-serif-bold-italic": (0x1D63C, 0x1D656, 0x1D7EC, 0x1D790),
    "monospace": (0x1D670, 0x1D68A, 0x1D7F6, 0),
}
# Letters that Unicode had before the block, left as holes in it.
_HOLES = {
    ("italic", "h"): "\u210e",
    **{("script", k): v for k, v in zip("BEFHILMRego", "\u212c\u2130\u2131\u210b\u2110\u2112\u2133\u211b\u212f\u210a\u2134")},
    **{("fraktur", k): v for k, v in zip("CHIRZ", "\u212d\u210c\u2111\u211c\u2128")},
    **{("double-struck", k): v for k, v in zip("CHNPQRZ", "\u2102\u210d\u2115\u2119\u211a\u211d\u2124")},
}


def styled_character(char: str, variant: str) -> str:
    hole = _HOLES.get((variant, char))
    if hole:
        return hole
    capital, small, digit, greek = _BLOCKS[variant]
    if "A" <= char <= "Z":
        return chr(capital + ord(char) - ord("A"))
    if "a" <= char <= "z":
        return chr(small + ord(char) - ord("a"))
    if digit and "0" <= char <= "9":
        return chr(digit + ord(char) - ord("0"))
    if greek and "\u0391" <= char <= "\u03a9":
        return chr(greek + ord(char) - 0x391)
    if greek and "\u03b1" <= char <= "\u03c9":
        return chr(greek + 26 + ord(char) - 0x3B1)
    return char


def styled_text(text: str, variant: str) -> str:
    """``text`` in ``variant``; characters without a styled form, and unknown variants, unchanged."""
    if variant not in _BLOCKS:
        return text
    return "".join(styled_character(char, variant) for char in text)
