"""Scanning notebook text is linear-time: math, and the HTML the LaTeX renderer drops.

Each case converts the same hostile text at n and 4n repetitions. Linear work grows
4x; the quadratic scanners these replace grew 16x and more (a 200,000-repetition
``$\\(`` cell took minutes). The factor allowed is generous so a busy machine
does not fail the test, and the 200,000 case also has an absolute bound.
"""

from __future__ import annotations

import importlib
import random
import re
import time

import pytest
from nbformat import v4

from converter import get_exporter
from converter.markdown.latex import html_to_text

math_module = importlib.import_module("converter.markdown.math")

# Generous: linear is 4x, the quadratic scanners were 13x-30x at these sizes.
GROWTH_LIMIT = 9.0


def _markdown(text: str):
    return v4.new_notebook(cells=[v4.new_markdown_cell(text)])


def _latex_output(text: str):
    output = v4.new_output("display_data", data={"text/latex": text, "text/plain": "x"})
    return v4.new_notebook(cells=[v4.new_code_cell("x", outputs=[output])])


def _seconds(exporter, nb) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        exporter.from_notebook_node(nb)
        best = min(best, time.perf_counter() - start)
    return best


CASES = [
    ("inline \\( unclosed", "\\(", _markdown),
    ("dollar then \\(", "$\\(", _markdown),
    ("display \\[ unclosed", "\\[", _markdown),
    ("environments unclosed", "\\begin{a}", _markdown),
    ("block $$ lines unclosed", "$$\n", _markdown),
    ("text/latex output", "\\(", _latex_output),
]


def _exporter(fmt: str):
    return get_exporter("html")(math="mathml") if fmt == "html-mathml" else get_exporter(fmt)()


@pytest.mark.parametrize("fmt", ["html", "html-mathml", "latex", "rst"])
@pytest.mark.parametrize("label, unit, build", CASES, ids=[case[0] for case in CASES])
def test_math_scanning_grows_linearly(fmt, label, unit, build):
    exporter = _exporter(fmt)
    exporter.from_notebook_node(build(unit))  # warm: templates, lexers, parser
    small = _seconds(exporter, build(unit * 6000))
    large = _seconds(exporter, build(unit * 24000))
    assert large < max(small, 0.1) * GROWTH_LIMIT, f"{label}: {small:.3f}s -> {large:.3f}s for 4x the text"


@pytest.mark.parametrize("piece", ["\\frac{a}{b}+", "x_1^2", "\\text{ab $c$ d}", "a&=b\\\\"])
def test_one_long_formula_becomes_mathml_in_linear_time(piece):
    from converter.filters.mathml import tex_to_mathml

    def seconds(count: int) -> float:
        formula = "$$\\begin{aligned}" + piece * count + "\\end{aligned}$$"
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            tex_to_mathml(formula)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = seconds(300), seconds(1200)
    assert large < max(small, 0.05) * GROWTH_LIMIT, f"{piece}: {small:.3f}s -> {large:.3f}s for 4x the formula"


@pytest.mark.parametrize("fmt", ["html", "latex"])
def test_200000_math_delimiters_convert_quickly(fmt):
    nb = _markdown("$\\(" * 200_000)
    nb.cells.append(_latex_output("\\(" * 24000).cells[0])
    start = time.perf_counter()
    body, _ = get_exporter(fmt)().from_notebook_node(nb)
    assert time.perf_counter() - start < 30  # about 1 s here; the regex scanner took minutes
    assert len(body) > 2 * 200_000  # every repetition is in the result, as math or as text


@pytest.mark.parametrize("unit", ["<script", "<style>", "<!--"])
def test_latex_drops_raw_html_in_linear_time(unit):
    exporter = get_exporter("latex")()
    exporter.from_notebook_node(_markdown("<p>" + unit))
    small = _seconds(exporter, _markdown(unit * 5000))
    large = _seconds(exporter, _markdown(unit * 20000))
    assert large < max(small, 0.1) * GROWTH_LIMIT, f"{unit}: {small:.3f}s -> {large:.3f}s"


def test_html_to_text_drops_what_the_old_pattern_dropped():
    assert html_to_text("a<script>x</SCRIPT >b<style media=x>y</style>c<!-- z -->d<b>e</b>") == "abcde"
    assert html_to_text("a<script>never closed <b>x</b>") == "anever closed x"
    assert html_to_text("<!-- open <i>t</i>") == "t"  # the tag pattern takes "<!-- open <i>"
    assert html_to_text("1 < 2") == "1 < 2"


def test_scanner_finds_what_the_reference_pattern_finds():
    """iter_math against the plain regular expression it replaces, on random text."""
    reference = re.compile(math_module.INLINE_MATH_PATTERN)
    pieces = ["$", "$$", "\\", "\\(", "\\)", "\\[", "\\]", "\\begin{a}", "\\end{a}", "\\end{b*}",
              "\\begin{b*}", "a", " ", "\n", "1", "x"]
    rng = random.Random(14)
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20)))
        expected = [m.span() for m in reference.finditer(text)]
        assert list(math_module.iter_math(text)) == expected, repr(text)


@pytest.mark.parametrize("source, kept", [
    ("a $x_1$ b", "$x_1$"),
    ("$$\na*b*c\n$$", "$$\na*b*c\n$$"),
    ("\\begin{align}a&=b\\end{align}", "\\begin{align}a&amp;=b\\end{align}"),
    ("price \\$5 and $a$", "$a$"),
    ("> $$x_1 * y_1$$", "$$x_1 * y_1$$"),
])
def test_math_stays_verbatim_in_html(source, kept):
    body, _ = get_exporter("html")().from_notebook_node(_markdown(source))
    assert kept in body


def _with_attachment(text: str):
    import base64

    cell = v4.new_markdown_cell("![x](attachment:a.png)\n" + text)
    cell["attachments"] = {"a.png": {"image/png": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 20).decode()}}
    return v4.new_notebook(cells=[cell])


@pytest.mark.parametrize("fmt", ["markdown", "rst"])
@pytest.mark.parametrize("build", [
    lambda n: "`" * n + "a" * n,                 # one long unclosed run of backticks
    lambda n: "`a attachment:a.png " * (n // 4),  # many spans, many URLs
], ids=["unclosed-run", "spans-and-urls"])
def test_finding_code_around_attachments_grows_linearly(fmt, build):
    exporter = get_exporter(fmt)()
    exporter.from_notebook_node(_with_attachment("warm"))
    small = _seconds(exporter, _with_attachment(build(5000)))
    large = _seconds(exporter, _with_attachment(build(20000)))
    assert large < max(small, 0.1) * GROWTH_LIMIT, f"{small:.3f}s -> {large:.3f}s"


def test_attachment_urls_in_code_are_left_alone():
    from converter.markdown.code_ranges import CodeRanges

    source = "a `x attachment:q` b\n```\nattachment:z\n```\n    attachment:i\n``un` closed attachment:o"
    code = CodeRanges(source)
    found = {source[i + len("attachment:")] for i in range(len(source)) if source.startswith("attachment:", i)
             and i in code}
    assert found == {"q", "z", "i"}


def test_a_wide_ruled_array_is_refused_before_it_costs_memory():
    """A column spec of thousands of ruled columns over thousands of empty rows: the cells
    are counted before rows are padded to the spec, so it falls back at once."""
    import tracemalloc

    from converter.filters.mathml import tex_to_mathml

    formula = "$$\\begin{array}{" + "c" * 6000 + "|}" + "\\\\" * 6000 + "\\end{array}$$"
    assert len(formula) < 20_000  # under the formula length limit: the cell count is what stops it
    tracemalloc.start()
    start = time.perf_counter()
    out = tex_to_mathml(formula)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "nbconv-math-source" in out  # shown as its TeX
    assert peak < 50_000_000 and elapsed < 5, (peak, elapsed)  # was 2.5 GB and 19 s
