"""PDFs that never fail on a notebook Jupyter renders (issue 18, items 11-14 and 19).

Every test compiles with the real xelatex and reads the PDF back with poppler's tools.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from converter.exporters import tex_fragments
from converter.filters.tex_compat import balanced_braces, tex_compatible
from tests.conftest import need, run_nbconv
from tests.nbbuild import code, markdown, notebook, raw, write

MATHJAX_ONLY = (
    "Typeset by $\\LaTeX$ and $\\TeX$; a smiley $\\unicode{x263A}$ and $\\unicode[Arial]{9787}$; "
    "styled $\\style{color:red}{s_1}$, classed $\\class{big}{c_2}$, boxed $\\bbox[yellow]{b_3}$, "
    "$\\require{cancel}r_4$, coloured $\\color{red}{k_5} + 1$, $\\cssId{here}{i_6}$, "
    "states $\\ket{0}$ and $\\bra{1}$, struck $\\cancel{c_7}$.\n\n"
    "Define $\\newcommand{\\RR}{\\mathbb{R}} x \\in \\RR$ and $\\def\\half#1{\\frac{#1}{2}} \\half{y}$, "
    "use later.\n\n"
    "$$\\begin{align} a &= b + c \\\\ d &= e \\end{align}$$\n"
)
LATER_USE = "Later: $z \\in \\RR$ and $\\half{w}$ and $\\renewcommand{\\RR}{\\mathbb{Q}} q \\in \\RR$."
SCRIPTS = {
    "Chinese": "中文文本",
    "Japanese": "日本語のテキスト",
    "Korean": "한국어",
    "Arabic": "العربية",
    "Hindi": "हिन्दी",
    "emoji": "😀",
    "Greek": "Ελληνικά",
    "Cyrillic": "Кириллица",
}
FONTS = {"Noto Sans CJK SC": "NotoSansCJK", "Noto Naskh Arabic": "NotoNaskhArabic",
         "Noto Sans Devanagari": "NotoSansDevanagari", "Symbola": "Symbola"}


def need_xelatex() -> None:
    need(shutil.which("xelatex") is not None, "xelatex not installed (Debian package texlive-xetex)")
    need(shutil.which("pdftotext") is not None, "pdftotext not installed (Debian package poppler-utils)")


def need_fonts() -> None:
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    missing = [font for font in FONTS if font not in families]
    need(not missing, f"fonts {missing} not installed (Debian packages fonts-noto-cjk fonts-noto-core fonts-symbola)")


def pdf_text(pdf: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def normalized(text: str) -> str:
    """pdftotext writes Arabic as presentation forms in visual order: compare their NFKC letters."""
    return unicodedata.normalize("NFKC", text)


@pytest.fixture(scope="module")
def every_construct(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    need_xelatex()
    need_fonts()
    folder = tmp_path_factory.mktemp("constructs")
    prose = " ".join(f"{name}: {text}." for name, text in SCRIPTS.items())
    nb = notebook(
        markdown("# Everything MathJax accepts\n\n" + MATHJAX_ONLY),
        markdown(LATER_USE),
        markdown(prose),
        code("# комментарий σχόλιο 注释 😺 تعليق\nx = 1", outputs=[
            {"output_type": "stream", "name": "stdout", "text": "出力 vývoj Ωμέγα\n"}]),
        code("print('x')", outputs=[{"output_type": "display_data", "metadata": {},
                                     "data": {"text/latex": "$$\\LaTeX \\text{ in output } \\unicode{x263A}$$",
                                              "text/plain": "latex"}}]),
    )
    path = write(nb, folder / "constructs.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    return folder / "constructs.pdf", done


def test_mathjax_only_constructs_and_every_script_compile(every_construct):
    pdf, done = every_construct
    assert done.returncode == 0, done.stderr.decode()
    assert b"warning" not in done.stderr  # translated, not shown as source
    text = normalized(pdf_text(pdf))
    for expected in ("Typeset by", "a smiley", "\u263a", "\u263b", "Define", "use later", "Later:",
                     "in output"):
        assert expected in text, expected
    assert "TeX error" not in text
    assert text.count("\u2208") >= 3  # \in, from three formulas using \RR
    for name, sample in SCRIPTS.items():
        if name == "Hindi":  # pdftotext drops Devanagari vowel signs it reorders; the consonants stay
            assert "ह" in text and "न" in text
        elif name == "Arabic":
            assert all(word in text for word in ("العربية",)) or "ةيبرعلا" in text
        else:
            assert sample in text, name
    for word in ("комментарий", "σχόλιο", "注释", "😺", "出力", "Ωμέγα"):  # words only in the code cell
        assert word in text, word
    assert "تعليق" in text or "قيلعت" in text  # Arabic in logical or visual order


def test_each_script_is_set_in_a_font_that_has_it(every_construct):
    pdf, done = every_construct
    assert done.returncode == 0
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    for family, name in FONTS.items():
        assert name in fonts.replace(" ", ""), family


def test_formula_or_raw_latex_xelatex_rejects_is_shown_as_source(tmp_path):
    need_xelatex()
    nb = notebook(
        markdown("Before $\\undefinedcommand{x}$ after."),
        raw("\\begin{tabular}{q} broken \\end{tabular}", raw_mimetype="text/latex"),
        code("1", outputs=[{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                            "data": {"text/latex": "$\\alsoundefined$", "text/plain": "1"}}]),
        markdown("The end with $x^2$ fine."),
    )
    path = write(nb, tmp_path / "broken.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    warnings = [line for line in done.stderr.decode().splitlines() if "warning" in line]
    assert len(warnings) == 3, warnings
    assert "cell 1 of 4" in warnings[0] and "undefinedcommand" in warnings[0]
    assert "cell 2 of 4" in warnings[1] and "cell 3 of 4" in warnings[2]
    text = pdf_text(tmp_path / "broken.pdf")
    assert text.count("TeX error, source shown:") == 3
    assert "\\undefinedcommand{x}" in text and "\\alsoundefined" in text and "broken" in text
    assert "Before" in text and "after." in text and "The end with" in text


def test_strict_fails_naming_the_cell_without_tex_statistics(tmp_path):
    need_xelatex()
    nb = notebook(markdown("fine"), markdown("Broken $\\undefinedcommand$ here."), markdown("fine"))
    path = write(nb, tmp_path / "strict.ipynb")
    done = run_nbconv("--to", "pdf", "--strict", path, timeout=240)
    assert done.returncode == 10
    message = done.stderr.decode()
    assert message.startswith(f"nbconv: error: {path}: strict: cell 2 of 3: xelatex failed")
    assert "Undefined control sequence" in message
    assert "memory you used" not in message and "strings out of" not in message
    assert not (tmp_path / "strict.pdf").exists()


def test_unbalanced_formula_does_not_swallow_the_document(tmp_path):
    need_xelatex()
    nb = notebook(markdown("Bad $\\frac{1}{$ and more text."), markdown("Second cell text."))
    path = write(nb, tmp_path / "unbalanced.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    assert "unbalanced braces" in done.stderr.decode()
    text = pdf_text(tmp_path / "unbalanced.pdf")
    assert "Second cell text." in text and "and more text." in text


def test_long_unbreakable_words_stay_inside_the_margin(tmp_path):
    need_xelatex()
    long_path = "/usr/lib/python3/dist-packages/some_package/submodule/another_very_long_module_name.py"
    nb = notebook(
        markdown("Use `sklearn.feature_extraction.text.FeatureHasherWithAVeryLongName.transform_method_name` "
                 "and `" + long_path + "` in prose."),
        code("f()", outputs=[{"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": [
            "\x1b[0;31mValueError\x1b[0m Traceback", f"\x1b[0;32mFile {long_path}:123\x1b[0m, in \x1b[0;36mf\x1b[0m"]}]),
    )
    path = write(nb, tmp_path / "long.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    page = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", pdf_text(tmp_path / "long.pdf", "-bbox"))
                         .replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    first = page.find(".//page")
    width = float(first.get("width"))
    right_margin = width - 2.5 / 2.54 * 72  # geometry margin=2.5cm
    words = page.findall(".//word")
    assert words
    beyond = [(word.text, float(word.get("xMax"))) for word in words if float(word.get("xMax")) > right_margin + 1]
    assert not beyond
    joined = "".join(word.text for word in words)
    assert "FeatureHasherWithAVeryLongName" in joined and "another_very_long_module_name.py" in joined


def test_a_prompt_never_ends_a_page(tmp_path):
    need_xelatex()
    cells = []
    for k in range(1, 60):  # paragraphs of varying height put prompts at many page positions
        cells.append(markdown(" ".join(["filler"] * (9 * (k % 7 + 1)))))
        cells.append(code(f"x = {k}\ny = x * 2\nprint(y)", count=k))
    path = write(notebook(*cells), tmp_path / "prompts.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    pdf = tmp_path / "prompts.pdf"
    pages = pdf_text(pdf, "-layout").split("\f")
    assert len([page for page in pages if page.strip()]) > 5
    for number, page in enumerate(pages, 1):
        lines = [line.strip() for line in page.splitlines() if line.strip() and not line.strip().isdigit()]
        if lines:
            assert not re.fullmatch(r"In \[\d+\]:", lines[-1]), f"page {number} ends with {lines[-1]}"


def test_latex_output_carries_no_fragment_markers(tmp_path):
    path = write(notebook(markdown("$x$ and $$y$$"), raw("\\relax", raw_mimetype="text/latex")), tmp_path / "m.ipynb")
    done = run_nbconv("--to", "latex", "--stdout", path)
    assert done.returncode == 0
    assert b"%nbconv-" not in done.stdout and b"$x$ and" in done.stdout


def test_tex_compatible_rewrites():
    assert tex_compatible(r"\unicode{x263A} \unicode[Arial]{9786}") == r"\text{\symbol{9786}} \text{\symbol{9786}}"
    assert tex_compatible(r"\newcommand{\RR}{\mathbb{R}} x\in\RR") == r"\gdef\RR{\mathbb{R}} x\in\RR"
    assert tex_compatible(r"\renewcommand\v[2]{#1+#2}") == r"\gdef\v#1#2{#1+#2}"
    assert tex_compatible(r"\def\f#1{#1^2} \f{x}") == r"\gdef\f#1{#1^2} \f{x}"
    kept = r"\newcommand{\x}[2][a]{#1+#2}"  # an optional argument's default: left for TeX
    assert tex_compatible(kept) == kept
    assert tex_compatible(r"\unicode{xD800}") == r"\unicode{xD800}"  # a surrogate is no character
    assert balanced_braces(r"\{ {a} \}") and not balanced_braces(r"\frac{1}{") and not balanced_braces("}{")


@pytest.mark.parametrize("piece", ["\\newcommand{", "\\unicode{x41", "\\def\\a", "{" * 3])
def test_tex_compatible_is_linear(piece):
    def seconds(count: int) -> float:  # best of three: a busy machine only adds time
        text = piece * count
        times = []
        for _ in range(3):
            start = time.perf_counter()
            tex_compatible(text)
            balanced_braces(text)
            times.append(time.perf_counter() - start)
        return min(times)

    small, large = seconds(2_000), seconds(32_000)
    assert large < max(small, 0.002) * 64  # 16x the input: linear with 4x slack; quadratic would be 256x


def test_locate_ignores_forged_markers():
    tex = "a\n%nbconv-block{\n%nbconv-inline}\n%nbconv-cell 2 9\nbad\n%nbconv-block}\nz\n"
    found = tex_fragments.locate(tex, 5)
    assert found.fragment is not None and found.fragment.kind == "block"
    assert found.cell == (2, 9)
    assert tex_fragments.locate("%nbconv-inline{\n" * 10_000, 3).fragment is None


def test_failures_are_traced_in_headings_across_crs_and_in_one_pass(tmp_path):
    need_xelatex()
    cells = [markdown("# Heading $\\undefinedinheading$ end"),
             raw("Raw text\r" * 6, raw_mimetype="text/latex"),  # lone CRs: TeX counts them as lines
             markdown("After CRs $\\undefinedaftercr$ here.")]
    cells += [markdown(f"Use {n}: $\\missingmacro{{{n}}}$ done.") for n in range(12)]
    path = write(notebook(*cells), tmp_path / "traced.ipynb")
    started = time.monotonic()
    done = run_nbconv("--to", "pdf", path, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    warnings = [line for line in done.stderr.decode().splitlines() if line.startswith("nbconv: warning")]
    assert len(warnings) == 3, warnings  # the twelve uses of one command: one warning, one recompile
    assert "cell 1 of 15" in warnings[0] and "undefinedinheading" in warnings[0]
    assert "cell 3 of 15" in warnings[1]
    assert "and 11 more using \\missingmacro" in warnings[2]
    text = pdf_text(tmp_path / "traced.pdf")
    assert "Heading" in text and "Use 11:" in text and text.count("TeX error, source shown:") == 14
    assert time.monotonic() - started < 200


def test_ansi_colours_of_every_kind_compile(tmp_path):
    need_xelatex()
    stream = ("\x1b[38;2;255;0;0mtrue colour\x1b[0m \x1b[38;5;196m256 colour\x1b[0m "
              "\x1b[1;32mbold green\x1b[0m " + "\x1b[31m" + "/very/long/path" * 12 + "\x1b[0m\n")
    nb = notebook(code("print()", outputs=[{"output_type": "stream", "name": "stdout", "text": stream}]))
    path = write(nb, tmp_path / "colours.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    text = pdf_text(tmp_path / "colours.pdf")
    assert "true colour" in text and "256 colour" in text and "bold green" in text


def test_right_to_left_sentences_read_right_to_left(tmp_path):
    need_xelatex()
    need_fonts()
    path = write(notebook(markdown("كتاب   قلم")), tmp_path / "rtl.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    page = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", pdf_text(tmp_path / "rtl.pdf", "-bbox"))
                         .replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    position = {}
    for word in page.iter("word"):
        letters = normalized(word.text)
        for sample in ("كتاب", "قلم"):
            if sample in letters or sample[::-1] in letters:
                position[sample] = float(word.get("xMin"))
    assert position["كتاب"] > position["قلم"]  # the first word stands to the right


def test_warnings_are_one_clean_line(tmp_path):
    need_xelatex()
    nb = notebook(markdown("Bad $\\frac{1}{\x1b[31mRED\x1b]0;TITLE\x07\nsecond$ text"))
    path = write(nb, tmp_path / "noisy.ipynb")
    done = run_nbconv("--to", "pdf", path, timeout=240)
    assert done.returncode == 0, done.stderr.decode()
    warnings = [line for line in done.stderr.decode().split("\n") if line.startswith("nbconv: warning")]
    assert len(warnings) == 1
    assert "\x1b" not in done.stderr.decode() and "\x07" not in done.stderr.decode()


def test_document_fragments_keep_their_definitions_local():
    from converter.templates import _tex_compatible

    fragment = "\\begin{center}\\renewcommand{\\arraystretch}{3}\\begin{tabular}{c}a\\end{tabular}\\end{center}"
    assert _tex_compatible(fragment) == fragment
    assert _tex_compatible("$\\newcommand{\\R}{x} \\R$") == "$\\gdef\\R{x} \\R$"


def test_tex_memory_statistics_never_reach_the_error_excerpt():
    from converter.exporters.pdf import relevant_log_lines

    log = "\n".join([
        "(./notebook.tex", "Runaway argument?", "{x \\par \\par",
        "./notebook.tex:40: File ended while scanning use of \\textbf.", "<inserted text>",
        "                \\par", "<*> notebook.tex", "",
        "Here is how much of TeX's memory you used:", " 9364 strings out of 476179",
        " 197563 string characters out of 5813072", "No pages of output.",
    ])
    lines = relevant_log_lines(log)
    assert lines[0] == "./notebook.tex:40: File ended while scanning use of \\textbf."
    assert not [line for line in lines if "strings out of" in line or "memory you used" in line]


def test_cli_md_gives_xelatex_failures_their_exit_code():
    from converter.errors import LatexError

    text = (Path(__file__).resolve().parents[1] / "CLI.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("|") and "xelatex" in line.lower()
            and re.match(r"\|\s*`?\d+`?\s*\|", line)]
    assert rows, "CLI.md has no exit-code row for xelatex"
    assert all(re.match(rf"\|\s*`?{LatexError.exit_code}`?\s*\|", row) for row in rows), rows


def test_a_heading_with_math_has_a_readable_bookmark():
    from converter.exporters.latex import LatexExporter

    nb = notebook(markdown(r"# Getting \(k\) heads in $\alpha_{n}\,x$ tries"))
    latex, _ = LatexExporter().from_notebook_node(nb)
    heading = next(line for line in latex.splitlines() if line.startswith("\\section["))
    assert heading.startswith(r"\section[{Getting k heads in alpha\_nx tries}]")  # the bookmark
    assert r"\(k\)" in heading and r"$\alpha_{n}\,x$" in heading  # the title still typesets the math
