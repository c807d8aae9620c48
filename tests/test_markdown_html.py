"""Markdown cells to HTML (issue 2, point 4): headings with anchors, tables,
strikethrough, task lists, footnotes, highlighted fenced code, math left intact for
MathJax, attachment: images and raw HTML."""

from __future__ import annotations

from nbbuild import by_class, classes, elements, markdown, notebook, parse, render, text

PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def cell_html(source: str, **fields):
    """The rendered markdown cell, as an element tree."""
    page = parse(render(notebook(markdown(source, **fields)), template="basic"))
    (cell,) = by_class(page, "jp-MarkdownOutput")
    return cell


def test_headings_have_anchors() -> None:
    cell = cell_html("# Top *level* title\n\n### Third & last")
    h1, h3 = elements(cell, "h1")[0], elements(cell, "h3")[0]
    assert h1.get("id") == "Top-level-title"
    assert h3.get("id") == "Third-&-last"
    for heading in (h1, h3):
        links = [a for a in elements(heading, "a") if "anchor-link" in classes(a)]
        assert len(links) == 1 and links[0].get("href") == "#" + heading.get("id")
    assert elements(h1, "em")[0].text == "level"


def test_tables() -> None:
    cell = cell_html("| planet | moons |\n|:-------|------:|\n| Earth | 1 |\n| Mars | 2 |\n")
    (table,) = elements(cell, "table")
    assert [th.text for th in elements(table, "th")] == ["planet", "moons"]
    assert [td.text for td in elements(table, "td")] == ["Earth", "1", "Mars", "2"]
    assert "right" in elements(table, "td")[1].get("style")


def test_strikethrough_and_task_lists() -> None:
    cell = cell_html("~~old~~ new\n\n- [x] done\n- [ ] todo\n")
    assert [d.text for d in elements(cell, "del")] == ["old"]
    boxes = elements(cell, "input")
    assert [box.get("type") for box in boxes] == ["checkbox", "checkbox"]
    assert boxes[0].get("checked") is not None and boxes[1].get("checked") is None
    assert all(box.get("disabled") is not None for box in boxes)


def test_footnotes() -> None:
    cell = cell_html("Claim[^src].\n\n[^src]: The source of it.\n")
    ref = elements(cell, "sup")[0]
    link = elements(ref, "a")[0]
    target_id = link.get("href").lstrip("#")
    (note,) = [li for li in elements(cell, "li") if li.get("id") == target_id]
    assert "The source of it." in text(note)


def test_fenced_code_is_highlighted() -> None:
    cell = cell_html("```python\ndef f(x):\n    return x < 1\n```\n\n```no-such-language\na < b\n```\n")
    blocks = by_class(cell, "highlight")
    assert len(blocks) == 2
    assert "def f(x):\n    return x < 1" in text(blocks[0])
    keyword = [s for s in elements(blocks[0], "span") if s.text == "def"]
    assert keyword and classes(keyword[0]) == {"k"}
    # an unknown language still shows the code, escaped and unhighlighted
    assert text(blocks[1]).strip() == "a < b" and elements(blocks[1], "span") == []


MATH_SOURCE = r"""Inline $a_1 * b_1 * c_1$ and $x_i$ with _real emphasis_ and __strong__.

$$
\sum_{k=1}^{n} k_i * k_j < \frac{a}{b}
$$

\begin{align}
\dot{x} & = \sigma(y-x) \\
\dot{y} & = \rho x - y - xz
\end{align}

- a list item with $y_1 * y_2$
> a quote with $$z_1 * z_2$$
"""


def test_math_is_left_verbatim_for_mathjax() -> None:
    cell = cell_html(MATH_SOURCE)
    page_text = text(cell)
    for formula in (r"$a_1 * b_1 * c_1$", "$x_i$", r"\sum_{k=1}^{n} k_i * k_j < \frac{a}{b}",
                    "\\begin{align}\n\\dot{x} & = \\sigma(y-x) \\\\\n\\dot{y} & = \\rho x - y - xz\n\\end{align}",
                    "$y_1 * y_2$", "$$z_1 * z_2$$"):
        assert formula in page_text, formula
    # emphasis outside math still works, but nothing inside math became emphasis
    assert [e.text for e in elements(cell, "em")] == ["real emphasis"]
    assert [s.text for s in elements(cell, "strong")] == ["strong"]


def test_math_inside_code_span_stays_code() -> None:
    cell = cell_html("`$x_1$` costs $5 and $10")
    assert [c.text for c in elements(cell, "code")] == ["$x_1$"]
    assert "costs $5 and $10" in text(cell)


def test_escaped_dollars_stay_out_of_math() -> None:
    cell = cell_html(r"costs \$5, *\$6* and \$7; math $x$")
    assert "costs $5, $6 and $7; math $x$" in text(cell)
    assert [e.text for e in by_class(cell, "math-inline")] == ["$x$"]
    # MathJax skips tex2jax_ignore elements, so no two literal dollars can pair into math
    assert [e.text for e in by_class(cell, "tex2jax_ignore")] == ["$", "$", "$"]


def test_attachment_images() -> None:
    attachments = {"dot.png": {"image/png": PNG_1PX}}
    cell = cell_html("![a dot](attachment:dot.png) and ![gone](attachment:missing.png)",
                     attachments=attachments)
    first, second = elements(cell, "img")
    assert first.get("src") == "data:image/png;base64," + PNG_1PX
    assert first.get("alt") == "a dot"
    assert not second.get("src").startswith("data:")  # a missing attachment is not invented


def test_raw_html_passes_through() -> None:
    cell = cell_html('<div class="box" style="color: red">raw <b>bold</b></div>\n\n'
                     '<details><summary>More</summary>\n\nhidden *text*\n\n</details>')
    (box,) = [d for d in elements(cell, "div") if "box" in classes(d)]
    assert box.get("style") == "color: red" and elements(box, "b")[0].text == "bold"
    assert elements(cell, "summary")[0].text == "More"
    assert elements(cell, "em")[0].text == "text"


def test_markdown_links_with_scripts_are_defused() -> None:
    cell = cell_html("[click](javascript:alert(1)) ![x](javascript:alert(2))")
    urls = [a.get("href") for a in elements(cell, "a")] + [i.get("src") for i in elements(cell, "img")]
    assert urls and not any(url.lower().startswith("javascript") for url in urls)


def test_svg_attachment_base64_or_text() -> None:
    """JupyterLab stores attached SVG base64-encoded; hand-written notebooks may hold text."""
    import base64

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    encoded = base64.b64encode(svg.encode()).decode()
    attachments = {"b.svg": {"image/svg+xml": encoded}, "t.svg": {"image/svg+xml": svg}}
    cell = cell_html("![b](attachment:b.svg) ![t](attachment:t.svg)", attachments=attachments)
    for img in elements(cell, "img"):
        prefix, payload = img.get("src").split(",", 1)
        assert prefix == "data:image/svg+xml;base64"
        assert base64.b64decode(payload).decode() == svg, img.get("alt")
