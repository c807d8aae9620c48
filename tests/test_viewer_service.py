"""The viewer over real HTTP: uvicorn on 127.0.0.1, an upstream server on 127.0.0.1.

Only loopback is contacted here; the address refusals (which name other addresses)
run in an isolated network namespace, see test_viewer_refusals.py.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from conftest import CORPUS, corpus_notebooks
from viewer_servers import client, code_cell, free_port, notebook_json, start_viewer, upstream, viewer  # noqa: F401

CSP_DIRECTIVES = {"default-src 'none'", "script-src 'none'", "style-src 'self'", "base-uri 'none'"}


def corpus_url(viewer, upstream, name: str, query: str = "") -> str:
    return f"{viewer.url}/url/{upstream.base}/corpus/{name}{query}"


def assert_safe_headers(response) -> None:
    directives = {d.strip() for d in response.headers["content-security-policy"].split(";")}
    assert CSP_DIRECTIVES <= directives
    assert not any("unsafe-inline" in d for d in directives if d.startswith(("script-src", "default-src", "style-src ")))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", corpus_notebooks())
def test_every_corpus_notebook_renders(viewer, upstream, client, path):
    name = path.relative_to(CORPUS).as_posix()
    response = client.get(corpus_url(viewer, upstream, name))
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_safe_headers(response)
    page = response.text
    assert 'class="jp-Notebook"' in page
    assert "<script" not in page.lower()
    nb = nbformat.read(path, as_version=4)
    assert page.count('class="jp-Cell jp-CodeCell') == len([c for c in nb.cells if c.cell_type == "code"])
    assert page.count('class="jp-Cell jp-MarkdownCell') == len([c for c in nb.cells if c.cell_type == "markdown"])


def test_page_frame_names_the_source_and_links_to_code_and_download(viewer, upstream, client):
    page = client.get(corpus_url(viewer, upstream, "nbconvert-tests/notebook1.ipynb")).text
    assert f'href="http://{upstream.base}/corpus/nbconvert-tests/notebook1.ipynb"' in page
    assert f'href="/url/{upstream.base}/corpus/nbconvert-tests/notebook1.ipynb?format=script"' in page
    assert f'href="/url/{upstream.base}/corpus/nbconvert-tests/notebook1.ipynb?download"' in page
    assert '<link rel="stylesheet" href="/static/viewer.css' in page


def test_math_is_mathml(viewer, upstream, client):
    page = client.get(corpus_url(viewer, upstream, "notebook-docs/Typesetting_Equations.ipynb")).text
    assert page.count("<math ") >= 10
    assert "<msup>" in page and "<mfrac>" in page
    # notebook1 has a SymPy text/latex output: $$x^{2} + 2.0 y + \sin{\left (z \right )}$$
    page = client.get(corpus_url(viewer, upstream, "nbconvert-tests/notebook1.ipynb")).text
    assert '<math display="block"><mrow><msup><mi>x</mi><mrow><mn>2</mn></mrow></msup><mo>+</mo><mn>2.0</mn>' in page


def test_format_script_is_the_code_as_text(viewer, upstream, client):
    response = client.get(corpus_url(viewer, upstream, "nbconvert-tests/notebook1.ipynb", "?format=script"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert_safe_headers(response)
    nb = nbformat.read(CORPUS / "nbconvert-tests/notebook1.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.lstrip().startswith(("%", "!")):
            assert cell.source in response.text
    first_markdown_line = next(c for c in nb.cells if c.cell_type == "markdown").source.splitlines()[0]
    assert "# " + first_markdown_line in response.text  # markdown as comments, as --to script does
    compile(response.text, "notebook1.py", "exec")  # magics were turned into Python
    assert "<div" not in response.text


def test_download_returns_the_notebook_file(viewer, upstream, client):
    response = client.get(corpus_url(viewer, upstream, "nbconvert-tests/notebook1.ipynb", "?download"))
    assert response.status_code == 200
    assert response.content == (CORPUS / "nbconvert-tests/notebook1.ipynb").read_bytes()
    assert response.headers["content-type"] == "application/x-ipynb+json"
    assert response.headers["content-disposition"] == 'attachment; filename="notebook1.ipynb"'


def test_upstream_query_string_is_kept_and_ours_is_not_forwarded(viewer, upstream, client):
    response = client.get(corpus_url(viewer, upstream, "nbconvert-tests/notebook2.ipynb", "?rev=7&format=script"))
    assert response.status_code == 200
    assert [seen.path for seen in upstream.seen("/corpus/nbconvert-tests/notebook2.ipynb?")] == [
        "/corpus/nbconvert-tests/notebook2.ipynb?rev=7"]


def test_path_characters_reach_upstream_as_written(viewer, upstream, client):
    upstream.documents["odd name?#.ipynb"] = (CORPUS / "nbconvert-tests/notebook2.ipynb").read_bytes()
    response = client.get(f"{viewer.url}/url/{upstream.base}/doc/odd%20name%3F%23.ipynb")
    assert response.status_code == 200
    assert upstream.seen("/doc/odd%20name%3F%23.ipynb")


def test_front_page_form_and_redirect(viewer, upstream, client):
    page = client.get(viewer.url + "/")
    assert page.status_code == 200 and '<form class="nbv-form" action="/" method="get">' in page.text
    assert_safe_headers(page)
    redirect = client.get(viewer.url + "/", params={"url": f"http://{upstream.base}/corpus/a.ipynb?x=1"})
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"/url/{upstream.base}/corpus/a.ipynb?x=1"
    https = client.get(viewer.url + "/", params={"url": "example.org/nb.ipynb"})
    assert https.headers["location"] == "/urls/example.org/nb.ipynb"
    refused = client.get(viewer.url + "/", params={"url": "file:///etc/passwd"})
    assert refused.status_code == 400


def test_healthz_and_stylesheet(viewer, client):
    assert client.get(viewer.url + "/healthz").text == "ok\n"
    css = client.get(viewer.url + "/static/viewer.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert ".jp-Cell" in css.text and ".nbv-header" in css.text and ".highlight" in css.text


# ----- errors: each with its status, never echoing upstream markup, never cached -----

def error_of(client, url: str):
    response = client.get(url)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert_safe_headers(response)
    assert "<script" not in response.text.lower()
    return response


@pytest.mark.parametrize("path, status", [
    ("corpus/missing.ipynb", 404),
    ("status/404", 404),
    ("status/410", 404),
    ("status/500", 502),
    ("status/503", 502),
    ("status/403", 502),
    ("hang/x.ipynb", 504),
    ("declared-big/x.ipynb", 413),
    ("no-length/x.ipynb", 413),
    ("gzip-lie/x.ipynb", 413),
    ("chain/6/nbconvert-tests/notebook2.ipynb", 502),
])
def test_upstream_failures_map_to_statuses(viewer, upstream, client, path, status):
    response = error_of(client, f"{viewer.url}/url/{upstream.base}/{path}")
    assert response.status_code == status, response.text[-600:]


def test_five_redirects_are_followed(viewer, upstream, client):
    response = client.get(f"{viewer.url}/url/{upstream.base}/chain/5/nbconvert-tests/notebook2.ipynb")
    assert response.status_code == 200 and 'class="jp-Notebook"' in response.text


def test_refused_connection_is_502(viewer, client):
    response = error_of(client, f"{viewer.url}/url/127.0.0.1:{free_port()}/nb.ipynb")
    assert response.status_code == 502
    assert "cannot connect" in response.text


@pytest.mark.parametrize("document, expected", [
    (b"<html><script>alert(1)</script></html>", "invalid JSON at line 1, column 1"),
    (b'["<script>alert(1)</script>"]', "not a Jupyter notebook"),
    (json.dumps({"nbformat": "<script>alert(1)</script>"}).encode(),
     "&#34;nbformat&#34; must be a version number, got &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;"),
    (notebook_json([{"cell_type": "code", "source": "1", "id": "x"}]), "invalid notebook: cell 1 of 1 (code)"),
])
def test_not_a_notebook_is_400_with_the_parse_error_escaped(viewer, upstream, client, document, expected):
    name = f"bad-{abs(hash(document))}.ipynb"
    upstream.documents[name] = document
    response = error_of(client, f"{viewer.url}/url/{upstream.base}/doc/{name}")
    assert response.status_code == 400
    assert expected in response.text


def test_unknown_format_is_400(viewer, upstream, client):
    response = error_of(client, corpus_url(viewer, upstream, "nbconvert-tests/notebook2.ipynb", "?format=pdf"))
    assert response.status_code == 400 and "unknown format" in response.text


def test_errors_are_not_cached(viewer, upstream, client):
    url = f"{viewer.url}/url/{upstream.base}/flaky/nbconvert-tests/notebook3_with_errors.ipynb"
    assert client.get(url).status_code == 502
    second = client.get(url)
    assert second.status_code == 200 and second.headers["x-cache"] == "miss"
    assert len(upstream.seen("/flaky/nbconvert-tests/notebook3_with_errors.ipynb")) == 2


def test_missing_notebooks_are_asked_for_again(viewer, upstream, client):
    url = f"{viewer.url}/url/{upstream.base}/corpus/not-yet.ipynb"
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert len(upstream.seen("/corpus/not-yet.ipynb")) == 2


# ----- caching -----

def test_two_page_loads_fetch_once(viewer, upstream, client):
    url = corpus_url(viewer, upstream, "nbconvert-tests/notebook4_jpeg.ipynb", "?case=two-loads")
    first, second = client.get(url), client.get(url)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.text == second.text
    assert len(upstream.seen("/corpus/nbconvert-tests/notebook4_jpeg.ipynb?case=two-loads")) == 1


def test_formats_are_cached_separately(viewer, upstream, client):
    url = corpus_url(viewer, upstream, "nbconvert-tests/notebook_tags.ipynb", "?case=formats")
    html = client.get(url)
    script = client.get(url + "&format=script")
    assert html.headers["content-type"].startswith("text/html")
    assert script.headers["content-type"].startswith("text/plain")
    assert script.headers["x-cache"] == "miss"


def test_concurrent_requests_fetch_and_render_once(viewer, upstream, client):
    url = f"{viewer.url}/url/{upstream.base}/slow/1/nbconvert-tests/exporters-svg.ipynb"
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: client.get(url), range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert len({r.text for r in responses}) == 1
    assert len(upstream.seen("/slow/1/nbconvert-tests/exporters-svg.ipynb")) == 1


def test_stale_entries_are_revalidated_with_etag(start_viewer, upstream, client):
    always_stale = start_viewer("--allow-network", "127.0.0.0/8", "--cache-ttl", "0")
    url = corpus_url(always_stale, upstream, "nbconvert-tests/exporters-prompt_numbers.ipynb", "?case=stale")
    first, second = client.get(url), client.get(url)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "revalidated")
    assert first.text == second.text
    seen = upstream.seen("/corpus/nbconvert-tests/exporters-prompt_numbers.ipynb?case=stale")
    assert len(seen) == 2
    assert "if-none-match" not in seen[0].headers
    assert seen[1].headers["if-none-match"].startswith('"')
    assert seen[1].headers["if-modified-since"] == "Tue, 01 Sep 2026 10:00:00 GMT"


def test_several_workers_serve(start_viewer, upstream, client):
    workers = start_viewer("--allow-network", "127.0.0.0/8", "--workers", "2")
    url = corpus_url(workers, upstream, "nbconvert-tests/notebook2.ipynb", "?case=workers")
    responses = [client.get(url) for _ in range(4)]
    assert [r.status_code for r in responses] == [200] * 4
    assert "Started parent process" in workers.log.read_text()
