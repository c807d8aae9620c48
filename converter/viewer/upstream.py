"""JSON from forge APIs through the one safe fetcher, cached and revalidated by ETag.

An API answer is kept in the viewer's page cache under ``api URL``. While fresh it is
used as is; once stale it is asked for again with ``If-None-Match``, and GitHub and
GitLab answer an unchanged listing with 304, which does not count against GitHub's
rate limit. Local notebooks are read here too, bounded like a fetch.
"""

from __future__ import annotations

import json
import os

from converter.viewer.cache import Cache, Entry
from converter.viewer.fetch import FetchError, Fetched, SafeFetcher


class ApiCache:
    def __init__(self, fetcher: SafeFetcher, cache: Cache, ttl: float) -> None:
        self.fetcher = fetcher
        self.cache = cache
        self.ttl = ttl

    async def json(self, url: str, headers: tuple[tuple[str, str], ...] = ()) -> object:
        key = f"api {url}"
        cached = await self.cache.get(key)
        if cached is not None and cached.is_fresh(self.ttl):
            return json.loads(cached.body)
        if cached is not None:
            fetched = await self.fetcher.fetch(url, cached.etag, cached.last_modified, headers)
        else:
            fetched = await self.fetcher.fetch(url, headers=headers)
        if fetched.not_modified and cached is not None:
            await self.cache.set(key, cached.renewed())
            return json.loads(cached.body)
        try:
            value = json.loads(fetched.body)
        except ValueError:
            raise FetchError(502, f"{url}: the API answered something that is not JSON") from None
        await self.cache.set(key, Entry(fetched.body, "application/json", fetched.etag, fetched.last_modified))
        return value


def read_local(path: str, max_bytes: int, stale: Entry | None) -> Fetched:
    """A notebook under --localfiles, with its size and mtime as the validator."""
    try:
        status = os.stat(path)
        tag = f'"{status.st_mtime_ns:x}-{status.st_size:x}"'
        if stale is not None and stale.etag == tag:
            return Fetched(path, not_modified=True)
        if status.st_size > max_bytes:
            raise FetchError(413, f"{os.path.basename(path)}: the notebook is larger than {max_bytes:,} bytes")
        with open(path, "rb") as handle:
            return Fetched(path, handle.read(max_bytes + 1), tag)
    except OSError as error:
        raise FetchError(404, f"{os.path.basename(path)}: cannot be read ({error.strerror})") from None
