"""What a PDF compile may read: TeX's own reads checked, and XeTeX's XDV output made
into a PDF by xdvipdfmx with only the files it may embed.

The compile folder holds copies of the notebook's files (converter.exporters.pdf_inputs)
and TeX runs in kpathsea's paranoid mode, so TeX should read nothing else but its own
trees; as a second line, xelatex runs with ``-recorder`` and every file it read (its
``.fls``) must resolve, symlinks included, into the compile folder or a TeX tree, or no
PDF is made.

A special is an instruction to the PDF driver, and some make it read a file:
``pdf:image (/home/me/secret.pdf)`` embeds one, and the driver looks names up with
kpathsea, which expands ``$HOME`` and ``~``. TeX code can build a special in ways no
scan of the source sees (a ``.tex`` beside the notebook that a raw cell ``\\input``s,
a ``.bib`` field, macros). So the XDV is checked: a special passes when its kind is on
the list below, and a picture only when its name is plain and its file is in the
compile folder or a TeX tree. Anything else is blanked, counted in a warning line,
and the rest of the PDF is made.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

from converter.errors import LatexError
from converter.exporters import xdv

# Kinds of special that only draw, link or describe: they read no file.
_HARMLESS_PDF = frozenset("""
    ann annot annotation bann bannot beginann eann eannot endann out outline article art bead
    thread dest destination obj object docinfo docview content put close bop eop link nolink
    bcolor begincolor bc scolor setcolor sc ecolor endcolor ec bgray begingray bg egray endgray
    eg bgcolor bgc bbc bbg pagesize btrans begintransform etrans endtransform bform beginxobj
    bxobj eform endxobj exobj usexobj uxobj literal stream names bbox bcontent econtent code
    minorversion majorversion
""".split())
_PICTURE_PDF = frozenset({"image", "img", "epdf"})
_HARMLESS_X = frozenset("""
    scale bscale escale rotate brotate erotate gsave grestore backgroundcolor textcolor
    textcolorpush textcolorpop shadow colorshadow renderingmode
""".split())
# PDF objects that run something or fetch/embed content when the reader opens or clicks:
# a PDF made from a notebook has no use for them (hyperref's links are /URI and /GoTo).
_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|GoToR|GoToE|ImportData|SubmitForm|RichMedia|EmbeddedFiles?"
                     rb"|Rendition|Sound|Movie|XFA)(?![A-Za-z0-9])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")  # /Java#53cript is /JavaScript


def _unescape_name(match: re.Match) -> bytes:
    return bytes([int(match.group(1), 16)])


_KIND = re.compile(rb"\s*(pdf|x|dvipdfmx|color|background|papersize|landscape)(?::\s*([A-Za-z]*)|\b)")
_CONFIG_SAFE = re.compile(rb"\s*dvipdfmx:config\s+C\s+(?:0x)?[0-9A-Fa-f]+\s*")


def make_pdf(directory: Path, job: str, env: dict[str, str], roots: tuple[Path, ...],
             warnings: list[str], name: str, timeout: float) -> None:
    """``job.xdv`` in ``directory`` made into ``job.pdf``, after removing what may not pass.

    ``env`` is xelatex's: the driver looks up relative picture names on the same paths.
    ``roots`` are the compile's ``allowed_roots``.
    """
    path = directory / f"{job}.xdv"
    data = bytearray(path.read_bytes())
    searched = roots[:1]
    fonts: list[str] = []
    removed = [special for special in xdv.specials(bytes(data), fonts) if not _allowed(special.text, searched, roots)]
    font_roots = roots + _font_folders()
    for font in dict.fromkeys(fonts):
        if not any((directory / font).resolve().is_relative_to(root) for root in font_roots):
            raise OutsideRead(f"{name}: the LaTeX uses a font file outside the system's fonts and TeX's "
                              f"({font}); no PDF was made")
    for special in removed:
        xdv.blank(data, special)
    if removed:
        path.write_bytes(data)
        first = " ".join(removed[0].text.decode("latin-1").split())
        first = first if len(first) <= 80 else first[:77] + "..."
        warnings.append(f"{len(removed)} instruction(s) to the PDF driver removed: they would read a file "
                        f"outside the notebook's folder or are not allowed (the first: {first})")
    driver = shutil.which("xdvipdfmx")
    if driver is None:
        raise LatexError("xdvipdfmx not found: install the Debian package texlive-xetex")
    try:
        done = subprocess.run([driver, "-q", "-E", "-o", f"{job}.pdf", f"{job}.xdv"], cwd=directory,
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LatexError(f"{name}: xdvipdfmx did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        message = " ".join(done.stderr.decode("utf-8", "replace").split())[:300]
        raise LatexError(f"{name}: xdvipdfmx failed (exit {done.returncode}): {message}")


class OutsideRead(LatexError):
    """TeX read a file outside the folders a compile may read: no PDF, no fallback."""


def check_recorded_reads(directory: Path, job: str, roots: tuple[Path, ...], name: str) -> None:
    """Raise LatexError when xelatex's ``job.fls`` names a file outside ``roots``."""
    recorded = directory / f"{job}.fls"
    if not recorded.is_file():
        raise OutsideRead(f"{name}: xelatex did not record the files it read")
    for line in recorded.read_text("utf-8", "surrogateescape").splitlines():
        if line.startswith("INPUT "):
            path = (directory / line[len("INPUT "):]).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise OutsideRead(f"{name}: the LaTeX read a file outside the notebook's folder "
                                 f"({path}); no PDF was made")


def _allowed(text: bytes, searched: tuple[Path, ...], roots: tuple[Path, ...]) -> bool:
    """Whether a special may reach the driver; a picture's relative name is looked up
    in each folder of ``searched`` (as kpathsea does), and every match must be in ``roots``."""
    kind = _KIND.match(text)
    if kind is None:
        return False
    family, command = kind.group(1), (kind.group(2) or b"").decode("ascii")
    if family == b"pdf":
        if command in _PICTURE_PDF:
            file = _picture_file(text[kind.end():])
            return file is not None and _inside(file, searched, roots)
        return command in _HARMLESS_PDF and not _ACTIVE.search(_NAME_ESCAPE.sub(_unescape_name, text))
    if family == b"x":
        return command in _HARMLESS_X
    if family == b"dvipdfmx":
        return _CONFIG_SAFE.fullmatch(text) is not None  # hyperref's compatibility flags only
    return kind.group(2) is None  # color, background, papersize=, landscape


def _picture_file(arguments: bytes) -> str | None:
    """The file a ``pdf:image`` special names: its PDF string, ``(...)`` or ``<hex>``."""
    start = arguments.find(b"(")
    hex_start = arguments.find(b"<")
    if hex_start >= 0 and (start < 0 or hex_start < start):
        end = arguments.find(b">", hex_start)
        try:
            return bytes.fromhex(arguments[hex_start + 1:end].decode("ascii")).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    if start < 0:
        return None
    out, depth, index = bytearray(), 0, start
    while index < len(arguments):
        byte = arguments[index]
        if byte == 0x5C:  # backslash: the next byte, or up to three octal digits
            octal = re.match(rb"[0-7]{1,3}", arguments[index + 1:index + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                index += 1 + len(octal.group(0))
                continue
            following = arguments[index + 1:index + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(following, following)
            index += 2
            continue
        if byte == 0x28:
            depth += 1
            if depth == 1:
                index += 1
                continue
        elif byte == 0x29:
            depth -= 1
            if depth == 0:
                try:
                    return out.decode("utf-8")
                except UnicodeDecodeError:
                    return None
        out.append(byte)
        index += 1
    return None


def _inside(file: str, searched: tuple[Path, ...], roots: tuple[Path, ...]) -> bool:
    if not file or any(mark in file for mark in ("\x00", "$", "~", "{", "}", "!!")):
        return False  # kpathsea would expand these ($HOME/x, ~/x, {a,b}, !!): not a plain name
    candidates = [Path(file)] if Path(file).is_absolute() else [folder / file for folder in searched]
    # it must exist where we looked: a name found nowhere else would be searched for by kpathsea
    return all(candidate.is_file() and any(candidate.resolve().is_relative_to(root) for root in roots)
               for candidate in candidates)


def allowed_roots(directory: Path) -> tuple[Path, ...]:
    """The folders a compile may read: the compile folder (which holds copies of the
    notebook's files, converter.exporters.pdf_inputs) and TeX's own trees."""
    return (directory.resolve(),) + _tex_trees()


@functools.cache
def _font_folders() -> tuple[Path, ...]:
    """The folders of the fonts fontconfig knows (``fc-list``): where XeTeX finds fonts by name."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        done = subprocess.run([fc_list, ":", "file"], capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ()
    files = (line.rsplit(":", 1)[0].strip() for line in done.stdout.splitlines())
    return tuple(sorted({Path(file).resolve().parent for file in files if file.startswith("/")}))


@functools.cache
def _tex_trees() -> tuple[Path, ...]:
    """TeX Live's own trees (``kpsewhich -expand-path '$TEXMF'``): a document may show
    the pictures packages ship (``example-image``)."""
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return ()
    try:
        done = subprocess.run([kpsewhich, "-expand-path", "$TEXMF"], capture_output=True, text=True,
                              timeout=10, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ()
    return tuple(Path(part).resolve() for part in done.stdout.strip().split(":") if part.startswith("/"))
