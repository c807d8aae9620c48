"""The viewer as an operator runs it: local files, the front page, compression, ETags,
metrics, a base URL. Real ``nbconv serve`` processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest

from tests.fake_forges import notebook, serve_forge
from tests.test_viewer_redis import redis_url  # noqa: F401  (fixture: a real redis-server)
from tests.viewer_servers import start_viewer  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def shelf(tmp_path_factory) -> Path:
    """A --localfiles folder with a notebook, a subfolder, hidden files and links out."""
    root = tmp_path_factory.mktemp("shelf")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.ipynb").write_bytes(notebook("OUTSIDE-SECRET"))
    (root / "top.ipynb").write_bytes(notebook("LOCAL-TOP", ("Top", "Details")))
    (root / "sub").mkdir()
    (root / "sub" / "inner.ipynb").write_bytes(notebook("LOCAL-INNER"))
    (root / "sub" / "data.csv").write_text("a,b\n")
    (root / ".private").mkdir()
    (root / ".private" / "hidden.ipynb").write_bytes(notebook("LOCAL-HIDDEN"))
    (root / ".hidden.ipynb").write_bytes(notebook("LOCAL-DOTFILE"))
    (root / "escape.ipynb").symlink_to(outside / "secret.ipynb")
    (root / "escape-dir").symlink_to(outside)
    (root / "inside-link.ipynb").symlink_to(root / "top.ipynb")
    (root / "to-hidden.ipynb").symlink_to(root / ".private" / "hidden.ipynb")
    (root / "to-hidden-dir").symlink_to(root / ".private")
    (root / "loop-a").symlink_to(root / "loop-b")
    (root / "loop-b").symlink_to(root / "loop-a")
    os.mkfifo(root / "pipe.ipynb")
    return root


@pytest.fixture(scope="module")
def local_viewer(shelf, start_viewer):
    gallery = shelf.parent / "gallery.json"
    gallery.write_text(json.dumps([{"label": "Top notebook", "url": "/localfiles/top.ipynb"},
                                   {"label": "A GitHub repo", "url": "https://github.com/alice/demo"}]))
    return start_viewer("--localfiles", str(shelf), "--frontpage", str(gallery))


def test_local_listing_hides_hidden_files_and_links_out(local_viewer):
    page = httpx.get(local_viewer.url + "/localfiles/", timeout=30)
    assert page.status_code == 200
    hrefs = re.findall(r'href="([^"]+)"', page.text)
    assert "/localfiles/top.ipynb" in hrefs and "/localfiles/sub" in hrefs
    assert "/localfiles/inside-link.ipynb" in hrefs
    assert not any(".private" in href or ".hidden" in href or "escape" in href or "to-hidden" in href
                   or "loop" in href or "pipe" in href for href in hrefs)
    sub = httpx.get(local_viewer.url + "/localfiles/sub", timeout=30)
    assert "/localfiles/sub/inner.ipynb" in sub.text and "data.csv" not in sub.text


def test_local_notebook_renders(local_viewer):
    page = httpx.get(local_viewer.url + "/localfiles/sub/inner.ipynb", timeout=30)
    assert page.status_code == 200 and "LOCAL-INNER" in page.text
    download = httpx.get(local_viewer.url + "/localfiles/sub/inner.ipynb?download", timeout=30)
    assert download.status_code == 200 and json.loads(download.content)["nbformat"] == 4
    assert 'filename="inner.ipynb"' in download.headers["content-disposition"]


@pytest.mark.parametrize("path", [
    "/localfiles/../outside/secret.ipynb",
    "/localfiles/%2e%2e/secret.ipynb",
    "/localfiles/sub/%2E%2E/%2E%2E/secret.ipynb",
    "/localfiles//etc/passwd",
    "/localfiles/%2Fetc%2Fpasswd",
    "/localfiles/escape.ipynb",
    "/localfiles/escape-dir/secret.ipynb",
    "/localfiles/.private/hidden.ipynb",
    "/localfiles/.hidden.ipynb",
    "/localfiles/sub/data.csv",
    "/localfiles/nope.ipynb",
    "/localfiles/to-hidden.ipynb",
    "/localfiles/to-hidden-dir/hidden.ipynb",
    "/localfiles/loop-a",
    "/localfiles/pipe.ipynb",
    "/localfiles/" + "n" * 300 + ".ipynb",
])
def test_local_paths_out_of_the_folder_are_refused(local_viewer, path):
    page = httpx.get(local_viewer.url + path, timeout=30)
    assert page.status_code == 404
    assert "OUTSIDE-SECRET" not in page.text and "root:" not in page.text and "LOCAL-HIDDEN" not in page.text


def test_front_page_gallery_and_pasted_links(local_viewer):
    home = httpx.get(local_viewer.url + "/", timeout=30)
    assert 'href="/localfiles/top.ipynb"' in home.text and 'href="/github/alice/demo"' in home.text
    for pasted, route in [("https://github.com/o/r/blob/main/a.ipynb", "/github/o/r/blob/main/a.ipynb"),
                          ("gist.github.com/someone/0123456789abcdef0123", "/gist/someone/0123456789abcdef0123"),
                          ("https://gitlab.com/g/p/-/tree/main", "/gitlab/gitlab.com/g/p/-/tree/main"),
                          ("http://example.org/x.ipynb", "/url/example.org/x.ipynb")]:
        answer = httpx.get(local_viewer.url + "/", params={"url": pasted}, timeout=30)
        assert answer.status_code == 303 and answer.headers["location"] == route
    refused = httpx.get(local_viewer.url + "/", params={"url": "javascript:alert(1)"}, timeout=30)
    assert refused.status_code == 400


def test_gzip_brotli_and_not_modified(local_viewer):
    url = local_viewer.url + "/localfiles/top.ipynb"
    plain = httpx.get(url, headers={"accept-encoding": "identity"}, timeout=30)
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    etag = plain.headers["etag"]
    zipped = httpx.get(url, headers={"accept-encoding": "gzip"}, timeout=30)
    assert zipped.headers["content-encoding"] == "gzip"
    assert len(zipped.headers["content-length"]) and int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.text == plain.text  # httpx decodes it back
    assert "accept-encoding" in zipped.headers["vary"].lower()
    brotli = httpx.get(url, headers={"accept-encoding": "br"}, timeout=30)
    assert brotli.headers["content-encoding"] == "br"
    again = httpx.get(url, headers={"if-none-match": etag}, timeout=30)
    assert again.status_code == 304 and again.content == b""
    zipped_again = httpx.get(url, headers={"if-none-match": zipped.headers["etag"], "accept-encoding": "gzip"},
                             timeout=30)
    assert zipped_again.status_code == 304
    changed = httpx.get(url, headers={"if-none-match": '"something-else"'}, timeout=30)
    assert changed.status_code == 200
    raw = httpx.get(local_viewer.url + "/localfiles/", headers={"accept-encoding": "gzip"}, timeout=30)
    assert raw.headers.get("content-encoding") == "gzip"  # listings too


def _metric(text: str, name: str, label: str) -> float:
    match = re.search('^' + re.escape(f'{name}{{{label}}}') + r' (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_cache_and_renders(local_viewer):
    before = httpx.get(local_viewer.url + "/metrics", timeout=30).text
    assert "# TYPE nbconv_viewer_requests_total counter" in before
    httpx.get(local_viewer.url + "/localfiles/sub/inner.ipynb?format=script", timeout=30)
    httpx.get(local_viewer.url + "/localfiles/sub/inner.ipynb?format=script", timeout=30)
    httpx.get(local_viewer.url + "/localfiles/missing.ipynb", timeout=30)
    after = httpx.get(local_viewer.url + "/metrics", timeout=30).text
    assert _metric(after, "nbconv_viewer_requests_total", 'status="200"') >= \
        _metric(before, "nbconv_viewer_requests_total", 'status="200"') + 3
    assert _metric(after, "nbconv_viewer_requests_total", 'status="404"') == \
        _metric(before, "nbconv_viewer_requests_total", 'status="404"') + 1
    assert _metric(after, "nbconv_viewer_cache_total", 'result="hit"') >= \
        _metric(before, "nbconv_viewer_cache_total", 'result="hit"') + 1
    assert _metric(after, "nbconv_viewer_render_seconds_bucket", 'le="+Inf"') >= \
        _metric(before, "nbconv_viewer_render_seconds_bucket", 'le="+Inf"') + 1


def test_base_url_serves_under_a_prefix(shelf, start_viewer):
    viewer = start_viewer("--localfiles", str(shelf), "--base-url", "/viewer/")
    home = httpx.get(viewer.url + "/viewer/", timeout=30)
    assert home.status_code == 200
    assert 'href="/viewer/static/viewer.css' in home.text and 'action="/viewer/"' in home.text
    assert httpx.get(viewer.url + "/viewer/static/viewer.css", timeout=30).status_code == 200
    listing = httpx.get(viewer.url + "/viewer/localfiles/", timeout=30)
    assert 'href="/viewer/localfiles/top.ipynb"' in listing.text
    page = httpx.get(viewer.url + "/viewer/localfiles/top.ipynb", timeout=30)
    assert "LOCAL-TOP" in page.text and 'href="/viewer/localfiles/top.ipynb?format=script"' in page.text
    redirect = httpx.get(viewer.url + "/viewer/", params={"url": "http://example.org/a.ipynb"}, timeout=30)
    assert redirect.headers["location"] == "/viewer/url/example.org/a.ipynb"
    assert httpx.get(viewer.url + "/localfiles/top.ipynb", timeout=30).status_code == 404
    assert httpx.get(viewer.url + "/healthz", timeout=30).status_code == 200  # probes stay at the root


def test_two_processes_with_one_redis_render_a_cold_url_once(redis_url, start_viewer):
    url, _ = redis_url
    with serve_forge() as forge:
        forge.raw_delay = 1.5
        flags = ["--allow-network", "127.0.0.0/8", "--cache", url, "--github-raw-url", f"{forge.url}/gh-raw"]
        first, second = start_viewer(*flags), start_viewer(*flags)
        path = "/github/alice/demo/blob/dev/dev-only.ipynb"
        results: dict[str, httpx.Response] = {}

        def fetch(name: str, viewer) -> None:
            results[name] = httpx.get(viewer.url + path, timeout=60)

        import threading

        threads = [threading.Thread(target=fetch, args=(name, viewer))
                   for name, viewer in (("first", first), ("second", second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {r.status_code for r in results.values()} == {200}
        assert all("DEV-ONLY" in r.text for r in results.values())
        assert sorted(r.headers["x-cache"] for r in results.values()) == ["hit", "miss"]
        assert forge.count("/gh-raw/alice/demo/dev/dev-only.ipynb") == 1


def test_slides_route_shows_reveal_slides_with_only_reveal_scripts(local_viewer):
    page = httpx.get(local_viewer.url + "/localfiles/top.ipynb", timeout=30)
    assert 'href="/localfiles/top.ipynb?format=slides"' in page.text
    moved = httpx.get(local_viewer.url + "/format/slides/localfiles/top.ipynb", timeout=30)
    assert moved.status_code == 307 and moved.headers["location"] == "/localfiles/top.ipynb?format=slides"
    slides = httpx.get(local_viewer.url + moved.headers["location"], timeout=30)
    assert slides.status_code == 200 and "LOCAL-TOP" in slides.text
    assert '<div class="reveal' in slides.text and "<section" in slides.text
    policy = slides.headers["content-security-policy"]
    assert policy.count("content-security-policy") == 0 and "script-src https://cdn.jsdelivr.net/npm/reveal.js@" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert len(slides.headers.get_list("content-security-policy")) == 1
    assert "'sha256-" in policy  # the page's own Reveal.initialize, by hash
