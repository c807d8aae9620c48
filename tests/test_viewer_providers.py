"""The viewer's providers against fake GitHub, gist and GitLab APIs on real HTTP servers.

The viewer runs as ``nbconv serve`` with its base-URL flags pointed at the fake forge
(tests/fake_forges.py) on 127.0.0.1, and a GITHUB_TOKEN/GITLAB_TOKEN that must reach the
forge's API and raw hosts but never a page or the log.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from typing import Iterator

import socket

import httpx
import pytest

from tests.fake_forges import serve_forge
from tests.viewer_servers import start_viewer  # noqa: F401  (fixture)

GITHUB_SECRET = "ghp_SECRETtoken123456789"
GITLAB_SECRET = "glpat-SECRETgitlab98765"


@contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def forge():
    with serve_forge() as running:
        yield running


def forge_flags(forge, *extra: str) -> list[str]:
    return ["--allow-network", "127.0.0.0/8",
            "--github-url", f"{forge.url}/gh-web", "--github-api-url", f"{forge.url}/gh-api",
            "--github-raw-url", f"{forge.url}/gh-raw", "--gist-url", f"{forge.url}/gist-web",
            "--gitlab-url", f"{forge.url}/gitlab", "--binder-url", "https://binder.example", *extra]


@pytest.fixture(scope="module")
def viewer(forge, start_viewer):
    with environment(GITHUB_TOKEN=GITHUB_SECRET, GITLAB_TOKEN=GITLAB_SECRET):
        return start_viewer(*forge_flags(forge))


@pytest.fixture(scope="module")
def pages() -> list[str]:
    """Every body the tests received, checked for tokens at the end of the module."""
    return []


def get(viewer, path: str, pages: list[str], **kwargs) -> httpx.Response:
    response = httpx.get(viewer.url + path, timeout=30, **kwargs)
    pages.append(response.text)
    return response


def links(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', page)


def test_user_listing_shows_repositories(viewer, pages):
    page = get(viewer, "/github/alice", pages)
    assert page.status_code == 200
    assert "/github/alice/demo" in links(page.text) and "/github/alice/empty" in links(page.text)
    assert "Demo notebooks" in page.text


def test_repository_tree_at_default_branch(viewer, forge, pages):
    page = get(viewer, "/github/alice/demo", pages)
    assert page.status_code == 200
    found = links(page.text)
    assert "/github/alice/demo/blob/main/analysis.ipynb" in found
    assert "/github/alice/demo/tree/main/docs" in found
    assert f"{forge.url}/gh-web/alice/demo/blob/main/README.md" in found  # other files: on GitHub
    assert "/github/alice/demo/tree/main/.hidden" in found  # listed as GitHub lists it
    assert page.text.index("docs/") < page.text.index("analysis.ipynb")  # folders first


def test_subfolder_and_breadcrumbs(viewer, pages):
    page = get(viewer, "/github/alice/demo/tree/main/docs", pages)
    assert page.status_code == 200
    found = links(page.text)
    assert "/github/alice/demo/blob/main/docs/intro.ipynb" in found
    assert "/github/alice/demo/tree/main/docs/deep" in found
    assert "/github/alice" in found and "/github/alice/demo/tree/main" in found  # breadcrumbs


def test_branch_and_tag_switch(viewer, pages):
    page = get(viewer, "/github/alice/demo/tree/main", pages)
    found = links(page.text)
    assert "/github/alice/demo/tree/dev" in found and "/github/alice/demo/tree/v1.0" in found
    dev = get(viewer, "/github/alice/demo/tree/dev", pages)
    assert "/github/alice/demo/blob/dev/dev-only.ipynb" in links(dev.text)
    assert "docs" not in links(dev.text)


def test_blob_renders_with_forge_and_binder_links(viewer, forge, pages):
    page = get(viewer, "/github/alice/demo/blob/main/analysis.ipynb", pages)
    assert page.status_code == 200
    assert "ANALYSIS-MAIN" in page.text
    found = links(page.text)
    assert f"{forge.url}/gh-web/alice/demo/blob/main/analysis.ipynb" in found
    assert "https://binder.example/v2/gh/alice/demo/main?labpath=analysis.ipynb" in [
        link.replace("&amp;", "&") for link in found]
    assert 'class="nbv-toc"' in page.text and 'href="#Method"' in page.text
    tagged = get(viewer, "/github/alice/demo/blob/v1.0/analysis.ipynb", pages)
    assert "ANALYSIS-V1" in tagged.text
    missing = get(viewer, "/github/alice/demo/blob/main/nope.ipynb", pages)
    assert missing.status_code == 404


def test_gist_single_notebook_list_and_user(viewer, pages):
    single = get(viewer, "/gist/aaaaaaaaaaaaaaaaaaaa", pages)
    assert single.status_code == 200 and "GIST-SINGLE" in single.text
    several = get(viewer, "/gist/alice/bbbbbbbbbbbbbbbbbbbb", pages)
    assert several.status_code == 200
    assert "/gist/alice/bbbbbbbbbbbbbbbbbbbb/first.ipynb" in links(several.text)
    second = get(viewer, "/gist/alice/bbbbbbbbbbbbbbbbbbbb/second.ipynb", pages)
    assert "GIST-SECOND" in second.text
    user = get(viewer, "/gist/alice/", pages)
    assert "/gist/alice/aaaaaaaaaaaaaaaaaaaa" in links(user.text) and "two notebooks" in user.text
    assert get(viewer, "/gist/cccccccccccccccccccc", pages).status_code == 404


def test_gitlab_tree_and_blob(viewer, forge, pages):
    host = f"127.0.0.1:{forge.port}"
    root = get(viewer, f"/gitlab/{host}/team/sub/demo", pages)
    assert root.status_code == 200
    assert f"/gitlab/{host}/team/sub/demo/-/tree/main/docs" in links(root.text)
    docs = get(viewer, f"/gitlab/{host}/team/sub/demo/-/tree/main/docs", pages)
    assert f"/gitlab/{host}/team/sub/demo/-/blob/main/docs/intro.ipynb" in links(docs.text)
    assert f"/gitlab/{host}/team/sub/demo/-/tree/dev/docs" in links(docs.text)  # branch list
    blob = get(viewer, f"/gitlab/{host}/team/sub/demo/-/blob/main/docs/intro.ipynb", pages)
    assert blob.status_code == 200 and "INTRO-MAIN" in blob.text
    assert f"{forge.url}/gitlab/team/sub/demo/-/blob/main/docs/intro.ipynb" in links(blob.text)
    assert get(viewer, "/gitlab/unknown.example/x/y", pages).status_code == 404


def test_rate_limit_gives_503_saying_when_it_resets(viewer, forge, pages):
    forge.rate_limited = True
    try:
        page = get(viewer, "/github/alice/demo/tree/main/docs/deep", pages)
    finally:
        forge.rate_limited = False
    assert page.status_code == 503
    assert "rate limit" in page.text and "resets at" in page.text
    assert 0 < int(page.headers["retry-after"]) <= 600


def test_api_answers_are_revalidated_by_etag(forge, start_viewer, pages):
    viewer = start_viewer(*forge_flags(forge, "--cache-ttl", "4"))
    path = "/github/alice/demo/tree/v1.0"
    before = forge.count("/gh-api/repos/alice/demo/contents")
    assert get(viewer, path, pages).status_code == 200
    assert forge.count("/gh-api/repos/alice/demo/contents") == before + 1
    assert get(viewer, path, pages).status_code == 200  # fresh: no API request
    assert forge.count("/gh-api/repos/alice/demo/contents") == before + 1
    time.sleep(4.5)
    assert "ANALYSIS" not in get(viewer, path, pages).text  # a listing, served again
    conditional = [headers for request_path, headers in forge.requests
                   if request_path.startswith("/gh-api/repos/alice/demo/contents") and "if-none-match" in headers]
    assert conditional, "the stale listing was fetched again without its ETag"
    statuses = [status for answered_path, status in forge.answered
                if answered_path.startswith("/gh-api/repos/alice/demo/contents") and "ref=v1.0" in answered_path]
    assert statuses[-1] == 304 and statuses.count(200) == 1  # revalidated, not downloaded again


def test_tokens_reach_the_forge_but_no_page_or_log(viewer, forge, pages):
    assert pages, "run with the other tests of this module"
    api_auth = [headers.get("authorization") for path, headers in forge.requests if path.startswith("/gh-api/")]
    assert f"Bearer {GITHUB_SECRET}" in api_auth
    gitlab_auth = [headers.get("private-token") for path, headers in forge.requests if path.startswith("/gitlab/")]
    assert GITLAB_SECRET in gitlab_auth
    for body in pages:
        assert GITHUB_SECRET not in body and GITLAB_SECRET not in body
    log = viewer.log.read_text(errors="replace")
    assert GITHUB_SECRET not in log and GITLAB_SECRET not in log
    metrics = httpx.get(viewer.url + "/metrics", timeout=10).text
    assert GITHUB_SECRET not in metrics


def raw_get(viewer, path: str) -> tuple[int, bytes]:
    """A request whose path goes out exactly as written (no client normalises ``%2e%2e``)."""
    with socket.create_connection(("127.0.0.1", viewer.port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize("path", [
    "/gist/%2e%2e/", "/gist/%2E%2E", "/gist/alice/%2e%2e", "/github/%2e%2e",
    "/github/alice/demo/blob/main/%2e%2e/%2e%2e/%2e%2e/x.ipynb",
    "/github/alice/demo/tree/main/docs/%2e%2e/%2e%2e", "/github/alice/demo/tree/%2e%2e/x",
    "/gitlab/HOST/team/sub/demo/-/blob/main/%2e%2e/%2e%2e/x.ipynb",
])
def test_dot_segments_never_reach_an_upstream(viewer, forge, path):
    path = path.replace("HOST", f"127.0.0.1:{forge.port}")
    before = len(forge.requests)
    status, body = raw_get(viewer, path)
    assert status == 404
    assert len(forge.requests) == before
    assert GITHUB_SECRET.encode() not in body


def test_tokens_stay_on_their_own_host(forge, start_viewer):
    with serve_forge() as other, environment(GITHUB_TOKEN=GITHUB_SECRET, GITLAB_TOKEN=GITLAB_SECRET):
        forge.redirect_to = f"{other.url}/gh-raw/alice/demo/main/"
        viewer = start_viewer(*forge_flags(forge, "--gitlab-url", f"http://localhost:{other.port}/gitlab"))
        try:
            moved = httpx.get(viewer.url + "/github/alice/demo/blob/moved/analysis.ipynb", timeout=30)
            assert moved.status_code == 200 and "ANALYSIS-MAIN" in moved.text  # followed to the other host
            listing = httpx.get(viewer.url + f"/gitlab/localhost:{other.port}/team/sub/demo", timeout=30)
            assert listing.status_code == 200
        finally:
            forge.redirect_to = ""
        seen = other.headers_seen()
        assert seen, "the other host was asked"
        assert all("authorization" not in headers and "private-token" not in headers for headers in seen)
