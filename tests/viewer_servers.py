"""Real servers for the viewer tests: an upstream HTTP server and ``nbconv serve`` processes.

Test modules import the fixtures from here by name.

Everything binds 127.0.0.1. The upstream serves corpus notebooks and a set of
misbehaving answers (errors, hangs, oversized and lying bodies, redirects) and records
every request it receives, so tests can count what the viewer fetched.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from conftest import CORPUS, REPO

MiB = 1024 * 1024
VIEWER_MAX_SIZE = 2 * MiB  # the cap the test viewers run with
UPSTREAM_TIMEOUT = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def notebook_json(cells: list[dict], **metadata) -> bytes:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}
    return json.dumps(nb).encode()


def code_cell(source: str, outputs: list[dict] = (), cell_id: str = "c") -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": 1,
            "source": source, "outputs": list(outputs)}


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class Upstream:
    """The fake-free upstream: a real HTTP server with routes the tests need."""

    host: str = "127.0.0.1"
    port: int = 0
    documents: dict[str, bytes] = field(default_factory=dict)  # /doc/<name> bodies
    requests: list[Seen] = field(default_factory=list)
    flaky_failures: dict[str, int] = field(default_factory=dict)
    trickling: int = 0  # /trickle answers still being sent
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"{self.host}:{self.port}"

    def seen(self, path_prefix: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:
            with upstream.lock:
                upstream.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            parts = urlsplit(self.path)
            route, _, rest = parts.path.lstrip("/").partition("/")
            query = parse_qs(parts.query)
            getattr(self, "route_" + route.replace("-", "_"), self.not_found)(rest, query)

        def send_body(self, body: bytes, status: int = 200, content_type: str = "application/json",
                      headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def not_found(self, rest: str = "", query: dict | None = None) -> None:
            self.send_body(b"<h1>no <script>alert('upstream')</script></h1>", 404, "text/html")

        def route_corpus(self, rest: str, query: dict) -> None:
            path = (CORPUS / rest).resolve()
            if CORPUS.resolve() not in path.parents or not path.is_file():
                return self.not_found()
            body = path.read_bytes()
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_body(body, headers={"ETag": etag, "Last-Modified": "Tue, 01 Sep 2026 10:00:00 GMT"})

        def route_doc(self, rest: str, query: dict) -> None:
            body = upstream.documents.get(unquote(rest))
            self.send_body(body) if body is not None else self.not_found()

        def route_status(self, rest: str, query: dict) -> None:
            self.send_body(b"<script>alert('upstream')</script>", int(rest), "text/html")

        def route_slow(self, rest: str, query: dict) -> None:
            seconds, _, name = rest.partition("/")
            time.sleep(float(seconds))
            self.route_corpus(name, query)

        def route_hang(self, rest: str, query: dict) -> None:
            time.sleep(UPSTREAM_TIMEOUT * 5)  # the viewer has given up long before: answer nothing
            self.close_connection = True

        def route_flaky(self, rest: str, query: dict) -> None:
            with upstream.lock:
                failures = upstream.flaky_failures.get(rest, 1)
                upstream.flaky_failures[rest] = failures - 1
            if failures > 0:
                return self.send_body(b"busy", 503, "text/plain")
            self.route_corpus(rest, query)

        def route_redirect(self, rest: str, query: dict) -> None:
            self.send_response(302)
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def route_chain(self, rest: str, query: dict) -> None:
            """``/chain/N/NAME`` redirects N times, then serves corpus NAME."""
            count, _, name = rest.partition("/")
            if int(count) == 0:
                return self.route_corpus(name, query)
            self.send_response(302)
            self.send_header("Location", f"/chain/{int(count) - 1}/{name}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def route_declared_big(self, rest: str, query: dict) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(50 * VIEWER_MAX_SIZE))
            self.end_headers()
            self.wfile.write(b'{"nbformat": 4, ')  # then never the rest

        def route_no_length(self, rest: str, query: dict) -> None:
            """A body with no Content-Length, ended by closing: only counting can stop it."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                self.wfile.write(b'{"nbformat": 4, "pad": "')
                for _ in range(40 * VIEWER_MAX_SIZE // (64 * 1024)):
                    self.wfile.write(b"x" * 64 * 1024)
                self.wfile.write(b'"}')
            except OSError:
                pass  # the viewer hung up, as it should

        def route_gzip_lie(self, rest: str, query: dict) -> None:
            """Content-Length says a few kilobytes; the notebook inside is 20 times the cap."""
            pad = " " * (20 * VIEWER_MAX_SIZE)
            body = gzip.compress(notebook_json([code_cell("1" + pad)]))
            self.send_body(body, headers={"Content-Encoding": "gzip"})

        def route_bomb(self, rest: str, query: dict) -> None:
            """A few hundred kilobytes that ``Content-Encoding: gzip, gzip`` make 256 MiB."""
            self.send_body(double_gzip_bomb(), headers={"Content-Encoding": "gzip, gzip"})

        def route_trickle(self, rest: str, query: dict) -> None:
            """A body that never ends in time: one byte every 0.1 s until the client hangs up."""
            with upstream.lock:
                upstream.trickling += 1
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(VIEWER_MAX_SIZE // 2))
                self.end_headers()
                self.wfile.write(b'{"nbformat": 4, "pad": "')
                for _ in range(1200):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass  # the viewer hung up
            finally:
                self.close_connection = True
                with upstream.lock:
                    upstream.trickling -= 1

    return Handler


_bomb: list[bytes] = []


def double_gzip_bomb(decoded: int = 256 * MiB) -> bytes:
    """``gzip(gzip(zeros))``: built once per test session (a few seconds)."""
    if not _bomb:
        inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = bytes(MiB)
        layer = b"".join(inner.compress(zeros) for _ in range(decoded // MiB)) + inner.flush()
        _bomb.append(gzip.compress(layer, 9))
    return _bomb[0]


@contextmanager
def serve_upstream(host: str = "127.0.0.1") -> Iterator[Upstream]:
    state = Upstream(host)
    server = ThreadingHTTPServer((host, 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} not found (../shared is absent): the test upstream serves corpus notebooks")
    with serve_upstream() as state:
        yield state


class Viewer:
    """A running ``nbconv serve`` process on 127.0.0.1."""

    def __init__(self, *args: str, log: Path, file_limit: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log = log
        self._log_file = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "converter", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
            stdout=self._log_file, stderr=subprocess.STDOUT, env=env,
            preexec_fn=(lambda: lower_file_limit(file_limit)) if file_limit else None,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"viewer exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"viewer did not start in {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


def lower_file_limit(soft: int) -> None:
    """Start a process as a default system would (soft open-file limit 1024, say)."""
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def viewer_args(*extra: str) -> list[str]:
    return ["--max-size", str(VIEWER_MAX_SIZE), "--timeout", str(UPSTREAM_TIMEOUT),
            "--connect-timeout", "1", *extra]


@pytest.fixture(scope="session")
def start_viewer(tmp_path_factory) -> Iterator:
    """``start_viewer(*args)`` runs a viewer with the test limits; all are stopped at the end."""
    started: list[Viewer] = []

    def start(*args: str, file_limit: int | None = None) -> Viewer:
        log = tmp_path_factory.mktemp("viewer") / "viewer.log"
        viewer = Viewer(*viewer_args(*args), log=log, file_limit=file_limit)
        started.append(viewer)
        return viewer

    yield start
    for viewer in started:
        viewer.stop()


@pytest.fixture(scope="session")
def viewer(start_viewer) -> Viewer:
    """A viewer that may fetch from loopback (where the test upstream lives)."""
    return start_viewer("--allow-network", "127.0.0.0/8")


@pytest.fixture(scope="session")
def client() -> Iterator:
    import httpx

    with httpx.Client(trust_env=False, timeout=30) as http:
        yield http
