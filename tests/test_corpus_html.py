"""Every corpus notebook converts to HTML through the CLI, and the page shows it all.

Checks per notebook (issue 2, acceptance): exit code 0; the page parses as HTML with one
element per rendered cell, in order; every code cell's source is in the page text; the
words of every markdown cell are in that cell's rendered text; every image output and
attachment image is an <img> carrying that image; math is in the page text verbatim.

The markdown check compares words, not markup. A fair comparison has to drop what
markdown turns into something other than text: link and image targets (they become
attributes), image alt text (an attribute too, so it is compared against alt/title
attributes), link reference definitions, HTML tags and comments (tags become elements,
not text), entities (they become characters), and the info string of fenced code
(``python`` in ```python), and the numbers of ordered list items (the list numbers them). Words are runs of letters and digits, so ``foo\\_bar`` in the
source and ``foo_bar`` on the page compare equal.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pytest

from conftest import corpus_notebooks, run_nbconv
from nbbuild import by_class, classes, elements, parse_strict, text

# The mime priority (point 4), richest first.
PRIORITY = ["application/vnd.jupyter.widget-view+json", "text/html", "text/markdown", "text/latex",
            "image/svg+xml", "image/png", "image/jpeg", "application/pdf", "application/javascript",
            "text/plain"]
IMAGES = ("image/svg+xml", "image/png", "image/jpeg")

_WORD = re.compile(r"[^\W_]+")
_LINK_TARGET = re.compile(r"\]\((?:<[^>]*>|[^()\s]*(?:\([^()]*\)[^()\s]*)*)(?:\s+\"[^\"]*\"|\s+'[^']*')?\)")
_IMAGE = re.compile(r"!\[([^\]]*)\]")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_LIST_MARKER = re.compile(r"^\s*\d+[.)](?=\s)", re.M)
_FENCE_INFO = re.compile(r"^( {0,3}(?:```+|~~~+))[^\n]*$", re.M)
_CODE = re.compile(r"^ {0,3}(```+|~~~+).*?^ {0,3}\1|(`+).+?\2", re.S | re.M)
_MATH = re.compile(r"\$\$.+?\$\$|\\begin\{([a-z]+\*?)\}.*?\\end\{\1\}|(?<![\\$])\$[^$\n]+?\$", re.S)


def markdown_words(source: str) -> tuple[set[str], set[str]]:
    """(words shown as text, words of image alt text) of a markdown source."""
    source = _HTML_COMMENT.sub(" ", source)
    source = _REFERENCE_DEFINITION.sub(" ", source)
    source = _FENCE_INFO.sub(r"\1", source)
    source = _LIST_MARKER.sub(" ", source)
    source = _LINK_TARGET.sub("] ", source)
    alt_words = {word for alt in _IMAGE.findall(source) for word in _WORD.findall(alt)}
    source = _IMAGE.sub(" ", source)
    source = html.unescape(_HTML_TAG.sub(" ", source))
    return set(_WORD.findall(source)), alt_words


def chosen_mimetype(data: dict) -> str | None:
    return next((m for m in PRIORITY if m in data), None)


def data_uri(payload, mimetype: str) -> str:
    payload = "".join(payload) if isinstance(payload, list) else payload
    if mimetype == "image/svg+xml":
        return "data:image/svg+xml;base64," + base64.b64encode(payload.encode()).decode()
    return f"data:{mimetype};base64," + re.sub(r"\s+", "", payload)


def join(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def rendered_cells(nb: dict) -> list[dict]:
    """The cells the HTML page shows: code, markdown, and raw HTML/markdown cells."""
    shown = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "raw":
            mimetype = (cell["metadata"].get("raw_mimetype") or cell["metadata"].get("format") or "").lower()
            if mimetype not in ("", "text/html", "text/markdown"):
                continue
        shown.append(cell)
    return shown


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corpus-html")


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_notebook_to_html(path: Path, out_dir: Path) -> None:
    before = path.read_bytes()
    result = run_nbconv("--to", "html", path, "--output-dir", out_dir / path.parent.name)
    assert result.returncode == 0, result.stderr.decode()
    assert path.read_bytes() == before
    page = (out_dir / path.parent.name / (path.stem + ".html")).read_text(encoding="utf-8")

    from converter import read_notebook

    nb = json.loads(json.dumps(read_notebook(path)))  # upgraded to v4.5, plain dicts
    raw_json = before.decode("utf-8")
    tree, errors = parse_strict(page)
    # parse errors may only come from markup the notebook itself carries (e.g. "</img>")
    for (_, code, details) in errors:
        name = (details or {}).get("name")
        assert name and (f"</{name}>" in raw_json or f"<{name}" in raw_json), (code, details)

    # one element per shown cell, in the notebook's order
    cells = [e for e in by_class(tree, "jp-Cell") if "jp-Notebook-cell" in classes(e)]
    shown = rendered_cells(nb)
    assert [e.get("id") for e in cells] == [f"cell-id={cell['id']}" for cell in shown]

    page_text = text(tree)
    for cell, element in zip(shown, cells):
        source = join(cell["source"])
        if cell["cell_type"] == "code":
            (editor,) = by_class(element, "jp-InputArea-editor")
            assert source.strip("\n") in text(editor), source
            check_outputs(cell, element)
        elif cell["cell_type"] == "markdown":
            check_markdown(cell, source, element)
        for formula in _MATH.finditer(_CODE.sub(" ", source)) if cell["cell_type"] == "markdown" else ():
            assert formula.group(0) in page_text, formula.group(0)


def check_outputs(cell: dict, element) -> None:
    expected = []
    for output in cell["outputs"]:
        if output["output_type"] in ("display_data", "execute_result"):
            mimetype = chosen_mimetype(output["data"])
            if mimetype in IMAGES:
                expected.append(data_uri(output["data"][mimetype], mimetype))
            elif mimetype == "text/latex":
                assert join(output["data"]["text/latex"]).strip() in text(element)
            elif mimetype == "text/plain":
                assert join(output["data"]["text/plain"]).strip() in text(element)
        elif output["output_type"] == "error":
            assert output["ename"] in text(element)
    images = [img.get("src") for area in by_class(element, "jp-OutputArea") for img in elements(area, "img")
              if (img.get("src") or "").startswith("data:image/")]
    # text/html outputs may carry images of their own, so check inclusion, not equality
    for uri in expected:
        assert uri in images


def check_markdown(cell: dict, source: str, element) -> None:
    words, alt_words = markdown_words(source)
    shown = set(_WORD.findall(text(element)))
    attributes = {word for e in element.iter() if isinstance(e.tag, str)
                  for name in ("alt", "title") for word in _WORD.findall(e.get(name) or "")}
    assert not words - shown, sorted(words - shown)
    assert not alt_words - attributes - shown, sorted(alt_words - attributes)
    for name in re.findall(r"\(attachment:([^)\s]+)\)", source):
        bundle = cell.get("attachments", {}).get(name)
        if bundle:
            # attachments are base64 for every image type (SVG included), as JupyterLab stores them
            # (any of the bundle's image types may be the one shown)
            expected = {base64.b64decode(join(payload)) for mimetype, payload in bundle.items()
                        if mimetype.startswith("image/")}
            shown = {base64.b64decode(img.get("src").split(",", 1)[1]) for img in elements(element, "img")
                     if re.match(r"data:image/[a-z+]+;base64,", img.get("src", ""))}
            assert expected & shown, name


def test_typesetting_equations_math_is_verbatim(out_dir: Path) -> None:
    """The notebook that is all equations: its align environments and $ math survive."""
    from conftest import CORPUS

    path = CORPUS / "notebook-docs" / "Typesetting_Equations.ipynb"
    if not path.exists():
        pytest.skip(f"{path} not found (../shared is absent)")
    result = run_nbconv(path, "--stdout")
    assert result.returncode == 0
    tree, _ = parse_strict(result.stdout.decode())
    page_text = text(tree)
    sources = "".join(join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown")
    aligns = re.findall(r"\\begin\{align\}.*?\\end\{align\}", sources, re.S)
    assert len(aligns) >= 2
    for block in aligns:
        assert block in page_text
    inline = re.findall(r"(?<!\$)\$[^$\n]+\$(?!\$)", sources)
    assert inline and all(formula in page_text for formula in inline)
    assert not [e for e in elements(tree, "em") if "\\" in text(e) or "_" in text(e)]
