"""The specials of an XDV file (XeTeX's output before xdvipdfmx), read to check files.

TeX's own reads are kept inside the compile folder and the notebook's folder by
kpathsea's paranoid mode, but the PDF driver opens whatever file a special names
(``pdf:image``, ``pdf:fstream``, ``psfile=``, ...), and a special can be built by any
TeX code, including a ``.tex`` file beside the notebook that a raw cell ``\\input``s.
So the check is made on what XeTeX wrote: every special of every page is read here,
and ``converter.exporters.pdf_driver`` decides which ones may reach xdvipdfmx.

The format is DVI (``texdoc dvitype``) with XeTeX's opcodes 250-254; a file that does
not parse to its last page is refused rather than guessed at. One pass: linear time.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from converter.errors import LatexError

XDV_IDS = (6, 7)
_PRE, _POST, _BOP, _EOP = 247, 248, 139, 140
_XXX = range(239, 243)
_NATIVE_FONT_DEF, _GLYPHS, _TEXT_AND_GLYPHS = 252, 253, 254
_FLAG_COLORED, _FLAG_EXTEND, _FLAG_SLANT, _FLAG_EMBOLDEN = 0x0200, 0x1000, 0x2000, 0x4000


@dataclass(frozen=True)
class Special:
    """One ``\\special``: its text and where that text sits in the file."""

    start: int
    end: int
    text: bytes


def _fixed_lengths() -> dict[int, int]:
    """Opcode -> number of parameter bytes, for every opcode with fixed parameters."""
    lengths = {code: 0 for code in range(0, 128)}          # set_char_i
    lengths.update({code: 0 for code in range(171, 235)})  # fnt_num_i
    for first in (128, 133, 143, 148, 153, 157, 162, 167, 235):  # set, put, right, w, x, down, y, z, fnt
        for size in range(1, 5):
            lengths[first + size - 1] = size
    lengths.update({132: 8, 137: 8, 138: 0, _EOP: 0, 141: 0, 142: 0, 147: 0, 152: 0, 161: 0, 166: 0,
                    _BOP: 44, 250: 0, 251: 0})  # 250/251: XeTeX's begin/end reflect
    return lengths


_FIXED = _fixed_lengths()


def specials(data: bytes, fonts: list[str] | None = None) -> list[Special]:
    """Every special on the pages of an XDV file, in order; the file of every native font
    it uses is added to ``fonts`` when given (the driver embeds from those files too).

    Raises LatexError when the file is not an XDV file this parser knows to its end.
    """
    if len(data) < 15 or data[0] != _PRE or data[1] not in XDV_IDS:
        raise LatexError("xelatex wrote an output this checker cannot read (not XDV 6 or 7)")
    found: list[Special] = []
    position = 15 + data[14]  # pre: i[1] num[4] den[4] mag[4] k[1] comment[k]
    try:
        while True:
            opcode = data[position]
            position += 1
            if opcode == _POST:
                return found
            if opcode in _FIXED:
                position += _FIXED[opcode]
            elif opcode in _XXX:
                size = opcode - 238
                length = int.from_bytes(data[position:position + size], "big")
                start = position + size
                position = start + length
                found.append(Special(start, position, data[start:position]))
            elif 243 <= opcode <= 246:  # fnt_def: k[1-4] c[4] s[4] d[4] a[1] l[1] name[a+l]
                position += opcode - 242 + 12
                position += 2 + data[position] + data[position + 1]
            elif opcode == _NATIVE_FONT_DEF:  # k[4] s[4] flags[2] l[1] name[l] index[4] extras
                flags = struct.unpack_from(">H", data, position + 8)[0]
                if fonts is not None:
                    fonts.append(data[position + 11:position + 11 + data[position + 10]].decode("utf-8", "replace"))
                position += 11 + data[position + 10] + 4
                position += 4 * sum(bool(flags & flag) for flag in
                                    (_FLAG_COLORED, _FLAG_EXTEND, _FLAG_SLANT, _FLAG_EMBOLDEN))
            elif opcode == _GLYPHS:  # w[4] n[2] xy[8n] glyph[2n]
                count = struct.unpack_from(">H", data, position + 4)[0]
                position += 6 + 10 * count
            elif opcode == _TEXT_AND_GLYPHS:  # l[2] text[2l] w[4] n[2] xy[8n] glyph[2n]
                text_length = struct.unpack_from(">H", data, position)[0]
                position += 2 + 2 * text_length
                count = struct.unpack_from(">H", data, position + 4)[0]
                position += 6 + 10 * count
            else:
                raise LatexError(f"xelatex wrote an opcode this checker does not know ({opcode})")
            if position > len(data):
                raise IndexError
    except (IndexError, struct.error):
        raise LatexError("xelatex wrote a truncated output (XDV)") from None


def blank(data: bytearray, special: Special) -> None:
    """Make ``special`` say nothing: its bytes become spaces (offsets stay as they are)."""
    data[special.start:special.end] = b" " * (special.end - special.start)
