"""--math mathml: formulas become MathML on our side; the page has no script and loads nothing."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PageWatch, corpus_notebooks, run_nbconv

ALIGNED = [
    r"$$\begin{align} a &= b + c \\ x + y + z + w &= 1 \\ \alpha &= \frac{1}{2} \\ \end{align}$$",
    r"$$\begin{equation}\begin{aligned} f(x) &= x^2 + 2x + 1 \\ &= (x + 1)^2 \end{aligned}\end{equation}$$",
    r"$$\begin{eqnarray} x' &=& x \sin\phi + z \cos\phi \\ z'' + y &=& - x \cos\phi \end{eqnarray}$$",
]


def notebook(*markdown: str) -> str:
    cells = [{"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": text} for i, text in enumerate(markdown)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def mathml_page(tmp_path, *markdown: str) -> tuple[str, str]:
    """The --math mathml page for a notebook of these markdown cells: (html, stderr)."""
    source = tmp_path / "math.ipynb"
    source.write_text(notebook(*markdown), encoding="utf-8")
    done = run_nbconv("--to", "html", "--math", "mathml", source)
    assert done.returncode == 0, done.stderr.decode()
    return (tmp_path / "math.html").read_text(encoding="utf-8"), done.stderr.decode()


def convert(tex: str) -> str:
    from converter.filters.mathml import tex_to_mathml

    return tex_to_mathml(tex)


@pytest.mark.parametrize("path", corpus_notebooks())
def test_every_corpus_formula_converts_and_the_page_has_no_script(path):
    from converter.exporters.html import HTMLExporter

    mathjax, _ = HTMLExporter().from_filename(path)
    body, resources = HTMLExporter(math="mathml").from_filename(path)
    assert '<code class="nbconv-math-source">' not in body
    assert not resources.warnings
    assert "<script" not in body and "window.MathJax" not in body
    if "$$" in mathjax or "\\begin{" in mathjax:  # the notebook has math: it is all MathML now
        assert body.count("<math ") >= mathjax.count('<div class="math-display">') + mathjax.count('<span class="math-inline">')


def test_the_math_heavy_corpus_notebook_has_all_its_formulas(tmp_path):
    from conftest import CORPUS
    from converter.exporters.html import HTMLExporter

    path = CORPUS / "notebook-docs" / "Typesetting_Equations.ipynb"
    if not path.is_file():
        pytest.skip(f"{path} not found (../shared is absent)")
    body, _ = HTMLExporter(math="mathml").from_filename(path)
    assert body.count("<math ") == 14
    assert body.count("<mtable") == 6  # align twice, vmatrix, array twice, eqnarray


def test_unconvertible_formulas_are_shown_as_tex_and_counted_in_one_warning(tmp_path):
    page, stderr = mathml_page(tmp_path, r"$\nosuchcommand x$ and $y$", r"$$\alsounknown{<b>}$$")
    assert page.count('<code class="nbconv-math-source">') == 2
    assert "$\\nosuchcommand x$" in page and "\\alsounknown{&lt;b&gt;}" in page
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert warnings == [f"nbconv: warning: {tmp_path / 'math.ipynb'}: 2 formulas could not be converted "
                        "to MathML (shown as TeX)"]


def test_mathjax_stays_the_default_and_its_url_can_be_local(tmp_path):
    source = tmp_path / "m.ipynb"
    source.write_text(notebook("$x$"), encoding="utf-8")
    done = run_nbconv("--to", "html", "--mathjax-url", "mathjax/tex-chtml.js", source, "--stdout")
    assert done.returncode == 0, done.stderr.decode()
    page = done.stdout.decode()
    assert '<script defer src="mathjax/tex-chtml.js"></script>' in page and "<math" not in page


def test_mathjax_url_with_mathml_is_a_usage_error_on_the_command_line(tmp_path):
    source = tmp_path / "m.ipynb"
    source.write_text(notebook("$x$"), encoding="utf-8")
    for flags in (["--math", "mathml", "--mathjax-url", "mathjax/tex-chtml.js"],
                  ["--math", "mathml", "--HTMLExporter.mathjax_url=mathjax/tex-chtml.js"]):
        done = run_nbconv("--to", "html", *flags, source)
        message = done.stderr.decode()
        assert done.returncode == 2 and message.count("\n") == 1, message
        assert message.startswith("nbconv: error: --mathjax-url does not apply with --math mathml"), message
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ipynb"]
    # from a config file the URL is a default that a MathML page leaves unused
    (tmp_path / "pyproject.toml").write_text('[tool.nbconv]\nmathjax-url = "mathjax/tex-chtml.js"\n')
    done = run_nbconv("--to", "html", "--math", "mathml", "--stdout", source, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert "<math " in done.stdout.decode() and "tex-chtml" not in done.stdout.decode()
    with_mathjax = run_nbconv("--to", "html", "--stdout", source, cwd=tmp_path)
    assert '<script defer src="mathjax/tex-chtml.js"></script>' in with_mathjax.stdout.decode()


def test_table_cells_are_aligned_by_css_at_the_ampersands():
    out = convert(ALIGNED[0])
    rows = re.findall(r"<mtr>.*?</mtr>", out)
    assert len(rows) == 3  # the trailing \\ adds no empty row
    for row in rows:
        assert re.findall(r'style="text-align:(\w+)', row) == ["right", "left"]
    assert "\\" not in out


def test_matrix_and_cases_delimiters_stretch_around_the_table():
    for env, opening, closing in (("vmatrix", "|", "|"), ("pmatrix", "(", ")"), ("cases", "{", None)):
        out = convert(rf"$$\begin{{{env}}} a & b \\ c & d \end{{{env}}}$$")
        assert f'<mo fence="true" form="prefix" stretchy="true" symmetric="true">{opening}</mo><mtable' in out
        if closing:
            assert out.endswith(f'</mtable><mo fence="true" form="postfix" stretchy="true" symmetric="true">'
                                f"{closing}</mo></mrow></mrow></math>")


def test_text_with_math_inside_and_named_operators():
    out = convert(r"$$\text{for $|q|<1$ only} \quad \operatorname{Var}(X)$$")
    assert "<mtext>for\u00a0</mtext>" in out and "<mo>&lt;</mo><mn>1</mn>" in out
    assert "<mtext>\u00a0only</mtext>" in out
    assert '<mi mathvariant="normal">Var</mi>' in out


def test_letter_styles_become_unicode_math_letters():
    out = convert(r"$\mathbb{R}^n \boldsymbol{x} \mathbf{A} \mathrm{d}t$")
    assert "\u211d" in out and "\U0001d499" in out and "\U0001d400" in out
    assert '<mi mathvariant="normal">d</mi>' in out


def test_tags_labels_and_references_resolve_across_the_page(tmp_path):
    page, _ = mathml_page(tmp_path, r"$$E = mc^2 \label{eq:energy} \tag{E1}$$", r"See \(\eqref{eq:energy}\).")
    assert "<mtext>(E1)</mtext>" in page and page.count("(E1)") == 2
    assert "label" not in page and "eq:energy" not in page


def test_a_starred_tag_is_shown_without_parentheses(tmp_path):
    """amsmath: ``\\tag*{A}`` shows "A"; ``\\eqref`` to it still adds the parentheses."""
    assert "<mtext>A</mtext>" in convert(r"$$x = 1 \tag*{A}$$") and "(A)" not in convert(r"$$x = 1 \tag*{A}$$")
    assert "<mtext>(A)</mtext>" in convert(r"$$x = 1 \tag{A}$$")
    page, _ = mathml_page(tmp_path, r"$$\begin{align} x &= 1 \tag*{B} \label{b} \\ y &= 2 \tag{C} \end{align}$$",
                          r"See \(\eqref{b}\).")
    assert "<mtext>B</mtext>" in page and "<mtext>(C)</mtext>" in page
    assert page.count("(B)") == 1  # the reference only


ARRAY_WITH_RULES = r"$$\begin{array}{c|c} a & b \\ \hline c & d \end{array}$$"


def test_array_rules_become_column_and_row_lines():
    out = convert(ARRAY_WITH_RULES)
    assert out.startswith("<math") and "hline" not in out and "|" not in out
    assert '<mtable columnlines="solid" rowlines="solid">' in out and out.count("<mtd") == 4
    cells = re.findall(r'<mtd[^>]*style="([^"]*)"', out)  # a b / c d: the rule right of a, c and under a, b
    assert ["border-right" in c for c in cells] == [True, False, True, False]
    assert ["border-bottom" in c for c in cells] == [True, True, False, False]
    framed = convert(r"$$\begin{array}{|l|r|} \hline a & b \\ \hline c \\ \hline \end{array}$$")
    assert 'frame="solid"' in framed and framed.count("<mtr>") == 2  # a trailing \hline makes no row
    assert framed.count("<mtd") == 4  # the short row is padded, so the column rules run the full height
    assert 'columnlines' not in convert(r"$$\begin{array}{cc} a & b \end{array}$$")


def test_line_breaks_outside_environments_make_rows_without_backslashes():
    out = convert(r"$$a = b \\ c = d \\$$")
    assert out.count("<mtr>") == 2 and "\\" not in out
    spaced = convert(r"$$\begin{aligned} a &= b \\[4pt] c &= d \cr e &= f \end{aligned}$$")
    assert spaced.count("<mtr>") == 3 and "4pt" not in spaced


def test_signs_bars_and_limits_are_spaced_as_tex_spaces_them():
    out = convert(r"$$z = -\beta + |q| - \left( \sum_{k=1}^n a_k \right)$$")
    assert '<mo>=</mo><mo form="prefix">\u2212</mo><mi>\u03b2</mi><mo>+</mo>' in out  # unary minus, binary plus
    assert '<mo stretchy="false" form="prefix">|</mo><mi>q</mi><mo stretchy="false" form="postfix">|</mo><mo>\u2212</mo>' in out
    assert '<munderover><mo movablelimits="true">\u2211</mo>' in out  # limits under and over in display


def test_tex_markup_never_becomes_elements():
    out = convert(r"$\text{<script>alert(1)</script>} \mathrm{<img src=x>}$")
    assert "<script" not in out and "<img" not in out


def test_huge_or_deeply_nested_formulas_are_shown_as_tex():
    from converter.filters.mathml_tex import MAX_FORMULA

    assert convert("$" + "x+" * MAX_FORMULA + "x$").startswith('<code class="nbconv-math-source">')
    assert convert("$" + "{" * 5000 + "x" + "}" * 5000 + "$").startswith('<code class="nbconv-math-source">')


class CountingText(str):
    """A string that counts the characters ``find`` looks at."""

    scanned = 0

    def find(self, sub, start=0, *rest):  # type: ignore[override]
        found = super().find(sub, start, *rest)
        CountingText.scanned += (len(self) if found == -1 else found + len(sub)) - start
        return found


@pytest.mark.parametrize("text", ["\\(" * 24000, "$" * 48000, "\\[" * 12000 + "$$" * 12000,
                                  "\\begin{align}" * 4000])
def test_finding_math_in_text_is_linear(text):
    from converter.filters.tex import find_math

    CountingText.scanned = 0
    spans = list(find_math(CountingText(text)))
    assert CountingText.scanned <= 4 * len(text)
    assert all(start < end for start, end in spans)


def test_a_latex_output_of_many_openers_renders(tmp_path):
    from converter.filters.mathml import render_math

    body = '<div class="jp-RenderedLatex jp-OutputArea-output" data-mime-type="text/latex">' + "\\(" * 24000 + "</div>"
    assert render_math(body) == body


def test_aligned_equals_signs_line_up_in_chromium(tmp_path, browser):
    page, _ = mathml_page(tmp_path, *ALIGNED, r"$$\begin{vmatrix} a & b \\ \frac{1}{2} & d \end{vmatrix}$$")
    assert "<script" not in page
    watch = PageWatch(browser)
    try:
        watch.page.goto((tmp_path / "math.html").as_uri())
        positions = watch.page.evaluate("""() => [...document.querySelectorAll('math')].map(m =>
            [...m.querySelectorAll('mo')].filter(o => o.textContent === '=')
                .map(o => o.getBoundingClientRect().left))""")
        bars = watch.page.evaluate("""() => {
            const m = [...document.querySelectorAll('math')].pop();
            const table = m.querySelector('mtable').getBoundingClientRect().height;
            return [...m.querySelectorAll('mo')].map(o => o.getBoundingClientRect().height / table); }""")
        assert watch.errors == [] and watch.external == []
    finally:
        watch.close()
    assert [len(xs) for xs in positions[:3]] == [3, 2, 2]
    for xs in positions[:3]:
        assert max(xs) - min(xs) < 1.0, xs
    assert len(bars) == 2 and min(bars) > 0.9, bars  # both | span the whole table


def test_array_rules_are_drawn_in_chromium(tmp_path, browser):
    mathml_page(tmp_path, ARRAY_WITH_RULES)
    watch = PageWatch(browser)
    try:
        watch.page.goto((tmp_path / "math.html").as_uri())
        found = watch.page.evaluate("""() => {
            const cells = [...document.querySelectorAll('mtd')].map(c => [c, c.getBoundingClientRect()]);
            const [a, b, c] = cells;
            const style = getComputedStyle(a[0]);
            return {right: style.borderRightStyle + ' ' + style.borderRightWidth,
                    bottom: style.borderBottomStyle + ' ' + style.borderBottomWidth,
                    beside: a[1].right <= b[1].left + 0.5, below: a[1].bottom <= c[1].top + 0.5,
                    visible: a[1].width > 0 && a[1].height > 0};
        }""")
        assert watch.errors == []
    finally:
        watch.close()
    assert found == {"right": "solid 1px", "bottom": "solid 1px", "beside": True, "below": True, "visible": True}


@pytest.mark.parametrize("path", corpus_notebooks("notebook-docs"))
def test_mathml_pages_load_nothing_from_the_network(tmp_path, browser, path):
    done = run_nbconv("--to", "html", "--math", "mathml", "--output-dir", tmp_path, path)
    assert done.returncode == 0, done.stderr.decode()
    page = tmp_path / (path.stem + ".html")
    assert "<script" not in page.read_text(encoding="utf-8")
    watch = PageWatch(browser)
    try:
        watch.page.goto(page.as_uri())
        watch.page.wait_for_load_state("networkidle")
        assert watch.external == [] and watch.errors == []
        assert watch.page.evaluate("document.querySelectorAll('math').length") == page.read_text().count("<math ")
    finally:
        watch.close()


TEX_PIECES = ["x", "^", "_", "{", "}", "&", "\\\\", "$", "\\text{", "\\frac", "\\begin{align}", "\\end{align}",
              "\\begin{pmatrix}", "\\end{pmatrix}", "\\begin{cases}", "\\end{cases}", "\\label{a}", "\\tag{1}",
              "\\eqref{a}", "\\operatorname{f}", "\\mathbb{R}", "\\boldsymbol{\\alpha}", "\\left(", "\\right)",
              "<script>", "\" onload=\"x", "&amp;", "\\href{javascript:x}{y}", "\\", " ", "\n", "=", "\\sqrt",
              "\\nbconvslota", "\\begin{array}{lc}", "\\begin{array}{|c|l}", "\\hline", "\\end{array}", "\\cr",
              "\\mathrm{d}", "\\tag*{2}", "\u202e"]


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.lists(st.sampled_from(TEX_PIECES), max_size=30).map("".join), st.sampled_from(["$", "$$"]))
def test_any_tex_gives_allowed_mathml_or_its_source(tex, delimiter):
    import xml.etree.ElementTree as ElementTree

    from converter.filters.mathml import FALLBACK_CLASS, MATHML_ATTRIBUTES, MATHML_TAGS
    from converter.filters.mathml_rules import RULE_STYLE
    from converter.filters.mathml_tex import CELL_STYLE

    style_parts = {part for style in [*CELL_STYLE.values(), *RULE_STYLE.values()] for part in style.split(";")}

    out = convert(delimiter + tex + delimiter)
    root = ElementTree.fromstring(out)
    if root.tag == "code":
        assert root.get("class") == FALLBACK_CLASS and root.text == delimiter + tex + delimiter
        return
    for element in root.iter():
        assert element.tag in MATHML_TAGS
        for name, value in element.attrib.items():
            assert name in MATHML_ATTRIBUTES or (name == "style" and set(value.split(";")) <= style_parts)


def test_math_is_an_html_option_checked_by_name(tmp_path):
    from converter.errors import ExportError
    from converter.exporters.html import HTMLExporter

    with pytest.raises(ExportError, match="unknown math mode 'katex'"):
        HTMLExporter(math="katex")
    source = tmp_path / "m.ipynb"
    source.write_text(notebook("$x$"), encoding="utf-8")
    done = run_nbconv("--to", "latex", "--math", "mathml", source)
    assert done.returncode == 5 and "--to latex does not support --math" in done.stderr.decode()
