"""Nothing from a notebook breaks out of its HTML context (issue 2, point 4: escaping),
``--sanitize-html`` cleans what a notebook may carry, and ``--embed-images`` only
embeds files inside the notebook's directory.

A break-out would show up as an extra element in the html5lib parse (a <script>, an
attribute such as onerror) or as a dialog in the browser test; both are checked."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from nbformat import v4

from conftest import run_nbconv
from nbbuild import (by_class, classes, code, elements, markdown, notebook, parse, raw, render,
                     scripts, text, write)

SCRIPT = '"><script>alert("xss")</script>'
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
EVIL_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="alert(\'svg\')">'
            '<script>alert("svg script")</script><rect width="20" height="20"/></svg>')


def hostile_notebook():
    """One notebook with an injection attempt in every place a string lands in the page.

    It has no JavaScript output on purpose: those are meant to run (see the control test).
    """
    state = {"state": {"m1": {"model_name": "x", "state": {"value": "</script><script>alert('state')</script>"}},
                       "</script><script>alert('view')</script>": {"model_name": "x"}},
             "version_major": 2, "version_minor": 0}
    return notebook(
        # backslash escapes make the tag literal text (raw HTML in markdown is allowed)
        markdown("# Heading " + "".join("\\" + c if c in '"<>/' else c for c in SCRIPT),
                 metadata={"tags": [SCRIPT]}),
        code("print('<b>not bold</b>')" + SCRIPT,
             [v4.new_output("stream", name="stdout", text=SCRIPT + "\x1b[31m" + SCRIPT + "\x1b[0m\n"),
              v4.new_output("display_data", data={"text/plain": SCRIPT}),
              v4.new_output("display_data", data={"image/svg+xml": EVIL_SVG}),
              v4.new_output("display_data", data={"image/png": PNG},
                            metadata={"image/png": {"width": SCRIPT, "height": '1" onerror="alert(1)'}}),
              v4.new_output("display_data", data={"image/png": PNG + '" onerror="alert(\'png\')'}),
              v4.new_output("display_data", data={"text/latex": "$" + SCRIPT + "$"}),
              v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "</script><script>alert('view')</script>"}}),
              v4.new_output("display_data", data={"application/x-" + SCRIPT: "z"}),
              v4.new_output("error", ename=SCRIPT, evalue=SCRIPT, traceback=[]),
              v4.new_output("execute_result", data={"application/pdf": 'JVBER" onclick="alert(1)'}, execution_count=1)],
             tags=[SCRIPT, "ok"]),
        raw("\\section{" + SCRIPT + "}", raw_mimetype="text/latex"),
        raw(SCRIPT, raw_mimetype=SCRIPT),
        title="</title><script>alert('title')</script>",
        language_info={"name": SCRIPT, "pygments_lexer": SCRIPT},
        widgets={WIDGET_STATE: state},
    )


def our_scripts_only(page_tree) -> list:
    """Every <script> element that is not one the lab template itself writes."""
    from converter.exporters.html import MATHJAX_URL, WIDGET_RENDERER_URL

    strays = []
    for script in scripts(page_tree):
        if script.get("src") in (MATHJAX_URL, WIDGET_RENDERER_URL):
            continue
        if script.get("type") in (WIDGET_STATE, WIDGET_VIEW):
            json.loads(script.text)  # data blocks stay valid JSON
            continue
        if (script.text or "").strip().startswith("window.MathJax = {"):
            continue
        strays.append(script)
    return strays


@pytest.mark.parametrize("template", ["lab", "basic"])
def test_nothing_breaks_out(template: str) -> None:
    page_html = render(hostile_notebook(), template=template)
    tree = parse(page_html)
    assert our_scripts_only(tree) == []
    for element in tree.iter():
        if isinstance(element.tag, str):
            assert not any(name.startswith("on") for name in element.attrib), (element.tag, element.attrib)
    # the strings are still there, shown as text
    body = text(tree)
    assert body.count(SCRIPT) >= 7  # heading, code, stream twice, text/plain, error twice


def test_title_from_metadata_is_text() -> None:
    tree = parse(render(hostile_notebook()))
    (title,) = elements(tree, "title")
    assert title.text == "</title><script>alert('title')</script>"


def test_tags_lexer_and_heading_stay_in_their_attributes() -> None:
    tree = parse(render(hostile_notebook(), template="basic"))
    assert by_class(tree, "jp-Notebook")[0].get("data-nbconv-language") == SCRIPT
    (code_cell,) = by_class(tree, "jp-CodeCell")
    assert "celltag_ok" in classes(code_cell)
    assert all(c.replace("-", "").replace("_", "").isalnum() for c in classes(code_cell))
    (h1,) = elements(tree, "h1")
    assert h1.get("id").startswith("Heading-")
    assert text(h1).startswith("Heading " + SCRIPT)


def test_image_data_and_metadata_cannot_add_attributes() -> None:
    tree = parse(render(hostile_notebook(), template="basic"))
    imgs = elements(tree, "img")
    assert len(imgs) == 2  # the SVG and the PNG
    for img in imgs:
        assert set(img.attrib) <= {"src", "alt", "width", "height"}
        assert img.get("src").startswith("data:image/")
    png = [img for img in imgs if img.get("src").startswith("data:image/png")][0]
    assert png.get("width") is None and png.get("height") is None
    # data with an attribute break-out in it is not base64: shown as a placeholder, never as an <img>
    assert "[image/png output with data that is not valid base64]" in text(tree)
    # the PDF payload carries an attribute break-out: not base64, so no link is made at all
    assert [a for a in elements(tree, "a") if (a.get("href") or "").startswith("data:application/pdf")] == []
    assert not [e for e in tree.iter() if isinstance(e.tag, str) and e.get("onclick")]
    assert "[application/pdf output with data that is not valid base64]" in text(tree)


def test_svg_output_is_an_inert_image() -> None:
    tree = parse(render(hostile_notebook(), template="basic"))
    assert not [e for e in tree.iter() if isinstance(e.tag, str) and e.tag.endswith("svg")]
    svg_img = [img for img in elements(tree, "img") if img.get("src").startswith("data:image/svg+xml")][0]
    payload = base64.b64decode(svg_img.get("src").split(",", 1)[1]).decode()
    assert payload == EVIL_SVG  # kept whole, but only ever loaded as an image


def test_widget_json_cannot_close_its_script() -> None:
    tree = parse(render(hostile_notebook()))
    (state,) = [s for s in scripts(tree) if s.get("type") == WIDGET_STATE]
    assert json.loads(state.text)["state"]["m1"]["state"]["value"] == "</script><script>alert('state')</script>"
    (view,) = [s for s in scripts(tree) if s.get("type") == WIDGET_VIEW]
    assert json.loads(view.text)["model_id"] == "</script><script>alert('view')</script>"


def test_javascript_output_cannot_end_its_own_script_early() -> None:
    js = "var s = '</script><script>window.escaped = 1</script>';"
    tree = parse(render(notebook(code("x", [v4.new_output("display_data", data={"application/javascript": js})])),
                        template="basic"))
    (script,) = scripts(tree)
    assert script.text.strip() == js.replace("</", "<\\/")


def test_filename_is_escaped_in_title(tmp_path: Path) -> None:
    name = '"><img src=x onerror=alert(1)> & co'
    path = write(notebook(markdown("hi")), tmp_path / f"{name}.ipynb")
    result = run_nbconv(path, "--stdout")
    assert result.returncode == 0, result.stderr
    tree = parse(result.stdout.decode())
    assert elements(tree, "title")[0].text == name
    assert [img for img in elements(tree, "img")] == []


# --sanitize-html ---------------------------------------------------------------

SANITIZE_MARKDOWN = """# Kept *heading*

<script>alert('md script')</script>
<img src="https://example.org/x.png" onerror="alert('img')" alt="pic">
<a href="javascript:alert('link')">js link</a> <a href="https://example.org/">good link</a>
<iframe src="https://example.org/"></iframe>
<svg onload="alert('inline svg')"><circle r="5"/></svg>
<p style="color: red; position: fixed; background-image: url(javascript:alert(1))">styled</p>
<object data="x.swf"></object><embed src="x.swf"><form action="/x"><button>go</button></form>

| a | b |
|---|---|
| 1 | 2 |

- [x] task
1. numbered

![inline image](data:image/png;base64,{png})
""".format(png=PNG)


def sanitized_notebook():
    return notebook(
        markdown(SANITIZE_MARKDOWN),
        code("x", [
            v4.new_output("display_data", data={"text/html": "<b onmouseover=\"alert('html')\">bold</b>"
                                                "<script>alert('html script')</script><table><tr><td>cell</td></tr></table>"}),
            v4.new_output("display_data", data={"text/plain": "js fallback", "application/javascript": "alert('js')"}),
            v4.new_output("display_data", data={"text/plain": "widget fallback", WIDGET_VIEW: {"model_id": "m"}}),
            v4.new_output("display_data", data={"text/markdown": "<img src=x onerror=\"alert('md out')\">**md**"}),
            v4.new_output("display_data", data={"image/svg+xml": EVIL_SVG}),
        ]),
        raw("<script>alert('raw')</script><h2>raw heading</h2>", raw_mimetype="text/html"),
        widgets={WIDGET_STATE: {"state": {}, "version_major": 2, "version_minor": 0}},
    )


def test_sanitize_removes_active_content_and_keeps_documents() -> None:
    page_html = render(sanitized_notebook(), sanitize_html=True)
    tree = parse(page_html)
    assert our_scripts_only(tree) == []
    assert not [s for s in scripts(tree) if s.get("type") in (WIDGET_STATE, WIDGET_VIEW)]
    (body_element,) = elements(tree, "body")
    for element in body_element.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag.split("}")[-1] not in ("iframe", "object", "embed", "form", "button", "svg", "style")
        assert not any(name.startswith("on") for name in element.attrib), element.attrib
        for attr in ("href", "src"):
            assert not (element.get(attr) or "").strip().lower().startswith("javascript")
    body = text(tree)
    assert "js fallback" in body and "widget fallback" in body  # script outputs dropped for text
    # documents survive: headings, tables, lists, images and safe styles
    assert elements(tree, "h1")[0].get("id") == "Kept-heading"
    assert [h.text for h in elements(tree, "h2")] == ["raw heading"]
    assert [td.text for td in elements(tree, "td")] == ["1", "2", "cell"]
    assert len(elements(tree, "li")) == 2 and elements(tree, "input")[0].get("type") == "checkbox"
    srcs = [img.get("src") for img in elements(tree, "img")]
    assert "https://example.org/x.png" in srcs and "data:image/png;base64," + PNG in srcs
    assert elements(tree, "strong")[0].text == "md"
    (styled,) = [p for p in elements(tree, "p") if p.text == "styled"]
    style = styled.get("style").replace(" ", "")
    assert "color:red" in style and "position" not in style and "javascript" not in style
    assert [a.get("href") for a in elements(tree, "a") if a.text == "good link"] == ["https://example.org/"]


def test_sanitize_is_off_by_default() -> None:
    tree = parse(render(sanitized_notebook()))
    assert len(our_scripts_only(tree)) >= 4  # markdown, text/html, javascript, raw cell scripts stay


def test_sanitize_from_cli(tmp_path: Path) -> None:
    path = write(sanitized_notebook(), tmp_path / "untrusted.ipynb")
    result = run_nbconv("--sanitize-html", path)
    assert result.returncode == 0, result.stderr
    tree = parse((tmp_path / "untrusted.html").read_text(encoding="utf-8"))
    assert our_scripts_only(tree) == []
    assert "js fallback" in text(tree)


# --embed-images -------------------------------------------------------------------

def test_embed_images_only_inside_the_notebook_directory(tmp_path: Path) -> None:
    png = base64.b64decode(PNG)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png)
    project = tmp_path / "project"
    (project / "img").mkdir(parents=True)
    (project / "inside.png").write_bytes(png)
    (project / "img" / "nested file.png").write_bytes(png)
    (project / "notes.txt").write_text("not an image")
    os.symlink(outside / "secret.png", project / "link-out.png")
    os.symlink(outside, project / "dir-out")
    os.symlink(project / "inside.png", project / "link-in.png")
    refs = {
        "inside": "inside.png",
        "nested": "img/nested%20file.png",
        "dotted": "./img/../inside.png",
        "link-in": "link-in.png",
        "parent": "../outside/secret.png",
        "deep": "../../../../../../etc/passwd",
        "absolute": str(outside / "secret.png"),
        "file-url": (outside / "secret.png").as_uri(),
        "link-out": "link-out.png",
        "dir-out": "dir-out/secret.png",
        "missing": "nope.png",
        "text": "notes.txt",
    }
    source = "\n\n".join(f"![{alt}]({url})" for alt, url in refs.items())
    path = write(notebook(markdown(source)), project / "nb.ipynb")
    expected_uri = "data:image/png;base64," + base64.b64encode(png).decode()

    result = run_nbconv("--embed-images", path, "--stdout")
    assert result.returncode == 0, result.stderr
    srcs = {img.get("alt"): img.get("src") for img in elements(parse(result.stdout.decode()), "img")}
    embedded = {alt for alt, src in srcs.items() if src.startswith("data:")}
    assert embedded == {"inside", "nested", "dotted", "link-in"}
    assert all(srcs[alt] == expected_uri for alt in embedded)
    for alt in set(refs) - embedded:
        assert "base64" not in (srcs[alt] or ""), alt  # left as written (or defused), never read

    plain = run_nbconv(path, "--stdout")
    assert "data:image/png" not in plain.stdout.decode()  # off unless asked for
