"""Smaller and fewer responses: ETag / 304 Not Modified, and gzip or brotli bodies.

An ASGI middleware around the whole app. It buffers a response (the viewer's bodies are
bounded by its size limits), names it by a hash of its bytes, answers ``304`` when the
client already holds that version, and otherwise compresses text bodies with the best
encoding the client accepts (brotli, then gzip). Each encoding has its own ETag
(``"HASH-br"``), as HTTP asks, and a conditional request matches any of them.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict

import brotli
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_COMPRESS = 512  # smaller bodies gain less than the header costs
MAX_COMPRESS = 2 * 1024 * 1024  # larger ones (big downloads) go as they are: compressing costs seconds
IN_THREAD = 64 * 1024  # hashing or compressing more than this happens off the event loop
COMPRESSED_CACHE_BYTES = 32 * 1024 * 1024
# A response may name its body's digest (the viewer's cached pages do), saving the hash.
DIGEST_HEADER = b"x-nbconv-digest"
COMPRESSIBLE = (b"text/", b"application/json", b"application/x-ipynb+json", b"image/svg+xml")


def accepted_encoding(header: str) -> str | None:
    """``br`` or ``gzip`` when the Accept-Encoding header allows it (q=0 refuses)."""
    allowed = {}
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        allowed[name.strip().lower()] = quality
    for encoding in ("br", "gzip"):
        if allowed.get(encoding, allowed.get("*", 0.0)) > 0:
            return encoding
    return None


async def _off_loop(size: int, work):
    """``work()``, in a thread when ``size`` makes it long enough to stall other requests."""
    return await asyncio.to_thread(work) if size > IN_THREAD else work()


def _matches(if_none_match: str, tag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    wanted = {candidate.strip().removeprefix("W/").strip('"').split("-")[0]
              for candidate in if_none_match.split(",")}
    return tag in wanted


class ConditionalCompression:
    """Adds ETag, answers If-None-Match with 304, compresses text for GET and HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Compressed bodies by (ETag, encoding): a cached page is compressed once, not per request.
        self._compressed: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._compressed_bytes = 0

    async def compressed(self, body: bytes, tag: str, encoding: str) -> bytes:
        """``body`` compressed with ``encoding``, remembered (least recently used first out)."""
        key = (tag, encoding)
        found = self._compressed.get(key)
        if found is not None:
            self._compressed.move_to_end(key)
            return found
        if encoding == "br":
            found = await _off_loop(len(body), lambda: brotli.compress(body, quality=5))
        else:
            found = await _off_loop(len(body), lambda: gzip.compress(body, compresslevel=6, mtime=0))
        self._compressed[key] = found
        self._compressed_bytes += len(found)
        while self._compressed_bytes > COMPRESSED_CACHE_BYTES:
            _, dropped = self._compressed.popitem(last=False)
            self._compressed_bytes -= len(dropped)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request_headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(start, b"".join(chunks), request_headers, send)
                return
            await send(message)

        await self.app(scope, receive, buffer)

    async def _finish(self, start: Message | None, body: bytes, request: dict[str, str], send: Send) -> None:
        assert start is not None
        headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
        names = {name.lower() for name, _ in headers}
        status = start["status"]
        if status != 200 or b"content-encoding" in names:
            await self._send(send, start, headers, body)
            return
        known = next((value for name, value in headers if name.lower() == DIGEST_HEADER), None)
        headers = [(name, value) for name, value in headers if name.lower() != DIGEST_HEADER]
        tag = known.decode() if known else await _off_loop(len(body), lambda: hashlib.sha256(body).hexdigest()[:32])
        content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
        encoding = None
        if MIN_COMPRESS <= len(body) <= MAX_COMPRESS and content_type.startswith(COMPRESSIBLE):
            encoding = accepted_encoding(request.get("accept-encoding", ""))
            headers.append((b"vary", b"Accept-Encoding"))
        headers.append((b"etag", f'"{tag}-{encoding}"'.encode() if encoding else f'"{tag}"'.encode()))
        if _matches(request.get("if-none-match", ""), tag):
            kept = [(name, value) for name, value in headers if name.lower() != b"content-type"]
            await send({**start, "status": 304, "headers": kept})  # no Content-Length: it would be the 200's
            await send({"type": "http.response.body", "body": b""})
            return
        if encoding:
            body = await self.compressed(body, tag, encoding)
        if encoding:
            headers.append((b"content-encoding", encoding.encode()))
        await self._send(send, start, headers, body)

    @staticmethod
    async def _send(send: Send, start: Message, headers: list, body: bytes) -> None:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
