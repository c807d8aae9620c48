"""--to asciidoc: documents Asciidoctor reads without a warning, showing what the notebook holds."""

from __future__ import annotations

import base64
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from nbformat import v4

from converter import ASCIIDocExporter
from converter.markdown import render_markdown
from converter.notebook import read_notebook
from tests.conftest import CORPUS, corpus_notebooks, need, run_nbconv
from tests.nbbuild import code, markdown, notebook, parse, write

RED_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"


@pytest.fixture(scope="module")
def asciidoctor() -> str:
    import shutil

    path = shutil.which("asciidoctor")
    need(path is not None, "asciidoctor not found (Debian package asciidoctor)")
    return path


def to_html(asciidoctor: str, source: Path) -> ET.Element:
    """Asciidoctor's HTML for ``source``; any warning (or worse) fails the test."""
    done = subprocess.run([asciidoctor, "-v", "--failure-level", "WARN", "-o", "-", str(source)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    return parse(done.stdout)


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def comparable(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


# -- the corpus ------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_adoc(asciidoctor, tmp_path_factory) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} not found (../shared is absent)")
    out = tmp_path_factory.mktemp("corpus-asciidoc")
    done = run_nbconv("--to", "asciidoc", "--output-dir", out, *sorted(CORPUS.rglob("*.ipynb")), timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    return out


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_through_asciidoctor_without_warnings(path, corpus_adoc, asciidoctor):
    page = to_html(asciidoctor, corpus_adoc / (path.stem + ".asciidoc"))
    listings = comparable("".join(text_of(pre) for pre in page.iter("pre")))
    missing = [cell.source for cell in read_notebook(path).cells
               if cell.cell_type == "code" and cell.source.strip() and comparable(cell.source) not in listings]
    assert not missing
    markdown_text = "".join(cell.source for cell in read_notebook(path).cells if cell.cell_type == "markdown")
    for img in page.iter("img"):  # an extracted side file, or the URL or path the markdown gave
        src = img.get("src")
        assert (corpus_adoc / src).is_file() or src in markdown_text, src


# -- plain text stays plain ---------------------------------------------------------

# Markdown whose visible text AsciiDoc would otherwise read as markup.
LITERAL_TEXTS = [
    "a * b * c and 2*3*4",
    "snake_case_name and _x_ as written with \\_ escapes",
    "{attribute} and {nbsp} stay braces",
    "C++ and a+b+c and trailing +",
    "2^10^ and H~2~O",
    "#hash# and a #tag",
    "term:: a definition and semi;; colons",
    "not an ((index term)) nor (((hidden))) one",
    "no xref <<target>> and no anchor [[anchor]]",
    "footnote:[no] image:x.png[no] link:y[no] kbd:[Ctrl] pass:[raw]",
    "&amp;#42; is written as is, &copy; is \u00a9 and &#x3C;&#60;x>> is no xref",
    "curly `+not passthrough+` text",
    "x:y[z] and a[1] and arr[0][1]",
    "escaped \\$\\$5\\$\\$ dollars, x -> y <= z (C) a -- b and so... on",
]

LINE_STARTS = [
    "NOTE: not an admonition",
    ":name: not an attribute",
    "1\\. not a list",
    "\\* not a list",
    "\\- not a list either",
    ".not a title",
    "[not attributes]",
    "// not a comment",
    "== not a heading",
    "\\## not a heading",
    "image::x.png[not an image]",
    "'''",
]


@pytest.mark.parametrize("text", LITERAL_TEXTS + LINE_STARTS)
def test_text_that_looks_like_asciidoc_is_shown_as_written(text, asciidoctor, tmp_path):
    expected = text_of(parse(render_markdown(text, "html")).find(".//p"))
    (tmp_path / "t.adoc").write_text(render_markdown(text, "asciidoc"), encoding="utf-8")
    page = to_html(asciidoctor, tmp_path / "t.adoc")
    paragraphs = [text_of(p) for p in page.iter("p")]
    assert paragraphs == [expected]


def test_random_text_survives_asciidoctor(asciidoctor, tmp_path):
    """Seeded random strings of markup characters: Asciidoctor shows what the HTML renderer shows."""
    import json
    import random
    import shutil

    ruby = shutil.which("ruby")
    need(ruby is not None, "ruby not found (Debian package ruby, a dependency of asciidoctor)")
    pieces = list("ab c*_`#^~+{}[]()<>:;&|\\.=-/'\"!,12 xy") + [
        "http://x.y", "link:", "foo::", "((", "<<", "&amp;", "&#42;", "{empty}", "NOTE: ", "++", "**", "__",
        "``", "->", "(C)", "...", "--", "image:", "pass:[", "footnote:[", "[[", "]]", "kbd:["]  # math: its own tests
    chance = random.Random(16)
    texts = ["Z " + "".join(chance.choice(pieces) for _ in range(chance.randint(3, 25))) for _ in range(400)]
    script = ("require 'asciidoctor'; require 'json'; docs = JSON.parse(STDIN.read); "
              "puts JSON.generate(docs.map { |d| Asciidoctor.convert(d, safe: :safe, standalone: false) })")
    documents = [render_markdown(text, "asciidoc") for text in texts]
    done = subprocess.run([ruby, "-e", script], input=json.dumps(documents), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and not done.stderr, done.stderr
    wrong = []
    for text, document, page in zip(texts, documents, json.loads(done.stdout)):
        expected = "".join(text_of(p) for p in parse(render_markdown(text, "html")).iter("p"))
        shown = "".join(text_of(p) for p in parse(page).iter("p")).replace("\u2019", "'")  # smart apostrophes
        if comparable(expected) != comparable(shown):
            wrong.append((text, document, shown))
    assert not wrong


# -- structure ------------------------------------------------------------------------

def convert(tmp_path: Path, asciidoctor: str, nb, name: str = "doc") -> tuple[str, ET.Element]:
    source = write(nb, tmp_path / f"{name}.ipynb")
    done = run_nbconv("--to", "asciidoc", source)
    assert done.returncode == 0, done.stderr.decode()
    adoc = tmp_path / f"{name}.asciidoc"
    return adoc.read_text(encoding="utf-8"), to_html(asciidoctor, adoc)


def by_class(page: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in page.iter() if name in (e.get("class") or "").split()]


def test_sections_follow_the_markdown_headings_across_cells(tmp_path, asciidoctor):
    nb = notebook(markdown("# Title\n\nintro"), markdown("### Skipped a level"), markdown("## Back up"),
                  markdown("###### Deep\n\n####### Seven hashes is text"))
    text, page = convert(tmp_path, asciidoctor, nb)
    assert re.findall(r"^=+ .*$", text, re.M) == ["== Title", "=== Skipped a level", "=== Back up", "==== Deep"]
    assert [text_of(h) for h in page.iter("h2")] == ["Title"]
    assert [text_of(h) for h in page.iter("h3")] == ["Skipped a level", "Back up"]


def test_code_cells_are_source_blocks_with_the_language(tmp_path, asciidoctor):
    source = "x = 1\n----\nprint('----')"  # a line that would close a 4-dash fence
    nb = notebook(code(source), markdown("```javascript\nlet a = 1;\n```"),
                  metadata={"language_info": {"name": "python"}})
    text, page = convert(tmp_path, asciidoctor, nb)
    assert "[source,python]\n-----\n" in text
    codes = [c for c in page.iter("code") if c.get("data-lang")]
    assert [(c.get("data-lang"), text_of(c)) for c in codes] == [("python", source), ("javascript", "let a = 1;")]


def test_math_becomes_stem(tmp_path, asciidoctor):
    nb = notebook(markdown("Inline $a_1 + b_1 = [c]$ here.\n\n$$\\int_0^1 x\\,dx$$\n\n"
                           "\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}"),
                  code("f()", outputs=[v4.new_output("execute_result", data={"text/latex": "$$x^2$$"},
                                                     execution_count=1)]))
    text, page = convert(tmp_path, asciidoctor, nb)
    assert ":stem: latexmath" in text
    assert "stem:[a_1 + b_1 = [c\\]]" in text
    body = text_of(page.find(".//body"))
    assert "\\(a_1 + b_1 = [c]\\)" in body
    blocks = [text_of(b) for b in by_class(page, "stemblock")]
    assert [b.strip() for b in blocks] == ["\\[\\int_0^1 x\\,dx\\]", "\\[\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}\\]",
                                           "\\[x^2\\]"]


def test_an_environment_in_dollars_is_a_display_block(tmp_path, asciidoctor):
    nb = notebook(markdown("### Display\n\n$\\begin{align}\nx &= 1\n\\end{align}$"))
    text, page = convert(tmp_path, asciidoctor, nb)
    assert "[stem]\n++++\n\\begin{align}\nx &= 1\n\\end{align}\n++++" in text
    assert len(by_class(page, "stemblock")) == 1


def test_tables_keep_rows_header_and_pipes(tmp_path, asciidoctor):
    nb = notebook(markdown("| a | b |\n|:--|--:|\n| `x\\|y` | 1 \\| 2 |\n| **bold** | |"))
    _, page = convert(tmp_path, asciidoctor, nb)
    table = page.find(".//table")
    assert [text_of(th).strip() for th in table.iter("th")] == ["a", "b"]
    rows = [[text_of(td).strip() for td in tr.iter("td")] for tr in table.find("tbody").iter("tr")]
    assert rows == [["x\\|y", "1 | 2"], ["bold", ""]]  # as the HTML renderer shows them


def test_lists_nest_and_carry_blocks(tmp_path, asciidoctor):
    nb = notebook(markdown("- one\n  - inner\n- two\n\n  ```python\n  code_in_item()\n  ```\n\n"
                           "3. three\n4. four\n\n- [x] done\n- [ ] todo"))
    _, page = convert(tmp_path, asciidoctor, nb)
    outer = page.find(".//ul")
    items = outer.findall("li")
    assert [text_of(li.find("p")) for li in items] == ["one", "two"]
    assert text_of(items[0].find(".//ul/li/p")) == "inner"
    assert "code_in_item()" in text_of(items[1].find(".//pre"))
    ordered = page.find(".//ol")
    assert ordered.get("start") == "3" and [text_of(p) for p in ordered.iter("p")] == ["three", "four"]
    checks = [text_of(p) for p in by_class(page, "checklist")[0].iter("p")]
    assert checks == ["\u2713 done", "\u274f todo"]


def test_links_footnotes_quotes_and_breaks(tmp_path, asciidoctor):
    nb = notebook(markdown("See [the docs, part=1](<https://example.org/a b>) and <https://jupyter.org>.[^n]\n\n"
                           "[^n]: A note with `code` and a [link](https://x.org/).\n\n"
                           "> quoted\n> > nested\n\nline one  \nline two\n\n---\n\n~~gone~~"))
    _, page = convert(tmp_path, asciidoctor, nb)
    links = {a.get("href"): text_of(a) for a in page.iter("a")}
    assert links["https://example.org/a%20b"] == "the docs, part=1"
    assert links["https://jupyter.org"] == "https://jupyter.org"
    notes = by_class(page, "footnote")
    assert notes and "A note with code and a link." in text_of(notes[-1])
    quotes = by_class(page, "quoteblock")
    assert len(quotes) == 2 and "nested" in text_of(quotes[1])
    assert any(p.find("br") is not None for p in page.iter("p"))
    assert page.find(".//hr") is not None
    assert [text_of(s) for s in by_class(page, "line-through")] == ["gone"]


def test_images_are_side_files(tmp_path, asciidoctor):
    png = v4.new_output("display_data", data={"image/png": RED_PNG, "text/plain": "<Figure>"},
                        metadata={"image/png": {"width": 40, "height": 30}})
    nb = notebook(markdown("![logo](attachment:logo.png)", attachments={"logo.png": {"image/png": RED_PNG}}),
                  code("plot()", outputs=[png]))
    text, page = convert(tmp_path, asciidoctor, nb)
    images = [(img.get("src"), img.get("width"), img.get("height")) for img in page.iter("img")]
    assert images == [("doc_files/doc_0_logo.png", None, None), ("doc_files/doc_1_0.png", "40", "30")]
    for src, _, _ in images:
        assert (tmp_path / src).read_bytes() == base64.b64decode(RED_PNG)


def test_outputs_streams_errors_and_html(tmp_path, asciidoctor):
    outputs = [
        v4.new_output("stream", name="stdout", text="....\nstill output\n"),
        v4.new_output("error", ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[0m: bad"]),
        v4.new_output("display_data", data={"text/html": "<b>bold html</b>", "text/plain": "plain"}),
        v4.new_output("display_data", data={"text/markdown": "**md** output", "text/plain": "plain"}),
    ]
    text, page = convert(tmp_path, asciidoctor, notebook(code("run()", outputs=outputs)))
    literals = [text_of(pre) for pre in page.iter("pre")]
    assert "....\nstill output" in literals and "ValueError: bad" in literals
    assert "\x1b" not in text
    assert text_of(page.find(".//b")) == "bold html"
    assert any(text_of(p) == "md output" and p.find("strong") is not None for p in page.iter("p"))


def test_raw_cells_by_format(tmp_path, asciidoctor):
    nb = notebook(v4.new_raw_cell("*real* asciidoc", metadata={"raw_mimetype": "text/asciidoc"}),
                  v4.new_raw_cell("# no format: literal"),
                  v4.new_raw_cell("\\LaTeX only", metadata={"raw_mimetype": "text/latex"}))
    text, page = convert(tmp_path, asciidoctor, nb)
    assert page.find(".//strong") is not None and text_of(page.find(".//strong")) == "real"
    assert "# no format: literal" in [text_of(pre) for pre in page.iter("pre")]
    assert "LaTeX only" not in text


def test_no_input_and_library_names():
    import converter
    from converter.exporters import get_exporter

    nb = notebook(code("secret_source()", outputs=[v4.new_output("stream", name="stdout", text="shown\n")]))
    body, resources = ASCIIDocExporter(no_input=True).from_notebook_node(nb)
    assert "secret_source" not in body and "shown" in body
    assert resources.output_extension == ".asciidoc"
    assert get_exporter("asciidoc") is converter.ASCIIDocExporter
    assert re.search(r"^asciidoc\s+AsciiDoc", run_nbconv("--list-formats").stdout.decode(), re.M)
