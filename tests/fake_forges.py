"""Fake GitHub, gist and GitLab APIs for the viewer's provider tests: one real HTTP server.

The JSON has the shapes of the real APIs' answers (the fields the viewer reads, and a
few it does not), written here from their documentation. The server counts requests,
answers ``If-None-Match`` with 304 as GitHub does, can run out of rate limit, and
records the headers it was sent (to check where tokens go).

Paths: ``/gh-api/...`` (GitHub REST API), ``/gh-raw/OWNER/REPO/REF/PATH`` (raw files),
``/gist-raw/ID/FILE``, ``/gitlab/api/v4/...`` (GitLab REST API v4).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, quote, unquote, urlsplit


def notebook(marker: str, headings: tuple[str, ...] = ("Introduction", "Results")) -> bytes:
    cells = [{"cell_type": "markdown", "id": f"h{index}", "metadata": {},
              "source": f"{'#' * (1 + min(index, 1))} {heading}\n\n{marker} paragraph {index}."}
             for index, heading in enumerate(headings)]
    cells.append({"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1,
                  "source": f"print('{marker}')", "outputs": [
                      {"output_type": "stream", "name": "stdout", "text": f"{marker}\n"}]})
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()


# Repository files by ref, for GitHub's alice/demo and GitLab's team/sub/demo.
FILES = {
    "main": {
        "README.md": b"# demo\n",
        "analysis.ipynb": notebook("ANALYSIS-MAIN", ("Analysis", "Method", "Findings")),
        "docs/intro.ipynb": notebook("INTRO-MAIN"),
        "docs/deep/deeper.ipynb": notebook("DEEPER-MAIN"),
        ".hidden/secret.ipynb": notebook("HIDDEN"),
    },
    "dev": {
        "analysis.ipynb": notebook("ANALYSIS-DEV"),
        "dev-only.ipynb": notebook("DEV-ONLY"),
    },
    "v1.0": {"analysis.ipynb": notebook("ANALYSIS-V1")},
}
GISTS = {
    "aaaaaaaaaaaaaaaaaaaa": {"owner": "alice", "description": "one notebook",
                             "files": {"single.ipynb": notebook("GIST-SINGLE"), "notes.txt": b"x"}},
    "bbbbbbbbbbbbbbbbbbbb": {"owner": "alice", "description": "two notebooks",
                             "files": {"first.ipynb": notebook("GIST-FIRST"), "second.ipynb": notebook("GIST-SECOND")}},
}


def listing(ref: str, folder: str) -> list[tuple[str, str, str]]:
    """(name, path, 'dir' or 'file') directly inside ``folder`` at ``ref``."""
    seen: dict[str, tuple[str, str, str]] = {}
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    for path in FILES.get(ref, {}):
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        name, slash, _ = rest.partition("/")
        seen[name] = (name, prefix + name, "dir" if slash else "file")
    return sorted(seen.values())


@dataclass
class Forge:
    port: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    rate_limited: bool = False
    raw_delay: float = 0.0  # seconds before a raw file is answered (to overlap requests)
    redirect_to: str = ""   # /gh-raw/alice/demo/moved/PATH answers 302 to redirect_to + PATH
    answered: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(1 for path, _ in self.requests if path.startswith(prefix))

    def headers_seen(self) -> list[dict[str, str]]:
        with self.lock:
            return [headers for _, headers in self.requests]


def _handler(forge: Forge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            with forge.lock:
                forge.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            path = parts.path
            if path.startswith("/gh-api/"):
                if forge.rate_limited:
                    reset = str(int(time.time()) + 600)
                    return self.answer(json.dumps({"message": "API rate limit exceeded"}).encode(), 403,
                                       {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
                return self.github(path[len("/gh-api"):], query)
            if path.startswith("/gh-raw/"):
                owner, repo, ref, file_path = unquote(path[len("/gh-raw/"):]).split("/", 3)
                if ref == "moved" and forge.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", forge.redirect_to + file_path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                time.sleep(forge.raw_delay)
                return self.file(ref, file_path)
            if path.startswith("/gist-raw/"):
                gist_id, name = unquote(path[len("/gist-raw/"):]).split("/", 1)
                body = GISTS.get(gist_id, {}).get("files", {}).get(name)
                return self.answer(body, content_type="text/plain") if body else self.missing()
            if path.startswith("/gitlab/api/v4/projects/"):
                return self.gitlab(path[len("/gitlab/api/v4/projects/"):], query)
            self.missing()

        def answer(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None,
                   content_type: str = "application/json; charset=utf-8") -> None:
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            not_modified = status == 200 and self.headers.get("If-None-Match") == etag
            with forge.lock:
                forge.answered.append((self.path, 304 if not_modified else status))
            if not_modified:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def missing(self) -> None:
            self.answer(json.dumps({"message": "Not Found"}).encode(), 404)

        def json(self, value: object) -> None:
            self.answer(json.dumps(value).encode())

        def file(self, ref: str, path: str) -> None:
            body = FILES.get(ref, {}).get(path)
            self.answer(body, content_type="text/plain; charset=utf-8") if body else self.missing()

        def github(self, path: str, query: dict[str, str]) -> None:
            parts = [unquote(part) for part in path.strip("/").split("/")]
            if parts[:1] == ["users"] and len(parts) == 3 and parts[2] == "repos":
                if parts[1] != "alice":
                    return self.missing()
                return self.json([{"id": 1, "name": "demo", "full_name": "alice/demo", "private": False,
                                   "description": "Demo notebooks", "default_branch": "main"},
                                  {"id": 2, "name": "empty", "full_name": "alice/empty", "private": False,
                                   "description": None, "default_branch": "main"}])
            if parts[:1] == ["users"] and len(parts) == 3 and parts[2] == "gists":
                return self.json([{"id": gist_id, "description": gist["description"],
                                   "owner": {"login": gist["owner"]},
                                   "files": {name: {"filename": name} for name in gist["files"]}}
                                  for gist_id, gist in GISTS.items() if gist["owner"] == parts[1]])
            if parts[:1] == ["gists"] and len(parts) == 2:
                gist = GISTS.get(parts[1])
                if gist is None:
                    return self.missing()
                return self.json({"id": parts[1], "description": gist["description"],
                                  "owner": {"login": gist["owner"]},
                                  "files": {name: {"filename": name, "size": len(body), "truncated": False,
                                                   "raw_url": f"{forge.url}/gist-raw/{parts[1]}/{quote(name)}"}
                                            for name, body in gist["files"].items()}})
            if parts[:1] != ["repos"] or parts[1:3] != ["alice", "demo"]:
                return self.missing()
            rest = parts[3:]
            if not rest:
                return self.json({"id": 1, "name": "demo", "full_name": "alice/demo", "default_branch": "main"})
            if rest == ["branches"]:
                return self.json([{"name": name, "commit": {"sha": "0" * 40}} for name in ("main", "dev")])
            if rest == ["tags"]:
                return self.json([{"name": "v1.0", "commit": {"sha": "1" * 40}}])
            if rest[0] == "contents":
                ref = query.get("ref", "main")
                folder = "/".join(rest[1:])
                if folder in FILES.get(ref, {}):
                    return self.json({"type": "file", "name": folder.rpartition("/")[2], "path": folder})
                entries = listing(ref, folder)
                if not entries:
                    return self.missing()
                return self.json([{"type": kind, "name": name, "path": entry_path, "sha": "2" * 40,
                                   "size": 0 if kind == "dir" else len(FILES[ref][entry_path]),
                                   "download_url": None if kind == "dir" else f"{forge.url}/gh-raw/alice/demo/{ref}/{entry_path}"}
                                  for name, entry_path, kind in entries])
            self.missing()

        def gitlab(self, path: str, query: dict[str, str]) -> None:
            project, _, rest = path.partition("/")
            if unquote(project) != "team/sub/demo":
                return self.missing()
            parts = rest.split("/") if rest else []
            if not parts:
                return self.json({"id": 7, "path_with_namespace": "team/sub/demo", "default_branch": "main"})
            if parts[:2] == ["repository", "tree"]:
                entries = listing(query.get("ref", "main"), query.get("path", ""))
                return self.json([{"id": "3" * 40, "name": name, "type": "tree" if kind == "dir" else "blob",
                                   "path": entry_path, "mode": "100644"} for name, entry_path, kind in entries])
            if parts[:2] == ["repository", "branches"]:
                return self.json([{"name": "main", "default": True}, {"name": "dev", "default": False}])
            if parts[:2] == ["repository", "tags"]:
                return self.json([{"name": "v1.0"}])
            if parts[:2] == ["repository", "files"] and len(parts) == 4 and parts[3] == "raw":
                return self.file(query.get("ref", "main"), unquote(parts[2]))
            self.missing()

    return Handler


@contextmanager
def serve_forge() -> Iterator[Forge]:
    forge = Forge()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(forge))
    server.daemon_threads = True
    forge.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
