"""Code cells and every output type in HTML (issue 2, point 4): streams with ANSI
colours, \\r and \\b; errors; the mime priority of rich outputs; image sizes; raw cells;
tags as classes; prompts, --no-input and --no-prompt; the highlighting language."""

from __future__ import annotations

import base64

import pytest
from nbformat import v4

from nbbuild import by_class, classes, code, elements, markdown, notebook, parse, raw, render, text

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
JPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# Widget views are shown only for models whose state the notebook saved.
SAVED_WIDGETS = {"application/vnd.jupyter.widget-state+json": {
    "state": {"m1": {"model_name": "IntSliderModel"}}, "version_major": 2, "version_minor": 0}}


def outputs_of(*outputs, **options):
    """The output elements (``jp-OutputArea-output``) of one code cell with ``outputs``."""
    page = parse(render(notebook(code("x = 1", list(outputs), count=7), widgets=SAVED_WIDGETS),
                        template="basic", **options))
    return by_class(page, "jp-OutputArea-output")


def stream(name: str, text_: str):
    return v4.new_output("stream", name=name, text=text_)


def display(data: dict, metadata: dict | None = None):
    return v4.new_output("display_data", data=data, metadata=metadata or {})


def test_stdout_and_stderr_with_ansi_colours() -> None:
    out, err = outputs_of(
        stream("stdout", "plain \x1b[31mred\x1b[0m \x1b[1;32mbold green\x1b[0m \x1b[38;5;196mindexed\x1b[0m"
               " \x1b[94mbright\x1b[0m <tag> & done\n"),
        stream("stderr", "\x1b[41mwarning background\x1b[0m\n"),
    )
    assert out.get("data-mime-type") == "application/vnd.jupyter.stdout"
    assert err.get("data-mime-type") == "application/vnd.jupyter.stderr"
    assert text(out).strip() == "plain red bold green indexed bright <tag> & done"
    spans = {span.text: span for span in elements(out, "span")}
    assert classes(spans["red"]) == {"ansi-red-fg"}
    assert classes(spans["bold green"]) == {"ansi-green-intense-fg", "ansi-bold"}  # bold basic colours are intense, as in Jupyter
    assert classes(spans["bright"]) == {"ansi-blue-intense-fg"}
    assert spans["indexed"].get("style").replace(" ", "") == "color:rgb(255,0,0)"
    assert classes(elements(err, "span")[0]) == {"ansi-red-bg"}
    assert "\x1b" not in text(out) + text(err)


def test_carriage_return_and_backspace() -> None:
    (out,) = outputs_of(stream("stdout", "progress 10%\rprogress 50%\rprogress 100%\nab\bc\nwindows\r\nline\n"))
    assert text(out).strip() == "progress 100%\nac\nwindows\nline"


def test_error_with_coloured_traceback() -> None:
    traceback = ["\x1b[0;31m---------------------------------------------------------------\x1b[0m",
                 "\x1b[0;31mZeroDivisionError\x1b[0m   Traceback (most recent call last)",
                 "\x1b[0;32m----> 1\x1b[0m\x1b[0;36m 1 / 0\x1b[0m",
                 "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"]
    (out,) = outputs_of(v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                      traceback=traceback))
    assert out.get("data-mime-type") == "application/vnd.jupyter.stderr"
    body = text(out)
    assert "ZeroDivisionError   Traceback (most recent call last)" in body
    assert body.strip().endswith("ZeroDivisionError: division by zero")
    assert "----> 1 1 / 0" in body
    assert {"ansi-red-fg", "ansi-green-fg", "ansi-cyan-fg"} <= set().union(*(classes(s) for s in elements(out, "span")))


def test_error_without_traceback_shows_name_and_value() -> None:
    (out,) = outputs_of(v4.new_output("error", ename="KeyError", evalue="'k'", traceback=[]))
    assert text(out).strip() == "KeyError: 'k'"


# The priority, richest first; each case holds its type and every poorer one.
PRIORITY = [
    (WIDGET_VIEW, {"model_id": "m1", "version_major": 2, "version_minor": 0}),
    ("text/html", "<b>html output</b>"),
    ("text/markdown", "**markdown** output"),
    ("text/latex", r"$\alpha_1 < 2$"),
    ("image/svg+xml", SVG),
    ("image/png", PNG),
    ("image/jpeg", JPEG),
    ("application/pdf", "JVBERi0xLjQK"),
    ("application/javascript", "document.title = 'js ran';"),
    ("text/plain", "plain <text>"),
]


@pytest.mark.parametrize("index", range(len(PRIORITY)), ids=[m for m, _ in PRIORITY])
def test_mime_priority(index: int) -> None:
    data = dict(PRIORITY[index:])
    (out,) = outputs_of(display(data))
    assert out.get("data-mime-type") == PRIORITY[index][0]
    # the same for execute_result, which also gets the Out[n] prompt
    page = parse(render(notebook(code("x", [v4.new_output("execute_result", data=data, execution_count=7)]),
                                 widgets=SAVED_WIDGETS), template="basic"))
    (out,) = by_class(page, "jp-OutputArea-output")
    assert out.get("data-mime-type") == PRIORITY[index][0]
    assert text(by_class(page, "jp-OutputPrompt")[0]) == "Out[7]:"


def test_each_representation_is_rendered_for_its_type() -> None:
    widget, html, md, latex, svg, png, jpeg, pdf, js, plain = outputs_of(
        *(display({mimetype: value}) for mimetype, value in PRIORITY))
    view = [s for s in elements(widget, "script") if s.get("type") == WIDGET_VIEW]
    assert view and '"model_id": "m1"' in view[0].text
    assert elements(html, "b")[0].text == "html output"
    assert elements(md, "strong")[0].text == "markdown"
    assert text(latex).strip() == r"$\alpha_1 < 2$"  # left for MathJax, escaped for HTML
    for element, mimetype, payload in ((svg, "image/svg+xml", base64.b64encode(SVG.encode()).decode()),
                                       (png, "image/png", PNG), (jpeg, "image/jpeg", JPEG)):
        (img,) = elements(element, "img")
        assert img.get("src") == f"data:{mimetype};base64,{payload}"
    (link,) = elements(pdf, "a")
    assert link.get("href") == "data:application/pdf;base64,JVBERi0xLjQK" and link.get("download")
    assert elements(js, "script")[0].text.strip() == "document.title = 'js ran';"
    assert text(plain).strip() == "plain <text>"


def test_base64_with_line_breaks_becomes_one_uri() -> None:
    (out,) = outputs_of(display({"image/png": PNG[:20] + "\n" + PNG[20:] + "\n"}))
    assert elements(out, "img")[0].get("src") == "data:image/png;base64," + PNG


def test_unknown_mimetype_is_reported_not_dropped() -> None:
    (out,) = outputs_of(display({"application/x-custom": "zz"}))
    assert "application/x-custom" in text(out)


@pytest.mark.parametrize("metadata, expected", [
    ({"image/png": {"width": 40, "height": 30}}, {"width": "40", "height": "30"}),
    ({"image/png": {"width": "64"}}, {"width": "64", "height": None}),
    ({"width": 12, "height": 8}, {"width": "12", "height": "8"}),  # old top-level form
    ({"image/png": {"width": -3, "height": "30px\" onerror=\"x"}}, {"width": None, "height": None}),
    ({"image/png": {"width": True}}, {"width": None, "height": None}),
])
def test_image_size_metadata(metadata: dict, expected: dict) -> None:
    (out,) = outputs_of(display({"image/png": PNG}, metadata))
    img = elements(out, "img")[0]
    assert {key: img.get(key) for key in expected} == expected
    assert img.get("onerror") is None


def test_unconfined_image() -> None:
    confined, unconfined = outputs_of(display({"image/png": PNG}),
                                      display({"image/png": PNG}, {"image/png": {"unconfined": True}}))
    assert "jp-mod-unconfined" not in classes(confined)
    assert "jp-mod-unconfined" in classes(unconfined)


def test_raw_cells_by_mimetype() -> None:
    nb = notebook(raw("<b>raw html</b>", raw_mimetype="text/html"),
                  raw("*raw markdown*", raw_mimetype="text/markdown"),
                  raw(r"\LaTeX only", raw_mimetype="text/latex"),
                  raw("rst only\n========", raw_mimetype="text/restructuredtext"),
                  raw("print('py only')", raw_mimetype="text/x-python"),
                  raw("<i>no mimetype</i>"))
    page = parse(render(nb, template="basic"))
    cells = by_class(page, "jp-RawCell")
    assert len(cells) == 3
    assert elements(cells[0], "b")[0].text == "raw html"
    assert elements(cells[1], "em")[0].text == "raw markdown"
    assert elements(cells[2], "i") == []  # no format: shown as text, not HTML
    assert text(cells[2]).strip() == "<i>no mimetype</i>"
    body = text(page)
    assert "LaTeX only" not in body and "rst only" not in body and "py only" not in body


def test_cell_tags_become_classes() -> None:
    nb = notebook(code("x", tags=["hide-input", "two words", 'q"><script>']), markdown("m", metadata={"tags": ["note"]}))
    page = parse(render(nb, template="basic"))
    (code_cell,) = by_class(page, "jp-CodeCell")
    assert {"celltag_hide-input", "celltag_two_words", "celltag_q___script_"} <= classes(code_cell)
    assert "celltag_note" in classes(by_class(page, "jp-MarkdownCell")[0])
    assert elements(page, "script") == []


def _prompt_nb():
    return notebook(markdown("# Words stay"),
                    code("print('hi')", [stream("stdout", "hi\n")], count=3),
                    code("6 * 7", [v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=4)], count=4),
                    code("never_run()", count=None))


def test_prompts_with_execution_counts() -> None:
    page = parse(render(_prompt_nb(), template="basic"))
    assert [text(p) for p in by_class(page, "jp-InputPrompt")] == ["In\xa0[3]:", "In\xa0[4]:", "In\xa0[ ]:"]
    assert [text(p) for p in by_class(page, "jp-OutputPrompt")] == ["", "Out[4]:"]


def test_no_prompt() -> None:
    page = parse(render(_prompt_nb(), template="basic", no_prompt=True))
    assert by_class(page, "jp-InputPrompt") == [] and by_class(page, "jp-OutputPrompt") == []
    assert "print('hi')" in text(page) and "42" in text(page)


def test_no_input() -> None:
    page = parse(render(_prompt_nb(), template="basic", no_input=True))
    assert by_class(page, "jp-InputArea") == [] and by_class(page, "jp-InputPrompt") == []
    body = text(page)
    assert "print('hi')" not in body and "6 * 7" not in body and "never_run" not in body
    assert "hi" in body and "42" in body and "Out[4]:" in body  # outputs stay
    assert elements(page, "h1")[0].text == "Words stay"  # markdown is not input
    assert all("jp-mod-noInput" in classes(cell) for cell in by_class(page, "jp-CodeCell"))


def _keyword_classes(page, word: str) -> set[str]:
    return {c for span in elements(page, "span") if span.text == word for c in classes(span)}


@pytest.mark.parametrize("metadata, language, echo_class", [
    ({"language_info": {"name": "python", "pygments_lexer": "bash"}, "kernelspec": {"name": "p", "display_name": "P", "language": "python"}}, "bash", "nb"),
    ({"language_info": {"name": "bash"}, "kernelspec": {"name": "p", "display_name": "P", "language": "python"}}, "bash", "nb"),
    ({"kernelspec": {"name": "b", "display_name": "B", "language": "bash"}}, "bash", "nb"),
    ({"language_info": {"name": "python", "pygments_lexer": "ipython3"}}, "ipython3", "n"),
    ({}, "python", "n"),
    ({"language_info": {"name": "no-such-language"}}, "no-such-language", None),
])
def test_code_highlighting_language(metadata: dict, language: str, echo_class: str | None) -> None:
    page = parse(render(notebook(code("echo $HOME"), **metadata), template="basic"))
    assert by_class(page, "jp-Notebook")[0].get("data-nbconv-language") == language
    assert "echo $HOME" in text(page)
    if echo_class is None:
        assert elements(by_class(page, "jp-InputArea-editor")[0], "span") == []
    else:
        assert _keyword_classes(page, "echo") == {echo_class}
