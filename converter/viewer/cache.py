"""Rendered pages by upstream URL and format: in memory (bounded by bytes) or in Redis.

An entry keeps the upstream's validators (ETag, Last-Modified) so a stale entry can be
revalidated with a conditional request instead of fetched and rendered again. Stale
entries are kept (memory: until evicted; Redis: for ``STALE_KEEP`` seconds past the
TTL) for that reason; the app decides freshness from ``stored_at``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, Awaitable, Callable, Protocol

log = logging.getLogger("nbconv.viewer")

STALE_KEEP = 24 * 3600


@dataclass(frozen=True)
class Entry:
    """One rendered page and what is needed to revalidate it."""

    body: bytes
    media_type: str
    etag: str | None = None
    last_modified: str | None = None
    stored_at: float = field(default_factory=time.time)

    @cached_property
    def digest(self) -> str:
        """A name for the body's bytes (our ETag); computed once per entry in memory."""
        return hashlib.sha256(self.body).hexdigest()[:32]

    def is_fresh(self, ttl: float) -> bool:
        return time.time() - self.stored_at < ttl

    def renewed(self) -> "Entry":
        return replace(self, stored_at=time.time())

    def to_bytes(self) -> bytes:
        header = {k: v for k, v in asdict(self).items() if k != "body"}
        return json.dumps(header).encode() + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data: bytes) -> "Entry":
        header, _, body = data.partition(b"\n")
        return cls(body=body, **json.loads(header))


class Cache(Protocol):
    async def get(self, key: str) -> Entry | None: ...
    async def set(self, key: str, entry: Entry) -> None: ...
    async def claim(self, key: str, seconds: float) -> str | None: ...
    async def release(self, key: str, token: str) -> None: ...
    async def claimed(self, key: str) -> bool: ...
    async def aclose(self) -> None: ...


class MemoryCache:
    """Least recently used entries are dropped once the bodies exceed ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    async def get(self, key: str) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    async def set(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        self._entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.size -= len(dropped.body)

    async def aclose(self) -> None:
        self._entries.clear()
        self.size = 0

    async def claim(self, key: str, seconds: float) -> str | None:
        return "local"  # one process: SingleFlight already makes the work happen once

    async def release(self, key: str, token: str) -> None:
        pass

    async def claimed(self, key: str) -> bool:
        return False


class RedisCache:
    """Entries shared by every viewer process using the same Redis database.

    A Redis failure is logged and treated as a miss: the viewer keeps serving, uncached.
    """

    PREFIX = "nbconv:viewer:"
    LOCKS = "nbconv:viewer-lock:"

    def __init__(self, url: str, ttl: float) -> None:
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.expire = int(ttl) + STALE_KEEP

    async def get(self, key: str) -> Entry | None:
        import redis

        try:
            data = await self.client.get(self.PREFIX + key)
        except redis.RedisError as error:
            log.warning("redis cache unavailable: %s", error)
            return None
        return Entry.from_bytes(data) if data is not None else None

    async def set(self, key: str, entry: Entry) -> None:
        import redis

        try:
            await self.client.set(self.PREFIX + key, entry.to_bytes(), ex=self.expire)
        except redis.RedisError as error:
            log.warning("redis cache unavailable: %s", error)

    async def claim(self, key: str, seconds: float) -> str | None:
        """A token when this process may do the work for ``key`` (a lock in Redis that
        expires after ``seconds``); None when another process holds it."""
        import secrets

        import redis

        token = secrets.token_hex(8)
        try:
            got = await self.client.set(self.LOCKS + key, token, nx=True, px=max(1, int(seconds * 1000)))
        except redis.RedisError as error:
            log.warning("redis cache unavailable: %s", error)
            return token  # no coordination possible: do the work here
        return token if got else None

    async def release(self, key: str, token: str) -> None:
        import redis

        try:  # delete only our own lock (it may have expired and been taken by another)
            await self.client.eval(_RELEASE, 1, self.LOCKS + key, token)
        except redis.RedisError as error:
            log.warning("redis cache unavailable: %s", error)

    async def claimed(self, key: str) -> bool:
        import redis

        try:
            return bool(await self.client.exists(self.LOCKS + key))
        except redis.RedisError:
            return False

    async def aclose(self) -> None:
        await self.client.aclose()


def open_cache(spec: str, ttl: float, max_bytes: int) -> Cache:
    """``memory`` or a ``redis://`` / ``rediss://`` / ``unix://`` URL."""
    if spec == "memory":
        return MemoryCache(max_bytes)
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return RedisCache(spec, ttl)
    raise ValueError(f"unknown cache {spec!r} (use 'memory' or a redis:// URL)")


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


async def shared_work(cache: Cache, key: str, seconds: float, work: Callable[[], Awaitable[Any]],
                      fresh: Callable[[Entry], bool]) -> tuple[Any, bool]:
    """``work()`` done by one process of all those sharing ``cache`` (Redis).

    The process that claims ``key`` does the work; the others wait (polling the cache,
    at most ``seconds``) for the entry it stores, and return ``(entry, True)``. When the
    holder fails or takes longer, a waiter does the work itself: the lock only saves work.
    """
    token = await cache.claim(key, seconds)
    if token is None:
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline and await cache.claimed(key):
            await asyncio.sleep(0.05)  # only the small lock key is polled, not the page
        entry = await cache.get(key)
        if entry is not None and fresh(entry):
            return entry, True
        token = await cache.claim(key, seconds)
    try:
        return await work(), False
    finally:
        if token is not None:
            await cache.release(key, token)


class Busy(Exception):
    """As many jobs as allowed are already in flight."""


class SingleFlight:
    """Concurrent calls for one key share a single run of the work; at most ``limit`` keys run.

    The work runs as its own task, so a client that disconnects does not cancel it for
    the others waiting on the same key; once every waiter has gone, it is cancelled.
    A new key past ``limit`` running ones raises ``Busy`` at once.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._running: dict[str, asyncio.Future[Any]] = {}
        self._waiters: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: str, work: Callable[[], Awaitable[Any]]) -> Any:
        task = self._running.get(key)
        if task is None or task.done():  # (a cancelled task can linger until its callback runs)
            if self.limit is not None and len(self._running) >= self.limit:
                raise Busy()
            task = asyncio.ensure_future(work())
            self._running[key] = task
            self._waiters[key] = 0
            task.add_done_callback(lambda done: self._finished(key, done))
        self._waiters[key] += 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done() and self._waiters.get(key) == 1 and self._running.get(key) is task:
                task.cancel()  # the last one waiting has gone: nobody wants the result
            raise
        finally:
            if self._running.get(key) is task:
                self._waiters[key] -= 1

    def _finished(self, key: str, task: asyncio.Future[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
            del self._waiters[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every waiter went away
