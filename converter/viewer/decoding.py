"""Undo an upstream's ``Content-Encoding`` layers without ever holding more than the cap.

httpx decodes each network chunk whole, so a few kilobytes of ``gzip, gzip`` can become
gigabytes before anything counts them. We ask for ``identity``, read the raw bytes, and
decode here instead: every layer inflates at most ``STEP`` bytes at a time, and every
layer's output is counted against the limit as it is produced, so a bomb stops at the
cap whatever the number of layers.
"""

from __future__ import annotations

import zlib
from typing import Iterator

STEP = 64 * 1024  # the most one inflate call may produce


class TooLarge(Exception):
    """A layer produced more bytes than the limit."""


class BadEncoding(Exception):
    """An encoding we do not speak, or a corrupt compressed stream."""


class _Inflater:
    """One gzip or deflate layer, fed input pieces, producing output in bounded steps."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.inflater: "zlib._Decompress | None" = None

    def _new(self, first: bytes) -> "zlib._Decompress":
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped; some servers send raw deflate
        zlib_wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and int.from_bytes(first[:2], "big") % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self.inflater is None:
                if self.encoding == "gzip" and not data.strip(b"\0"):
                    return  # zero padding after the last gzip member
                self.inflater = self._new(data)
            elif self.inflater.eof:
                return  # bytes after the end of a deflate stream are ignored
            try:
                out = self.inflater.decompress(data, STEP)
            except zlib.error as error:
                raise BadEncoding(f"corrupt {self.encoding} data: {error}") from None
            data = self.inflater.unconsumed_tail
            if out:
                yield out
            if self.inflater.eof and self.encoding == "gzip":  # members may follow one another
                data = self.inflater.unused_data  # (at the end, unconsumed_tail repeats it)
                self.inflater = None

    def finish(self) -> Iterator[bytes]:
        if self.inflater is None or self.inflater.eof:
            return
        while out := self.inflater.decompress(b"", STEP):
            yield out
        if not self.inflater.eof:
            raise BadEncoding(f"truncated {self.encoding} data")


class BoundedDecoder:
    """Feed raw body bytes, get decoded bytes; ``TooLarge`` once any layer passes ``limit``.

    ``content_encoding`` is the header's value: layers are listed in the order they were
    applied, so they are undone from the last to the first.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        names = [name.strip().lower() for name in content_encoding.split(",") if name.strip()]
        names = [name for name in names if name != "identity"]
        for name in names:
            if name not in ("gzip", "x-gzip", "deflate"):
                raise BadEncoding(f"unsupported content encoding {name!r}")
        self.layers = [_Inflater("gzip" if name == "x-gzip" else name) for name in reversed(names)]
        self.produced = [0] * (len(self.layers) + 1)  # bytes out of each layer; the last is the body
        self.limit = limit

    def _count(self, index: int, data: bytes) -> bytes:
        self.produced[index] += len(data)
        if self.produced[index] > self.limit:
            raise TooLarge()
        return data

    def _through(self, index: int, piece: bytes) -> Iterator[bytes]:
        """``piece``, the input of layer ``index``, passed through it and every later layer."""
        if index == len(self.layers):
            yield piece
            return
        for out in self.layers[index].feed(piece):
            yield from self._through(index + 1, self._count(index + 1, out))

    def decode(self, raw: bytes) -> list[bytes]:
        """The decoded bytes ``raw`` yields now (possibly none)."""
        return list(self._through(0, self._count(0, raw)))

    def finish(self) -> list[bytes]:
        """What is left once the raw body has ended; ``BadEncoding`` if a layer is truncated."""
        out: list[bytes] = []
        for index, layer in enumerate(self.layers):
            for piece in layer.finish():
                out.extend(self._through(index + 1, self._count(index + 1, piece)))
        return out
