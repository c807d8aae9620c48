"""A raw cell without a format is text in HTML: nothing marks it as HTML."""

from __future__ import annotations

import pytest

from nbbuild import by_class, elements, notebook, parse, raw, render, text

HOSTILE = "<script>alert('raw')</script><img src=x onerror=alert(1)><b>bold?</b>"


@pytest.mark.parametrize("template", ["lab", "basic"])
def test_raw_cell_without_format_is_escaped_text(template):
    page = parse(render(notebook(raw(HOSTILE)), template=template))
    (cell,) = by_class(page, "jp-RawCell")
    assert elements(cell, "script") == elements(cell, "img") == elements(cell, "b") == []
    assert text(cell).strip() == HOSTILE


def test_raw_html_cell_is_still_html():
    page = parse(render(notebook(raw("<b>bold</b>", raw_mimetype="text/html")), template="basic"))
    (cell,) = by_class(page, "jp-RawCell")
    assert elements(cell, "b")[0].text == "bold"
