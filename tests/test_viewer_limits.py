"""Units behind the viewer's limits: the bounded Content-Encoding decoder and single flight.

The end-to-end behaviour (a bomb against a running viewer, hung-up clients) is in
test_viewer_abuse.py; these pin down the pieces without a server.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import zlib

import pytest


# --- the bounded decoder itself ---------------------------------------------------------


def run(coroutine):
    """asyncio.run in a thread of its own: playwright's sync API may own this thread's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()

def decode_in_pieces(encoding: str, body: bytes, limit: int, piece: int = 1000) -> bytes:
    from converter.viewer.decoding import BoundedDecoder

    decoder = BoundedDecoder(encoding, limit)
    out = [b"".join(decoder.decode(body[i:i + piece])) for i in range(0, len(body), piece)]
    return b"".join(out) + b"".join(decoder.finish())


def test_stacked_encodings_decode_exactly():
    data = os.urandom(70_000) + b"notebook " * 20_000
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    cases = {
        "": data,
        "identity": data,
        "gzip": gzip.compress(data),
        "x-gzip": gzip.compress(data),
        "gzip, gzip": gzip.compress(gzip.compress(data)),
        "deflate": zlib.compress(data),
        "deflate, gzip": gzip.compress(zlib.compress(data)),
        "Deflate ": raw_deflate.compress(data) + raw_deflate.flush(),  # raw deflate, as some servers send
    }
    for encoding, body in cases.items():
        assert decode_in_pieces(encoding, body, len(data)) == data, encoding
    members = gzip.compress(data[:1000]) + gzip.compress(data[1000:]) + b"\0" * 8
    assert decode_in_pieces("gzip", members, len(data)) == data


@pytest.mark.parametrize("encoding, layers", [("gzip", 1), ("gzip, gzip", 2), ("gzip, gzip, gzip", 3)])
def test_every_layer_is_counted_against_the_limit(encoding, layers):
    from converter.viewer.decoding import TooLarge

    body = bytes(8 * 1024 * 1024)
    for _ in range(layers):
        body = gzip.compress(body)
    with pytest.raises(TooLarge):
        decode_in_pieces(encoding, body, 1024 * 1024, piece=65536)
    assert len(decode_in_pieces(encoding, body, 8 * 1024 * 1024, piece=65536)) == 8 * 1024 * 1024


@pytest.mark.parametrize("encoding, body, problem", [
    ("br", b"\x0b\x01\x80hello\x03", "unsupported content encoding 'br'"),
    ("gzip", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff", "corrupt gzip data"),  # block type 3
    ("gzip", gzip.compress(b"x" * 5000)[:-12], "truncated gzip data"),
])
def test_unknown_and_corrupt_encodings_are_refused(encoding, body, problem):
    from converter.viewer.decoding import BadEncoding

    with pytest.raises(BadEncoding, match=problem):
        decode_in_pieces(encoding, body, 1 << 20)


# --- single flight: shared work, cancelled when nobody waits, capped ---------------------

def test_shared_work_is_cancelled_only_when_its_last_waiter_leaves():
    from converter.viewer.cache import Busy, SingleFlight

    async def scenario() -> dict:
        flights = SingleFlight(limit=2)
        started, cancelled = asyncio.Event(), []

        async def work() -> str:
            started.set()
            try:
                await asyncio.sleep(2.0)  # long enough to be running when the test acts, even on a loaded machine
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
            return "page"

        first = asyncio.ensure_future(flights.run("a", work))
        second = asyncio.ensure_future(flights.run("a", work))
        await started.wait()
        first.cancel()  # one of two leaves: the work goes on for the other
        result = await second
        other = asyncio.ensure_future(flights.run("b", work))
        third = asyncio.ensure_future(flights.run("c", work))
        await asyncio.sleep(0.05)
        try:
            await flights.run("d", work)
            busy = False
        except Busy:
            busy = True
        other.cancel()
        third.cancel()  # every waiter gone: both works are cancelled
        await asyncio.sleep(0.05)
        return {"result": result, "cancelled": len(cancelled), "busy": busy, "running": len(flights)}

    outcome = run(scenario())  # a thread of its own: an earlier test's loop may own this one
    assert outcome == {"result": "page", "cancelled": 2, "busy": True, "running": 0}
