"""Hostile notebooks in a real browser: nothing injected runs, nothing leaves the page."""

from __future__ import annotations

import pytest

from conftest import run_nbconv
from converter.exporters.html import MATHJAX_URL, WIDGET_RENDERER_URL
from hostile import EVIL, escape_cases, trusted_cases, write

OUR_SCRIPTS = (MATHJAX_URL, WIDGET_RENDERER_URL)


def render(tmp_path, nb: dict, *flags: str, name: str = "hostile") -> str:
    source = tmp_path / f"{name}.ipynb"
    write(source, nb)
    result = run_nbconv("--to", "html", source, "--output-dir", tmp_path / "out", *flags)
    assert result.returncode == 0, result.stderr.decode()
    return (tmp_path / "out" / f"{name}.html").as_uri()


def load(watched_page, url: str):
    watched_page.page.goto(url)
    watched_page.page.wait_for_load_state("load")
    watched_page.page.wait_for_timeout(300)  # let onload/onerror handlers fire
    return watched_page


def injected_requests(watch) -> list[str]:
    return [url for url in watch.external if url not in OUR_SCRIPTS]


@pytest.mark.browser
def test_escape_cases_are_inert_without_sanitizing(watched_page, tmp_path):
    watch = load(watched_page, render(tmp_path, escape_cases()))
    assert watch.dialogs == []
    assert watch.errors == []
    assert injected_requests(watch) == []
    page = watch.page
    assert page.title() == "</title><script>alert('title')</script>"
    # the widget state stays one JSON document inside its script element
    state = page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/vnd.jupyter.widget-state+json\"]').textContent)")
    (model,) = state["state"].values()
    assert model["model_name"].startswith("</script>")
    # tags became class tokens, not markup
    assert page.locator(".celltag_ok").count() == 1
    assert page.locator("img[onerror]").count() == 0


@pytest.mark.browser
def test_hostile_file_name_is_inert(watched_page, tmp_path):
    name = "\"><img src=x onerror=alert('filename')>"
    nb = escape_cases()
    del nb["metadata"]["title"]
    watch = load(watched_page, render(tmp_path, nb, name=name))
    assert watch.dialogs == []
    assert watch.page.title() == name


@pytest.mark.browser
def test_sanitized_page_runs_nothing_and_requests_nothing(watched_page, tmp_path):
    for nb, name in ((trusted_cases(), "trusted"), (escape_cases(), "escapes")):
        watch = load(watched_page, render(tmp_path, nb, "--sanitize-html", name=name))
        assert watch.dialogs == [], name
        assert watch.errors == [], name
        assert injected_requests(watch) == [], name
        assert not [m for m in watch.console if "alert" in m or "evil" in m], name
    page = watch.page
    page.goto((tmp_path / "out" / "trusted.html").as_uri())
    # safe markup the notebook carries is kept
    assert page.locator("th", has_text="kept").count() == 1
    assert page.locator("h2", has_text="A kept heading").count() == 1
    assert page.locator("b", has_text="kept bold").count() == 1
    assert page.locator("span[style*='color']", has_text="red").count() == 1
    # no element the sanitizer should have dropped survived
    for selector in ("iframe", "object", "embed", "form", "meta[http-equiv]", "base", "link[href*='evil']",
                     "[onerror]", "[onload]", "a[href^='javascript']"):
        assert page.locator(selector).count() == 0, selector
    scripts = page.evaluate("[...document.scripts].map(s => s.src || s.textContent.slice(0, 40))")
    assert all(src == MATHJAX_URL or "MathJax" in src for src in scripts), scripts


@pytest.mark.browser
def test_unsanitized_trusted_content_does_run(watched_page, tmp_path):
    """The control: without --sanitize-html the notebook's own scripts run (as in Jupyter),
    which shows the browser harness really detects execution."""
    watch = load(watched_page, render(tmp_path, trusted_cases()))
    assert "alert: md-script" in watch.dialogs
    assert "alert: javascript" in watch.dialogs
    assert "alert: svg-onload" not in watch.dialogs  # SVG is always shown as an image
    assert "alert: svg-script" not in watch.dialogs
    assert any(url.startswith(EVIL) for url in watch.external)
