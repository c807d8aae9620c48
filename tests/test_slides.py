"""--to slides: reveal.js (installed from the npm registry) shows the structure the metadata asks for."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import PageWatch, corpus_notebooks, need, run_nbconv

# (slide_type, cell type, source); a notes cell before the first slide belongs to it
CELLS = [
    ("skip", "markdown", "SKIPPED-0"),
    ("notes", "markdown", "NOTE-0 for the title"),
    ("slide", "markdown", "# Title $x^2$"),
    ("-", "markdown", "under the title"),
    ("fragment", "markdown", "FRAGMENT-1"),
    ("-", "markdown", "still fragment 1"),
    ("fragment", "code", "print('FRAGMENT-2')"),
    ("subslide", "markdown", "## Below the title"),
    ("notes", "markdown", "NOTE-1 for below"),
    ("skip", "code", "print('SKIPPED-1')"),
    ("slide", "markdown", "# Second"),
    ("fragment", "markdown", "FRAGMENT-3"),
    ("subslide", "markdown", "Second, below"),
    ("subslide", "markdown", "Second, further below"),
    (None, "markdown", "# Third $$\\begin{vmatrix} a & b \\\\ c & d \\end{vmatrix}$$"),
    ("slide", "code", "1 + 1"),
]
# horizontal slides -> fragments in each of their vertical subslides
EXPECTED = [[2, 0], [1, 0, 0], [0]]


def slides_notebook(spec: list = CELLS) -> dict:
    cells = []
    for index, (kind, cell_type, source) in enumerate(spec):
        cell = {"cell_type": cell_type, "id": f"c{index}", "metadata": {}, "source": source}
        if kind is not None:
            cell["metadata"]["slideshow"] = {"slide_type": kind}
        if cell_type == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    if cells[-1]["cell_type"] == "code":
        cells[-1]["outputs"] = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                 "data": {"text/plain": "2"}}]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="session")
def reveal_dir(tmp_path_factory):
    """reveal.js at the version nbconv pins, from the npm registry, in a temporary folder."""
    from converter.exporters.slides import REVEAL_VERSION

    npm = shutil.which("npm")
    need(npm is not None, "npm not found (Debian package npm)")
    prefix = tmp_path_factory.mktemp("reveal")
    done = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                           f"reveal.js@{REVEAL_VERSION}"], capture_output=True, timeout=300)
    need(done.returncode == 0, f"npm install reveal.js failed: {done.stderr.decode()[-300:]}")
    return prefix / "node_modules" / "reveal.js"


def make_slides(tmp_path, reveal_dir, *flags: str, spec: list = CELLS):
    source = tmp_path / "talk.ipynb"
    source.write_text(json.dumps(slides_notebook(spec)), encoding="utf-8")
    if not (tmp_path / "reveal.js").exists():
        (tmp_path / "reveal.js").symlink_to(reveal_dir, target_is_directory=True)
    done = run_nbconv("--to", "slides", "--reveal-prefix", "reveal.js", *flags, source)
    assert done.returncode == 0, done.stderr.decode()
    return tmp_path / "talk.slides.html"


def structure(watch: PageWatch) -> dict:
    return watch.page.evaluate("""() => {
        const horizontal = [...document.querySelectorAll('.reveal .slides > section')];
        const steps = [];
        Reveal.slide(0, 0, -1);
        for (let i = 0; i < 100; i++) {
            const before = JSON.stringify(Reveal.getIndices());
            Reveal.next();
            const after = JSON.stringify(Reveal.getIndices());
            if (before === after) break;
            steps.push(after);
        }
        return {
            ready: Reveal.isReady(),
            fills_window: document.querySelector('.reveal').offsetHeight === window.innerHeight,
            fragments: horizontal.map(h => [...h.querySelectorAll(':scope > section')]
                .map(v => v.querySelectorAll('.fragment').length)),
            total: Reveal.getTotalSlides(),
            steps: steps.length,
            notes: Reveal.getSlides().map(s => Reveal.getSlideNotes(s) || ''),
            text: document.body.innerText,
            config: {transition: Reveal.getConfig().transition, slideNumber: Reveal.getConfig().slideNumber},
            // the theme's stylesheet; that it loaded shows in reveal's background variable, which it sets
            theme: [...document.styleSheets].filter(sheet => sheet.ownerNode.id === 'theme')
                .map(sheet => sheet.href.split('/').pop()),
            background: getComputedStyle(document.documentElement).getPropertyValue('--r-background-color').trim(),
            // cells shown on slides and in speaker notes, by type
            cells: Object.fromEntries(['jp-CodeCell', 'jp-MarkdownCell', 'jp-RawCell'].map(kind =>
                [kind, document.querySelectorAll(`.slides .jp-Cell.${kind}`).length])),
            notes_cells: document.querySelectorAll('.slides aside.notes .jp-Cell').length,
        };
    }""")


def open_slides(browser, page) -> PageWatch:
    watch = PageWatch(browser)
    watch.page.goto(page.as_uri())
    watch.page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    return watch


def test_reveal_shows_the_slides_subslides_fragments_and_notes_the_metadata_asks_for(tmp_path, browser, reveal_dir):
    page = make_slides(tmp_path, reveal_dir, "--reveal-number", "c/t", "--reveal-transition", "none")
    watch = open_slides(browser, page)
    try:
        number = watch.page.inner_text(".slide-number")
        found = structure(watch)
        assert watch.errors == []
    finally:
        watch.close()
    assert found["ready"] and found["fills_window"] and found["fragments"] == EXPECTED
    assert found["total"] == sum(len(h) for h in EXPECTED) == 6
    # each key press shows one fragment or moves one (sub)slide on
    assert found["steps"] == found["total"] - 1 + sum(map(sum, EXPECTED))
    assert "SKIPPED" not in found["text"] and "SKIPPED" not in page.read_text(encoding="utf-8")
    assert "NOTE-0 for the title" in found["notes"][0] and "NOTE-1 for below" in found["notes"][1]
    assert not any(found["notes"][2:])
    assert "NOTE-" not in found["text"]  # notes are for the speaker view only
    assert number.replace(" ", "") == "1/6"
    # --reveal-transition, --reveal-number and the default theme reach reveal.js
    assert found["config"] == {"transition": "none", "slideNumber": "c/t"}
    assert found["theme"] == ["simple.css"] and found["background"] == "#fff"


LONG_SLIDE = [("slide", "markdown", "# Short"),
              ("slide", "markdown", "\n\n".join(f"line {i}" for i in range(80)) + "\n\nLAST-LINE")]


@pytest.mark.parametrize("scroll", [True, False])
def test_reveal_scroll_lets_a_long_slide_scroll(tmp_path, browser, reveal_dir, scroll):
    flags = ["--reveal-transition", "none", *(["--reveal-scroll"] if scroll else [])]
    page = make_slides(tmp_path, reveal_dir, *flags, spec=LONG_SLIDE)
    watch = open_slides(browser, page)
    try:
        found = watch.page.evaluate("""() => {
            Reveal.slide(1, 0);
            const slide = Reveal.getCurrentSlide();
            const last = [...slide.querySelectorAll('p')].pop();
            const style = getComputedStyle(slide);
            slide.scrollTop = slide.scrollHeight;
            const box = slide.getBoundingClientRect(), line = last.getBoundingClientRect();
            return {overflow: style.overflowY, text: last.textContent, scrolled: slide.scrollTop > 0,
                    taller: slide.scrollHeight > slide.clientHeight,
                    last_visible: line.top >= box.top && line.bottom <= box.bottom + 1
                        && line.bottom <= window.innerHeight + 1};
        }""")
        assert watch.errors == []
    finally:
        watch.close()
    assert found["text"] == "LAST-LINE"
    if scroll:
        assert found == {"overflow": "auto", "text": "LAST-LINE", "scrolled": True, "taller": True,
                         "last_visible": True}
    else:  # reveal.js's own behaviour: the slide is cut at the window
        assert found["overflow"] == "visible" and not found["scrolled"] and not found["last_visible"]


def expected_structure(cells: list[dict]) -> list[list[int]]:
    """Fragments per subslide per slide, counted from the metadata by Jupyter's rules."""
    slides: list[list[int]] = []
    for cell in cells:
        kind = (cell.get("metadata", {}).get("slideshow") or {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if not slides or kind == "slide":
            slides.append([0])
        elif kind == "subslide":
            slides[-1].append(0)
        elif kind == "fragment":
            slides[-1][-1] += 1
    return slides


SLIDE_DECKS = [p for p in corpus_notebooks() if p.values[0] is None or "slideshow" in p.values[0].read_text()]


@pytest.mark.parametrize("path", SLIDE_DECKS)
def test_corpus_slide_decks_have_the_structure_their_metadata_says(tmp_path, browser, reveal_dir, path):
    (tmp_path / "reveal.js").symlink_to(reveal_dir, target_is_directory=True)
    done = run_nbconv("--to", "slides", "--reveal-prefix", "reveal.js", "--output-dir", tmp_path, path)
    assert done.returncode == 0, done.stderr.decode()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    watch = open_slides(browser, tmp_path / f"{path.stem}.slides.html")
    try:
        found = structure(watch)
        assert watch.errors == []
    finally:
        watch.close()
    assert found["fragments"] == expected_structure(cells)
    # skipped cells are absent, notes cells are in the speaker notes only (where the deck has them)
    shown = [c for c in cells if (c.get("metadata", {}).get("slideshow") or {}).get("slide_type") not in ("skip", "notes")]
    kinds = {"code": "jp-CodeCell", "markdown": "jp-MarkdownCell", "raw": "jp-RawCell"}
    assert found["cells"] == {kind: sum(kinds[c["cell_type"]] == kind for c in cells if c in shown)
                              for kind in kinds.values()}
    notes = [c for c in cells if (c.get("metadata", {}).get("slideshow") or {}).get("slide_type") == "notes"]
    assert found["notes_cells"] == len(notes)


def test_mathml_slides_load_nothing_from_the_network(tmp_path, browser, reveal_dir):
    # white: a theme whose fonts ship with reveal.js (simple, the default, loads Google fonts)
    page = make_slides(tmp_path, reveal_dir, "--math", "mathml", "--reveal-scroll", "--reveal-theme", "white")
    html = page.read_text(encoding="utf-8")
    assert "mathjax" not in html.lower() and html.count("<math ") == 2
    watch = open_slides(browser, page)
    try:
        found = structure(watch)
        assert watch.errors == [] and watch.external == []
    finally:
        watch.close()
    assert found["fragments"] == EXPECTED
    assert found["theme"] == ["white.css"] and found["background"] == "#fff"
    assert found["config"] == {"transition": "slide", "slideNumber": False}  # the defaults


def test_theme_and_transition_reach_reveal(tmp_path, browser, reveal_dir):
    page = make_slides(tmp_path, reveal_dir, "--reveal-theme", "black", "--reveal-transition", "zoom",
                       "--reveal-number", "h.v")
    watch = open_slides(browser, page)
    try:
        found = structure(watch)
        assert watch.errors == []
    finally:
        watch.close()
    assert found["theme"] == ["black.css"] and found["background"] == "#191919"
    assert found["config"] == {"transition": "zoom", "slideNumber": "h.v"}


def test_the_default_page_loads_a_pinned_reveal_from_a_cdn(tmp_path):
    from converter.exporters.slides import REVEAL_VERSION

    source = tmp_path / "talk.ipynb"
    source.write_text(json.dumps(slides_notebook()), encoding="utf-8")
    done = run_nbconv("--to", "slides", source, "--output", "deck.slides.html")
    assert done.returncode == 0, done.stderr.decode()
    html = (tmp_path / "deck.slides.html").read_text(encoding="utf-8")
    assert f'<script src="https://cdn.jsdelivr.net/npm/reveal.js@{REVEAL_VERSION}/dist/reveal.js"></script>' in html
    assert f"reveal.js@{REVEAL_VERSION}/dist/theme/simple.css" in html
    assert html.count("<section>") == 2 * 3 + 3  # a section per slide and per subslide


def test_the_slides_template_extends_the_html_one():
    from converter.templates import shipped_template_dir

    template = (shipped_template_dir() / "reveal" / "index.html.j2").read_text(encoding="utf-8")
    assert "{%- extends 'lab/index.html.j2' -%}" in template
    assert "data_png" not in template and "markdowncell" not in template  # cells render as in HTML


@pytest.mark.parametrize("flag, value, message", [
    ("--reveal-transition", "spin", "unknown reveal transition 'spin'"),
    ("--reveal-theme", "../../x", "is not a theme name"),
    ("--reveal-number", "x", "unknown slide number format 'x'"),
])
def test_bad_reveal_options_are_one_line_errors(tmp_path, flag, value, message):
    source = tmp_path / "talk.ipynb"
    source.write_text(json.dumps(slides_notebook()), encoding="utf-8")
    done = run_nbconv("--to", "slides", flag, value, source)
    assert done.returncode == 5 and message in done.stderr.decode()
    assert len(done.stderr.decode().splitlines()) == 1 and not list(tmp_path.glob("*.html"))


def test_a_notebook_with_nothing_to_show_is_an_error(tmp_path):
    nb = slides_notebook()
    for cell in nb["cells"]:
        cell["metadata"]["slideshow"] = {"slide_type": "skip"}
    source = tmp_path / "talk.ipynb"
    source.write_text(json.dumps(nb), encoding="utf-8")
    done = run_nbconv("--to", "slides", source)
    assert done.returncode == 5 and "there is no slide to show" in done.stderr.decode()
    assert not (tmp_path / "talk.slides.html").exists()


def test_the_library_exports_the_slides_exporter():
    import converter
    from converter.exporters import get_exporter

    assert converter.SlidesExporter is get_exporter("slides")
    listed = run_nbconv("--list-formats")
    assert listed.returncode == 0
    names = [line.split()[0] for line in listed.stdout.decode().splitlines() if line.strip()]
    assert {"slides", "webpdf", "asciidoc", "html"} <= set(names)
    body, resources = converter.SlidesExporter(reveal_theme="black").from_notebook_node(
        __import__("nbformat").from_dict(slides_notebook()))
    assert resources.output_extension == ".slides.html" and "/dist/theme/black.css" in body
