"""The markdown to LaTeX renderer: each construct, escaping, and math left alone."""

from __future__ import annotations

import pytest

from converter.filters.latex import escape_latex, latex_url, safe_file_name
from converter.markdown import render_markdown
from converter.markdown.latex import anchor_name


def latex(text: str, resolve=None) -> str:
    return render_markdown(text, "latex", resolve)


# escaping

@pytest.mark.parametrize("char, escaped", [
    ("#", r"\#"), ("$", r"\$"), ("%", r"\%"), ("&", r"\&"), ("_", r"\_"),
    ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"), ("\\", r"\textbackslash{}"),
    ("{", r"\{"), ("}", r"\}"), ("[", "{[}"), ("]", "{]}"),
])
def test_escape_latex_makes_each_special_character_literal(char, escaped):
    assert escape_latex(f"a{char}b") == f"a{escaped}b"


def test_escape_latex_drops_control_characters_and_keeps_unicode():
    assert escape_latex("é\x0cß\x1b→中") == "éß→{\\nbfontcjk 中}"  # in a font that has it


def test_special_characters_in_paragraph_text():
    out = latex(r"Costs 5\$ & 10% of a_b, x^2 ~ y, {braces} \\ # tag")
    assert out.strip() == (
        r"Costs 5\$ \& 10\% of a\_b, x\textasciicircum{}2 \textasciitilde{} y, "
        r"\{braces\} \textbackslash{} \# tag"
    )


def test_escaped_dollars_are_literal_dollars():
    assert latex(r"costs \$5 and *\$6*, math $x$") == "costs \\$5 and \\emph{\\$6}, math $x$\n\n"


def test_special_characters_in_headings():
    out = latex("# 100% of R&D_{x} #1")
    assert r"\section[{100\% of R\&D\_\{x\} \#1}]" in out
    assert r"{}100\% of R\&D\_\{x\} \#1}" in out


@pytest.mark.parametrize("level, command", [(1, "section"), (2, "subsection"), (3, "subsubsection"),
                                            (4, "paragraph"), (5, "subparagraph")])
def test_heading_levels(level, command):
    assert latex("#" * level + " Title").startswith(f"\\{command}[{{Title}}]")


def test_special_characters_in_table_cells():
    out = latex("| a & b | 50% |\n|---|--:|\n| x_1 | $5 |\n")
    assert r"\begin{longtable}[l]{@{}lr@{}}" in out
    assert r"\textbf{a \& b} & \textbf{50\%} \tabularnewline" in out
    assert r"x\_1 & \$5 \tabularnewline" in out
    assert r"\bottomrule" in out and r"\end{longtable}" in out


def test_wide_tables_get_wrapping_columns():
    long = "word " * 30
    out = latex(f"| a | b |\n|:-:|---|\n| {long} | short |\n")
    assert r">{\centering\arraybackslash}p{" in out
    assert r">{\raggedright\arraybackslash}p{" in out


def test_special_characters_in_link_text_and_url():
    out = latex("[50% & more_x](https://example.com/a_b?q=1&r=2#frag)")
    assert out.strip() == r"\href{https://example.com/a_b?q=1\&r=2\#frag}{50\% \& more\_x}"


def test_bare_urls_may_break_after_slashes_and_dots():
    out = latex("see https://example.com/a_b")
    assert out.strip() == (r"see \href{https://example.com/a_b}"
                           r"{https:/\allowbreak{}/\allowbreak{}example.\allowbreak{}com/\allowbreak{}a\_b}")


def test_links_with_unsafe_schemes_keep_only_their_text():
    assert latex("[run me](run:/bin/sh)").strip() == "run me"
    assert latex_url("javascript:alert(1)") is None
    assert latex_url("file:///etc/passwd") is None


def test_fragment_links_point_at_heading_anchors():
    out = latex("# My Heading\n\nsee [there](#My-Heading)")
    target = anchor_name("My Heading")
    assert f"\\hypertarget{{{target}}}{{}}" in out
    assert f"\\hyperlink{{{target}}}{{there}}" in out


def test_emphasis_strong_code_and_strikethrough():
    out = latex("*a* **b** `c_{d}` ~~e~~")
    assert out.strip() == r"\emph{a} \textbf{b} \texttt{c\_\allowbreak{}\{d\}} \nbstrike{e}"


def test_fenced_code_is_highlighted_and_unknown_languages_stay_plain():
    out = latex("```python\ndef f(x): return {x}\n```\n")
    assert r"\begin{Highlighting}[commandchars=\\\{\}]" in out
    assert r"\PY{k}{def}" in out
    plain = latex("```nosuchlanguage\na {b} \\c\n```\n")
    assert "a \\{b\\} \\textbackslash{}c" in plain


def test_block_quote():
    assert latex("> quoted *text*").strip() == "\\begin{quote}\nquoted \\emph{text}\n\n\\end{quote}"


def test_ordered_unordered_and_nested_lists():
    out = latex("3. three\n4. four\n   - inner\n   - [bracket]\n")
    assert "\\begin{enumerate}[noitemsep, start=3]" in out
    assert "\\item{} three" in out
    assert "\\begin{itemize}[noitemsep]\n\\item{} inner\n\\item{} {[}bracket{]}\n\\end{itemize}" in out
    assert out.index("\\begin{itemize}") < out.index("\\end{enumerate}")


def test_task_lists():
    out = latex("- [x] done\n- [ ] open\n")
    assert "\\item[\\nbchecked] done" in out
    assert "\\item[\\nbunchecked] open" in out


def test_images_use_the_resolved_file_and_placeholders_otherwise():
    resolved = latex("![a plot](plot.png)", lambda url: "nb_files/image_1.png")
    assert "\\nbimage{nb_files/image_1.png}" in resolved
    missing = latex("![a_plot](http://example.com/x.png)", lambda url: None)
    assert "\\nbmissingimage{a\\_plot}" in missing
    assert "includegraphics" not in missing


def test_footnotes():
    out = latex("Text[^1] more.\n\n[^1]: The *note*.\n")
    assert "Text\\protect\\footnotemark[1] more." in out
    assert "\\footnotetext[1]{The \\emph{note}.}" in out


def test_horizontal_rule():
    assert latex("a\n\n---\n\nb").split("\n\n")[1] == "\\nbrule"


@pytest.mark.parametrize("math", [
    r"$a_1 * b_2 \\ c & d % e$",
    r"$x^{*}_{i} + y^*_j$",
    r"\(a_b \% 100\)",
])
def test_inline_math_passes_unchanged(math):
    assert math in latex(f"Before {math} after")


@pytest.mark.parametrize("math", [
    "$$\na_1 * b_2 \\\\\nc & d % comment\n$$",
    "\\[\n\\sum_{i=1}^n x_i \\& y\n\\]",
    "\\begin{align}\nx_1 &= 2 * y \\\\\nz_{*} &= 3 % note\n\\end{align}",
    "\\begin{equation}\nE = mc^2 \\label{eq:1}\n\\end{equation}",
])
def test_display_math_passes_unchanged(math):
    assert math in latex(f"Text\n\n{math}\n\nmore")


def test_environment_inside_dollars_loses_only_the_dollars():
    out = latex("$\\begin{align}\nx_1 &= 2 \\\\\ny &= 3\n\\end{align}$")
    assert "\\begin{align}\nx_1 &= 2 \\\\\ny &= 3\n\\end{align}" in out
    assert "$" not in out


def test_raw_html_keeps_text_and_drops_tags_scripts_and_comments():
    assert latex("Some <b>bold</b> & <i>x</i>").strip() == "Some bold \\& x"
    block = latex("<div>\n<p>Inside &amp; out_side</p>\n<script>alert(1)</script><!-- hidden -->\n</div>\n")
    assert "Inside \\& out\\_side" in block
    assert "alert" not in block and "hidden" not in block and "<" not in block


def test_safe_file_name_removes_tex_specials():
    assert safe_file_name("my 50% plan #2 {ü}") == "my 50_ plan _2 _ü_"
