"""How the viewer accepts connections: the listening socket, the file limit, a header timeout.

Strangers can open connections and send nothing. Three things keep that from taking the
service down: a raised open-file limit (so a thousand idle sockets do not exhaust the
descriptors), a concurrency limit below it (past it, uvicorn answers 503 instead of
failing to accept), and a deadline for a request's headers (an idle or trickling
connection is closed).

The listening socket is ours rather than uvicorn's: uvicorn creates it without
``IPPROTO_TCP`` when it runs several workers, so asyncio does not set ``TCP_NODELAY`` on
accepted connections, and Nagle's algorithm then delays every keep-alive answer by ~40 ms.
"""

from __future__ import annotations

import asyncio
import resource
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from converter.viewer.config import ViewerConfig

FILE_LIMIT_GOAL = 65536
RESERVED_FILES = 256  # for upstream connections, render pipes, Redis, logs


def raise_file_limit(goal: int = FILE_LIMIT_GOAL) -> int:
    """Raise the soft open-file limit towards ``goal`` (never past the hard limit); the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = goal if hard == resource.RLIM_INFINITY else min(goal, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return FILE_LIMIT_GOAL if soft == resource.RLIM_INFINITY else soft


def default_limit_concurrency(file_limit: int, config: ViewerConfig) -> int:
    """Connections one server process accepts before answering 503: what the file limit leaves."""
    reserved = RESERVED_FILES + 2 * config.max_pending + 4 * (config.render_workers or 4)
    return max(64, file_limit - reserved)


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket with ``TCP_NODELAY`` (accepted connections inherit it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP,
                               flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


_header_timeout: float | None = None


def header_timeout() -> float:
    global _header_timeout
    if _header_timeout is None:  # read once per process: uvicorn's workers get settings by environment
        _header_timeout = ViewerConfig.from_environment().header_timeout
    return _header_timeout


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers do not arrive in time.

    The clock starts when the connection opens and again after each response; it is
    stopped by the next request (uvicorn's own keep-alive timeout also applies).
    """

    _header_timer: asyncio.TimerHandle | None = None
    _waiting_after: Any = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_timer is not None and self.cycle is not self._waiting_after:
            self._disarm()  # a request started

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._waiting_after = self.cycle
        self._header_timer = self.loop.call_later(header_timeout(), self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        idle = self.cycle is self._waiting_after and (self.cycle is None or self.cycle.response_complete)
        if idle and not self.transport.is_closing():
            self.transport.close()
