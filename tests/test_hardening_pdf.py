"""--to pdf reads nothing outside the compile folder and the notebook's folder, and bad
bytes end in a placeholder or clean output, never an xelatex crash or exit 1.

Real xelatex; the PDF is inspected with poppler's pdfimages and pdftotext.
"""

from __future__ import annotations

import base64
import random
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat import v4

from conftest import REPO, run_nbconv
from nbbuild import write

sys.path.insert(0, str(REPO))
from benchmarks.notebooks import png  # noqa: E402  (a real PNG encoder, no extra dependency)


def _png(tmp: Path, name: str, seed: int, width: int = 24) -> Path:
    path = tmp / name
    path.write_bytes(png(width, 16, random.Random(seed)))
    return path


def _image_widths(tool, pdf: Path) -> list[int]:
    listing = subprocess.run([tool("pdfimages", "poppler-utils"), "-list", str(pdf)],
                             capture_output=True, text=True, check=True).stdout
    return [int(line.split()[3]) for line in listing.splitlines()[2:]]  # after two header lines


def _images(tool, pdf: Path) -> int:
    return len(_image_widths(tool, pdf))


def _text(tool, pdf: Path) -> str:
    return subprocess.run([tool("pdftotext", "poppler-utils"), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_pictures_outside_the_notebook_folder_are_not_embedded(tmp_path, tool):
    tool("xelatex", "texlive-xetex")
    outside = tmp_path / "private"
    outside.mkdir()
    secret = _png(outside, "secret.png", 1, width=40)  # the only image 40 pixels wide
    folder = tmp_path / "project"
    folder.mkdir()
    _png(folder, "mine.png", 2)
    _png(folder, "secret.png", 4)  # what \includegraphics{secret} finds without \graphicspath
    (folder / "link.png").symlink_to(secret)
    raw = "\n\n".join([
        r"\includegraphics[width=2cm]{mine.png}",  # beside the notebook: kept
        rf"\includegraphics{{{secret}}}",
        r"\includegraphics{../private/secret.png}",
        r"\includegraphics{link.png}",
        rf"\graphicspath{{{{{outside}/}}}}\includegraphics{{secret}}",
        rf'\XeTeXpicfile "{secret}"',
        rf"\special{{pdf:image ({secret})}}",
    ])
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell(rf"Pictures, and math that is not: $\includegraphics{{{secret}}}$"),
        v4.new_raw_cell(raw, metadata={"format": "text/latex"}),
        v4.new_code_cell("x", execution_count=1, outputs=[
            v4.new_output("display_data", data={"text/latex": rf"$$\includegraphics{{{secret}}}$$", "text/plain": "x"}),
            v4.new_output("stream", name="stdout", text="carets ^^ stay\n"),
        ]),
    ])
    source = write(nb, folder / "nb.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    pdf = folder / "nb.pdf"
    assert _image_widths(tool, pdf) == [24, 24]  # mine.png and project/secret.png only
    text = _text(tool, pdf)
    assert text.count("outside the notebook") >= 6
    assert "carets ^^ stay" in text  # verbatim output is not harmed by the ^^ rule


def test_lone_surrogates_and_a_corrupt_png_still_make_a_pdf(tmp_path, tool):
    tool("xelatex", "texlive-xetex")
    good = png(24, 16, random.Random(3))
    corrupt = good[:33] + bytes(range(200)) + good[33:]  # right signature and IHDR, garbage after
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("text with a lone \ud800 surrogate"),
        v4.new_code_cell("print('\udfff')", execution_count=1, outputs=[
            v4.new_output("stream", name="stdout", text="out \udc80\n"),
            v4.new_output("display_data", data={"image/png": base64.b64encode(corrupt).decode(), "text/plain": "x"}),
            v4.new_output("display_data", data={"image/png": base64.b64encode(good).decode(), "text/plain": "y"}),
        ]),
    ])
    source = write(nb, tmp_path / "bad.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    pdf = tmp_path / "bad.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert _images(tool, pdf) == 1
    text = _text(tool, pdf)
    assert "not a valid PNG image" in text
    assert "lone ? surrogate" in text


@pytest.mark.parametrize("path, allowed", [
    ("img/a.png", True), ("a b.png", True), ("/etc/a.png", False), ("../a.png", False),
    ("img/../../a.png", False), ("\\jobname", False), ("~/a.png", False), ("", False),
])
def test_picture_paths(tmp_path, path, allowed):
    from converter.filters.raw_latex import picture_allowed

    assert picture_allowed(path, tmp_path) is allowed


def test_commands_that_could_build_a_picture_command_are_removed():
    from converter.filters.raw_latex import confine_raw_latex

    hostile = (r"\expandafter\let\csname ig\endcsname\includegraphics \catcode`\|=0 ^^5cinput"
               r" \scantokens{x} \makeatletter \special{pdf:fstream @x (/etc/passwd)} \let\g\includegraphics")
    confined = confine_raw_latex(hostile, None)
    for gone in ("\\csname", "\\catcode", "^^", "\\scantokens", "\\makeatletter", "\\special", "/etc/passwd",
                 "\\includegraphics"):
        assert gone not in confined


def _secret_and_project(tmp_path: Path) -> tuple[Path, Path]:
    """A picture 40 pixels wide in a private folder, and an empty project folder beside it."""
    (tmp_path / "private").mkdir()
    (tmp_path / "project").mkdir()
    return _png(tmp_path / "private", "secret.png", 1, width=40), tmp_path / "project"


def test_a_tex_file_beside_the_notebook_cannot_make_the_driver_read_outside(tmp_path, tool):
    """Specials the source scan never sees (in an \\input file) still cannot make the PDF
    driver read a file: the check is on what XeTeX leaves for the driver."""
    tool("xelatex", "texlive-xetex")
    secret, folder = _secret_and_project(tmp_path)
    _png(folder, "mine.png", 2)
    (folder / "link.png").symlink_to(secret)
    (folder / "side.tex").write_text(
        "From the side file.\n"
        rf"\special{{pdf:image ({secret})}}" "\n"
        r"\special{pdf:image (link.png)}" "\n"
        r"\special{pdf:fstream @leak (/etc/hostname)}" "\n"
        r"\special{dvipdfmx:config D cat /etc/hostname}" "\n"
        r"\includegraphics[width=1cm]{mine.png}" "\n")
    nb = v4.new_notebook(cells=[v4.new_raw_cell(r"\input{side}", metadata={"format": "text/latex"})])
    source = write(nb, folder / "nb.ipynb")
    before = source.read_bytes()
    result = run_nbconv("--to", "pdf", source, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    pdf = folder / "nb.pdf"
    assert _image_widths(tool, pdf) == [24]  # mine.png only
    assert "From the side file." in _text(tool, pdf)
    assert b"/EmbeddedFile" not in pdf.read_bytes() and b"leak" not in pdf.read_bytes()
    warning = [line for line in result.stderr.decode().splitlines() if "PDF driver" in line]
    assert len(warning) == 1 and "4 instruction(s)" in warning[0], result.stderr.decode()
    assert source.read_bytes() == before


@pytest.mark.parametrize("raw", [
    r"\input{side}",  # side.tex: \includegraphics{/abs/secret.png}
    r"\begin{includegraphics}{SECRET}\end{includegraphics}",  # ways to name the command no scan sees
    r"\UseName{includegraphics}{SECRET}",
    r"\ExplSyntaxOn \use:c {includegraphics} {SECRET} \ExplSyntaxOff",
])
def test_a_picture_from_outside_by_any_route_stays_out(tmp_path, tool, raw):
    tool("xelatex", "texlive-xetex")
    secret, folder = _secret_and_project(tmp_path)
    (folder / "side.tex").write_text(rf"\includegraphics{{{secret}}}" "\n")
    nb = v4.new_notebook(cells=[v4.new_raw_cell(raw.replace("SECRET", str(secret)),
                                                metadata={"format": "text/latex"})])
    source = write(nb, folder / "nb.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300)
    message = result.stderr.decode()
    if result.returncode == 10:  # XeTeX recorded opening the picture: no PDF at all
        assert "read a file outside the notebook's folder" in message
        assert not (folder / "nb.pdf").exists()
    else:  # only the driver was to read it: that instruction is gone
        assert result.returncode == 0, message
        assert "1 instruction(s) to the PDF driver removed" in message
        assert _images(tool, folder / "nb.pdf") == 0


FLUSH_AND_REWRITE_FLS = "\n".join(  # the reviewer's trick: make the recorder flush, then rewrite its list
    [r"\newread\r"] + [r"\openin\r=notes \closein\r"] * 400
    + [r"\newwrite\w \immediate\openout\w=notebook.fls \immediate\write\w{PWD .}\immediate\closeout\w"])


@pytest.mark.parametrize("raw", [
    r"\input{notes}",                               # notes.tex: a symlink to the private file
    r"\nocite{*}\bibliography{refs}\bibliographystyle{plain}",  # refs.bib: a symlink to a private .bib
    r"\input{side}",                                # side.tex inputs notes, then rewrites the .fls
    r"\input{\string~/diary}",                       # kpathsea's ~ expansion
], ids=["symlinked-tex", "symlinked-bib", "rewritten-fls", "tilde"])
def test_tex_reads_nothing_outside_the_notebook_folder(tmp_path, tool, raw, monkeypatch):
    tool("xelatex", "texlive-xetex")
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "diary.tex").write_text("PRIVATE-DIARY-TEXT\n")
    (outside / "secret.bib").write_text("@book{k, title={Private-bib-title}, author={A}, year={2000}, publisher={P}}\n")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.tex").symlink_to(outside / "diary.tex")
    (folder / "refs.bib").symlink_to(outside / "secret.bib")
    (folder / "side.tex").write_text(r"\input{notes}" "\n" + FLUSH_AND_REWRITE_FLS + "\n")
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("hello"),
                                v4.new_raw_cell(raw, metadata={"format": "text/latex"})])
    source = write(nb, folder / "nb.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300, env={"HOME": str(outside)})
    message = result.stderr.decode()
    assert "PRIVATE" not in message and "Private" not in message
    assert result.returncode in (0, 10), message
    pdf = folder / "nb.pdf"
    if result.returncode == 0:
        text = _text(tool, pdf)
        assert "hello" in text and "PRIVATE" not in text and "Private" not in text
    else:
        assert not pdf.exists()


def test_tex_writing_a_file_does_not_touch_the_notebook_folder(tmp_path, tool):
    tool("xelatex", "texlive-xetex")
    (tmp_path / "side.tex").write_text("Side text.\n")
    raw = r"\input{side}\newwrite\w\immediate\openout\w=side.tex\immediate\write\w{overwritten}\immediate\closeout\w"
    nb = v4.new_notebook(cells=[v4.new_raw_cell(raw, metadata={"format": "text/latex"})])
    source = write(nb, tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert "Side text." in _text(tool, tmp_path / "nb.pdf")
    assert (tmp_path / "side.tex").read_text() == "Side text.\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["nb.ipynb", "nb.pdf", "side.tex"]


def test_an_image_xelatex_cannot_read_becomes_a_placeholder(tmp_path, tool):
    tool("xelatex", "texlive-xetex")
    jpeg = bytes.fromhex("ffd8ffe000104a464946000101") + bytes(range(256)) * 4  # a JFIF start, then noise
    nb = v4.new_notebook(cells=[v4.new_code_cell("x", execution_count=1, outputs=[
        v4.new_output("display_data", data={"image/jpeg": base64.b64encode(jpeg).decode(), "text/plain": "x"}),
        v4.new_output("stream", name="stdout", text="after the picture\n")])])
    source = write(nb, tmp_path / "jpeg.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert "an image xelatex could not read is shown as a placeholder" in result.stderr.decode()
    text = _text(tool, tmp_path / "jpeg.pdf")
    assert "not an image xelatex can read" in text and "after the picture" in text


@pytest.mark.parametrize("special, allowed", [
    (b"color push gray 0", True), (b"pdf:dest (page.1) [@thispage /XYZ @xpos @ypos null]", True),
    (b"pdf:docinfo<</Title()>>", True), (b"dvipdfmx:config C 0x0010", True), (b"x:scale 0.5 0.5", True),
    (b"papersize=597pt,845pt", True), (b"pdf:image matrix 1 0 0 1 0 0 (fig.png)", True),
    (b"pdf:image (sub/fig.png)", True), (b"pdf:image (/etc/fig.png)", False),
    (b"pdf:image (../fig.png)", False), (b"pdf:image <2f6574632f6669672e706e67>", False),
    (b"pdf:image (sub\\057..\\057..\\057fig.png)", False), (b"pdf:image", False),
    (b"pdf:fstream @x (fig.png)", False), (b"pdf:mapfile x.map", False), (b"x:fontmapfile x.map", False),
    (b"dvipdfmx:config D cat %i", False), (b"psfile=fig.eps", False), (b"ps: plotfile x", False),
    (b"html:<img src='x.png'>", False), (b"em:graph x.pcx", False), (b"colorful", False),
    (b"pdf:ann width 1pt height 1pt depth 0pt <</Subtype/Link/A<</S/Launch/F(/bin/sh)>>>>", False),
    (b"pdf:obj @js <</S/Java#53cript/JS(app.alert(1))>>", False),
    (b"pdf:docview<</OpenAction<</S/JavaScript/JS(x)>>>>", False),
    (b"pdf:docview<</OpenAction[@page1/Fit]/PageMode/UseOutlines>>", True),
    (b"pdf:bann<</Type/Annot/Subtype/Link/A<</S/URI/URI(https://example.org/)>>>>", True),
    (b"pdf:image ($HOME/fig.png)", False), (b"pdf:image (~/fig.png)", False), (b"pdf:image (missing.png)", False),
])
def test_which_driver_instructions_pass(tmp_path, special, allowed):
    from converter.exporters.pdf_driver import _allowed

    (tmp_path / "sub" / "sub").mkdir(parents=True)
    for picture in (tmp_path / "sub" / "fig.png", tmp_path / "sub" / "sub" / "fig.png", tmp_path / "fig.png"):
        picture.write_bytes(b"x")
    assert _allowed(special, (tmp_path / "sub",), (tmp_path / "sub",)) is allowed


def test_an_xdv_file_that_does_not_parse_is_refused(tmp_path, tool):
    from converter.errors import LatexError
    from converter.exporters.xdv import specials

    tool("xelatex", "texlive-xetex")
    (tmp_path / "t.tex").write_text(r"\documentclass{article}\begin{document}x\special{pdf:dest (a) [@thispage /Fit]}"
                                    r"\end{document}")
    subprocess.run(["xelatex", "-no-pdf", "-interaction=nonstopmode", "t.tex"], cwd=tmp_path,
                   capture_output=True, check=True)
    data = (tmp_path / "t.xdv").read_bytes()
    assert [special.text for special in specials(data) if special.text.startswith(b"pdf:dest")] == \
        [b"pdf:dest (a) [@thispage /Fit]"]
    post = data.rindex(bytes([248]), 0, len(data) - 40)
    with pytest.raises(LatexError, match="truncated"):
        specials(data[:post - 3])
    with pytest.raises(LatexError, match="cannot read"):
        specials(b"%PDF-1.5" + data[8:])


def test_a_font_file_from_outside_stops_the_pdf(tmp_path, tool):
    """XeTeX loads a font by path and the driver embeds glyphs from it: a font file that
    is neither the system's nor TeX's is refused (it could be any private file)."""
    tool("xelatex", "texlive-xetex")
    system_font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not system_font.is_file():
        pytest.skip("DejaVuSans.ttf not installed (Debian package fonts-dejavu-core)")
    secret, folder = _secret_and_project(tmp_path)
    private_font = secret.parent / "private.ttf"
    private_font.write_bytes(system_font.read_bytes())
    raw = rf'\font\mine="[{private_font}]" at 10pt {{\mine glyphs from a private file}}'
    nb = v4.new_notebook(cells=[v4.new_raw_cell(raw, metadata={"format": "text/latex"})])
    source = write(nb, folder / "nb.ipynb")
    result = run_nbconv("--to", "pdf", source, timeout=300)
    assert result.returncode == 10, result.stderr.decode()
    assert "font file outside" in result.stderr.decode()
    assert not (folder / "nb.pdf").exists()
