"""Where notebooks come from: one module per source, one small interface.

A provider turns a request on one of its routes into either a ``NotebookSource`` (a URL
the safe fetcher can get, plus the links the page shows) or a ``Listing`` (a folder, a
user's repositories, a gist's files). The app does the rest the same way for all of
them: fetching, rendering, caching, pages. Providers never open a connection
themselves; they ask ``Upstream`` (the one safe fetcher, with the API cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable, Protocol

from starlette.requests import Request

from converter.viewer.fetch import FetchError


@dataclass(frozen=True)
class NotebookSource:
    """A notebook to fetch and render; ``headers`` go only to ``url``'s host."""

    url: str
    name: str
    headers: tuple[tuple[str, str], ...] = ()
    view_url: str | None = None    # the page of this file on its forge ("view on GitHub")
    view_label: str = ""
    binder_url: str | None = None
    breadcrumbs: tuple[tuple[str, str], ...] = ()
    local_path: str | None = None  # a file under --localfiles, read instead of fetched


@dataclass(frozen=True)
class Item:
    name: str
    href: str
    kind: str               # dir, notebook, file, repo, gist
    description: str = ""


@dataclass
class Listing:
    title: str
    items: list[Item]
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (branch or tag, href)
    current_ref: str | None = None
    view_url: str | None = None
    view_label: str = ""


class Upstream(Protocol):
    """What a provider may ask of the app: JSON from an API (cached, revalidated)."""

    async def json(self, url: str, headers: tuple[tuple[str, str], ...] = ()) -> object: ...


Resolver = Callable[[Request, Upstream], Awaitable["NotebookSource | Listing"]]


def sort_items(items: list[Item]) -> list[Item]:
    """Folders first, then notebooks, then other files; each by name, case-insensitively."""
    order = {"dir": 0, "repo": 0, "gist": 0, "notebook": 1, "file": 2}
    return sorted(items, key=lambda item: (order.get(item.kind, 3), item.name.lower()))


def plain_segments(*values: str) -> None:
    """A 404 unless every ``/``-separated segment of ``values`` is an ordinary name.

    Route parameters arrive percent-decoded; a ``.`` or ``..`` segment (``%2e%2e``)
    would be removed by the HTTP client and lead a request, with its token, outside the
    API path the provider meant, so it never reaches a URL.
    """
    for value in values:
        if any(segment in (".", "..") or "\x00" in segment for segment in value.split("/")):
            raise FetchError(404, "not found: a path segment may not be '.' or '..'")
