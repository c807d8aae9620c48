"""Outputs faithful to what Jupyter shows: one test per defect of issue 18 (items 1-10)."""

from __future__ import annotations

import base64

import pytest
from nbformat import v4

from converter import export
from converter.filters.ansi import ansi_to_html, ansi_to_latex
from converter.filters.highlight import highlight_code, highlight_latex
from converter.markdown import render_markdown
from nbbuild import by_class, code, markdown, notebook, parse, raw, render, text

IPYTHON = {"language_info": {"name": "python", "pygments_lexer": "ipython3"}}
PNG = base64.b64encode(base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")).decode()


# 1. IPython syntax is highlighted as IPython, not as Python errors.

@pytest.mark.parametrize("source", [
    "!ls -l", "%timeit f()", "%%bash\necho $HOME\n", "files = !ls\nx = %sx pwd", "len?", "??len",
    "if True:\n    !echo hi\n    %time f()",
])
def test_ipython_code_cells_have_no_error_tokens(source):
    tree = parse(render(notebook(code(source), **IPYTHON)))
    cell = by_class(tree, "highlight")[0]
    assert not by_class(cell, "err"), source
    assert text(cell).strip() == source.strip()
    assert by_class(cell, "o")  # the !, %, %% or ? is marked as an operator


def test_ipython_fence_in_markdown_and_latex_have_no_error_tokens():
    page = render_markdown("```ipython\nIn [1]: len?\n```")
    assert 'class="err"' not in page and '<span class="o">?</span>' in page
    latex = highlight_latex("!ls -l\n%timeit f()\nlen?", "ipython3")
    assert "\\PY{err}" not in latex and "\\PY{o}{!}" in latex


def test_plain_python_is_highlighted_as_before_under_ipython3():
    source = "def f(a, b):\n    return a % b != 0  # done\nprint('%d' % 3)\n"
    assert highlight_code(source, "ipython3") == highlight_code(source, "python3")


def test_ipython_lexer_keeps_its_tokens_once_indexed():
    from converter.filters.ipython_lexer import IPythonLexer
    from converter.lexing import INDEX_AFTER, accelerate

    block = ("import os\n!ls -l $HOME\nfiles = !ls\n%matplotlib inline\nx = %env PATH\nos.path?\n"
             "??os\nfor i in range(3):\n    !echo {i}\n    print(i % 2, 'a!b', i != 1)  # note!\n")
    source = block * (INDEX_AFTER // 10)
    fast = list(accelerate(IPythonLexer()).get_tokens(source))
    assert fast == list(IPythonLexer().get_tokens(source))
    assert not [value for token, value in fast if "Error" in str(token)]


# 2. reST writes LaTeX only when it is math; a tabular falls back to HTML.

def test_rst_latex_output_only_when_math():
    table = v4.new_output("display_data", data={
        "text/latex": "\\begin{tabular}{lr} a & 1 \\\\ \\end{tabular}",
        "text/html": "<table><tr><td>a</td><td>1</td></tr></table>", "text/plain": "a 1"})
    formula = v4.new_output("execute_result", execution_count=1, data={"text/latex": "$x^{2}$", "text/plain": "x**2"})
    body, _ = export("rst", notebook(code("df", [table, formula])))
    assert ".. raw:: html\n\n   <table>" in body
    assert "tabular" not in body
    assert ".. math::\n\n   x^{2}" in body


# 3. Bold basic colours are the intense ones, as Jupyter shows them.

def test_bold_ansi_colours_are_intense_in_html_and_latex():
    assert str(ansi_to_html("\x1b[1;32mOK\x1b[0m")) == '<span class="ansi-green-intense-fg ansi-bold">OK</span>'
    assert ansi_to_latex("\x1b[1;32mOK\x1b[0m") == "\\nbcolor{ansi-green-intense}{\\textbf{OK}}"
    assert str(ansi_to_html("\x1b[32mOK")) == '<span class="ansi-green-fg">OK</span>'  # not bold: as before


# 4. A widget view whose state was not saved shows its next representation.

def _widget_output(model_id: str = "m1"):
    view = {"model_id": model_id, "version_major": 2, "version_minor": 0}
    return v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": view,
                                               "text/plain": "IntSlider(value=3)"})


def test_widget_view_without_saved_state_falls_back():
    tree = parse(render(notebook(code("w", [_widget_output()]))))
    assert "IntSlider(value=3)" in text(tree)
    assert not by_class(tree, "jupyter-widgets")


def test_widget_view_with_saved_state_is_kept():
    state = {"application/vnd.jupyter.widget-state+json": {"state": {"m1": {"model_name": "IntSliderModel"}},
                                                           "version_major": 2, "version_minor": 0}}
    tree = parse(render(notebook(code("w", [_widget_output("m1"), _widget_output("m2")]), widgets=state)))
    assert len(by_class(tree, "jupyter-widgets")) == 1  # m1 was saved, m2 was not
    assert "IntSlider(value=3)" in text(tree)


# 5. A cell magic's body keeps its last newline in scripts, as IPython runs it.

def test_cell_magic_keeps_last_newline_in_script():
    body, _ = export("script", notebook(code("%%file hello.c\nint main() {}")))
    assert "get_ipython().run_cell_magic('file', 'hello.c', 'int main() {}\\n')" in body


# 6. Footnote continuation lines and unreferenced definitions.

def test_footnote_continuation_lines_belong_to_the_footnote():
    page = render_markdown("Note.[^1]\n\n[^1]: first line\nsecond line.")
    body, footnotes = page.split('<section class="footnotes">')
    assert "second line." not in body
    assert "first line\nsecond line." in footnotes


def test_unreferenced_footnote_definition_is_kept_in_every_format():
    source = "Text.\n\n[^2]: defined here, referenced in another cell"
    for fmt in ("html", "latex", "rst"):
        assert "defined here, referenced in another cell" in render_markdown(source, fmt), fmt


# 7. reST decodes HTML entities and does not take emphasis markers into links.

def test_rst_decodes_html_entities():
    assert render_markdown("a &#124; b &amp; c &copy; d", "rst").strip() == "a \\| b & c \u00a9 d"


def test_rst_link_does_not_end_in_emphasis_marker():
    rst = render_markdown("see *http://host/path/* now", "rst")
    assert "path/*" + " <" not in rst and "/*>" not in rst
    assert "*http://host/path/*" in rst  # emphasised text, as Jupyter shows it
    assert '<em><a href="http://host/path/">' in render_markdown("see *http://host/path/* now")


# 8. Heading ids keep one dash per space, as JupyterLab makes them.

def test_heading_id_has_a_dash_per_space():
    assert 'id="A--B"' in render_markdown("# A  B")
    assert "\\hypertarget{nb:A--B}" in render_markdown("# A  B", "latex")


# 9. Raw cells without a format are kept in scripts, as comments.

def test_raw_cell_without_format_is_a_comment_in_script():
    body, _ = export("script", notebook(code("x = 1"), raw("some raw notes\nline two"),
                                        raw("<b>html</b>", raw_mimetype="text/html")))
    assert "# some raw notes\n# line two\n" in body
    assert "<b>html</b>" not in body  # a raw cell for another format still goes


# 10. Side files have one name everywhere: NAME_CELL_OUTPUT.EXT.

def test_latex_side_files_named_like_the_other_formats():
    image = v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    nb = notebook(markdown("# Plot"), code("plot()", [v4.new_output("stream", text="x"), image]))
    from converter.exporters import get_exporter
    from converter.pipeline import Resources

    for fmt in ("latex", "markdown", "rst"):
        _, resources = get_exporter(fmt)().from_notebook_node(nb, Resources(name="report"))
        assert "report_files/report_1_1.png" in resources.outputs, (fmt, list(resources.outputs))


def test_stacked_cell_magics_are_lexed_without_recursion():
    from converter.filters.highlight import highlight_code

    page = str(highlight_code("%%time\n" * 3000 + "x = 1", "ipython3"))
    assert page.count('<span class="k">time</span>') == 3000 and 'class="err"' not in page
