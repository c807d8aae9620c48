"""The viewer's pieces on their own: address classes, MathML safety, cache bounds, URL mapping."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO


def run(coroutine):
    """asyncio.run in a thread of its own: playwright's sync API may own this thread's loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.mark.parametrize("address, kind", [
    ("8.8.8.8", None),
    ("2606:4700::1111", None),
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.0.10", "private"),
    ("fc00::1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("100.64.1.1", "non-global"),
])
def test_address_classes(address, kind):
    import ipaddress

    from converter.viewer.fetch import address_class

    assert address_class(ipaddress.ip_address(address)) == kind


def test_allowed_networks_override_the_class():
    from converter.viewer.fetch import AddressPolicy

    policy = AddressPolicy(["127.0.0.0/8", "fd00::/8"])
    assert policy.refusal("127.0.0.2") is None
    assert policy.refusal("fd00::5") is None
    assert policy.refusal("10.0.0.1") == "private address 10.0.0.1 is not allowed"
    assert policy.refusal("::1") == "loopback address ::1 is not allowed"
    assert policy.refusal("93.184.215.14") is None


def test_mathml_keeps_no_markup_from_the_tex_source():
    from converter.filters.mathml import tex_to_mathml

    out = tex_to_mathml(r"$\text{<script>alert(1)</script>} a<b$")
    assert "<script" not in out
    assert out.startswith('<math display="inline">') and "<mo>&lt;</mo>" in out
    fallback = tex_to_mathml(r"$\text{<img src=x onerror=alert(2)>}$")  # not even XML: shown as source
    assert "<img" not in fallback and "&lt;img src=x onerror=alert(2)&gt;" in fallback
    linked = tex_to_mathml(r"$\href{javascript:alert(1)}{x}$")
    assert "href" not in linked and "javascript" not in linked
    assert tex_to_mathml(r"$$\frac{1}{2}$$").startswith('<math display="block"><mrow><mfrac>')


def test_unconvertible_tex_stays_visible_as_escaped_source():
    from converter.filters.mathml import tex_to_mathml

    assert tex_to_mathml(r"$\undefinedcommand{<b}$") == '<code class="nbconv-math-source">$\\undefinedcommand{&lt;b}$</code>'


def test_render_math_replaces_only_the_template_math_elements():
    from converter.filters.mathml import render_math

    body = ('<p>x <span class="math-inline">$a &lt; b$</span></p>'
            '<div class="math-display">\\[c^2\\]</div>'
            '<div class="jp-RenderedLatex jp-OutputArea-output" data-mime-type="text/latex">\nsee $d$ &amp; more\n</div>'
            '<pre>$not math$</pre>')
    out = render_math(body)
    assert out.count("<math ") == 3
    assert "see <math" in out and "&amp; more" in out
    assert "<pre>$not math$</pre>" in out
    assert "<mi>a</mi><mo>&lt;</mo><mi>b</mi>" in out


def test_memory_cache_is_bounded_by_bytes_and_drops_least_recently_used():
    from converter.viewer.cache import Entry, MemoryCache

    async def scenario():
        cache = MemoryCache(max_bytes=100)
        await cache.set("a", Entry(b"a" * 40, "text/plain"))
        await cache.set("b", Entry(b"b" * 40, "text/plain"))
        await cache.get("a")  # a is now the most recently used
        await cache.set("c", Entry(b"c" * 40, "text/plain"))
        await cache.set("huge", Entry(b"h" * 101, "text/plain"))
        return [await cache.get(k) is not None for k in ("a", "b", "c", "huge")], cache.size

    present, size = run(scenario())
    assert present == [True, False, True, False]
    assert size == 80


def test_entry_round_trips_through_bytes():
    from converter.viewer.cache import Entry

    entry = Entry(b"<p>\n\x00body</p>", "text/html; charset=utf-8", '"abc"', "Tue, 01 Sep 2026 10:00:00 GMT", 12.5)
    assert Entry.from_bytes(entry.to_bytes()) == entry


def test_single_flight_runs_work_once_for_concurrent_callers():
    from converter.viewer.cache import SingleFlight

    runs = []

    async def work():
        runs.append(1)
        await asyncio.sleep(0.05)
        return len(runs)

    async def scenario():
        flights = SingleFlight()
        results = await asyncio.gather(*(flights.run("k", work) for _ in range(5)))
        again = await flights.run("k", work)  # finished work is not reused
        return results, again

    results, again = run(scenario())
    assert results == [1] * 5 and again == 2


def test_url_mapping():
    from converter.viewer.app import download_name
    from converter.viewer.frontpage import route_for

    assert route_for("https://example.org:8443/x/nb.ipynb?v=1") == "/urls/example.org:8443/x/nb.ipynb?v=1"
    assert route_for("http://[::1]:9/nb.ipynb") == "/url/[::1]:9/nb.ipynb"
    assert download_name("http://h/dir/my%20nb.ipynb") == "my_nb.ipynb"
    assert download_name('http://h/"evil";.ipynb') == "evil_.ipynb"
    assert download_name("http://h/") == "notebook.ipynb"


def test_serve_options():
    from converter.viewer.serve import build_parser

    args = build_parser().parse_args(["--max-size", "512K", "--allow-network", "10.0.0.0/8",
                                      "--allow-network", "fd00::/8", "--cache", "redis://h:1/0"])
    assert args.max_bytes == 512 * 1024
    assert args.allow_networks == ["10.0.0.0/8", "fd00::/8"]
    assert args.cache == "redis://h:1/0"
    assert build_parser().parse_args([]).max_bytes == 20 * 1024 * 1024


@pytest.mark.parametrize("argv, message", [
    (["--allow-network", "nope"], "not a network"),
    (["--max-size", "lots"], "not a size"),
    (["--cache", "memcached://x"], "not a cache"),
    (["--workers", "0"], "--workers must be at least 1"),
])
def test_serve_usage_errors_exit_2(argv, message):
    result = subprocess.run([sys.executable, "-m", "converter", "serve", *argv], capture_output=True, text=True,
                            cwd=REPO, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr


def test_version_and_conversion_do_not_import_the_viewer_stack():
    code = ("import sys\nfrom converter.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'httpx', 'redis', 'latex2mathml') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.splitlines()[-1] == "[]", result.stderr


@pytest.fixture
def tls_upstream(tool, tmp_path):
    """An https server on 127.0.0.1 with a certificate for ``localhost`` only; records SNI and Host."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    openssl = tool("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    seen = {"sni": [], "host": []}
    body = (REPO / "tests" / "fixtures" / "tour.ipynb").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen["host"].append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert, seen, body
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_checked_address_with_the_name_for_sni_and_host(tls_upstream):
    import ssl

    import httpx

    from converter.viewer.fetch import AddressPolicy, FetchError, SafeFetcher

    port, cert, seen, body = tls_upstream

    async def fetch(url):
        transport = httpx.AsyncHTTPTransport(verify=ssl.create_default_context(cafile=str(cert)))
        fetcher = SafeFetcher(AddressPolicy(["127.0.0.0/8"]), transport=transport)
        try:
            return await fetcher.fetch(url)
        except FetchError as error:
            return error
        finally:
            await fetcher.aclose()

    fetched = run(fetch(f"https://localhost:{port}/tour.ipynb"))
    assert fetched.body == body
    assert seen["sni"] == ["localhost"] and seen["host"] == [f"localhost:{port}"]
    # the certificate names localhost only: by address, verification must fail
    failed = run(fetch(f"https://127.0.0.1:{port}/tour.ipynb"))
    assert isinstance(failed, FetchError) and failed.status == 502


def test_render_processes_start_warm_with_each_kind_of_content():
    """The forkserver's warm-up page exercises what a first render would load: markdown
    math, tables, fenced and cell code in the common lexers, streams, rich and error outputs."""
    from converter.filters.highlight import _lexer
    from converter.viewer import warm
    from converter.viewer.pages import Links, render_body
    from converter.viewer.render_pool import PRELOAD

    assert PRELOAD[-1] == "converter.viewer.warm"
    page = render_body(warm.WARM_UP, "warm-up", "html", Links("", "", ""), "warm-up").decode()
    for piece in ("<math", "<table", 'class="highlight', "ansi-red-fg", "<pre>/"):
        assert piece in page, piece
    cached = _lexer.cache_info().currsize
    for language in warm.COMMON_LANGUAGES:
        assert _lexer(language) is not None, language
    assert _lexer.cache_info().currsize == cached, "every common lexer was loaded by the warm-up"
