"""GitHub gists: a gist's notebooks and a user's gists, through the GitHub API.

Routes: ``/gist/ID`` and ``/gist/USER/ID`` (the notebook when the gist has one, else a
list of its notebooks), ``/gist/USER/ID/FILE``, and ``/gist/USER/`` (the user's gists).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request

from converter.viewer.fetch import FetchError
from converter.viewer.providers import Item, Listing, NotebookSource, Upstream, plain_segments, sort_items
from converter.viewer.providers.github import API_HEADERS, token_headers


class Gist:
    def __init__(self, api_url: str, web_url: str, base: str = "") -> None:
        self.api = api_url.rstrip("/")
        self.web = web_url.rstrip("/")
        self.base = base.rstrip("/")

    async def user(self, request: Request, upstream: Upstream) -> Listing:
        user = request.path_params["user"]
        plain_segments(user)
        gists = await upstream.json(f"{self.api}/users/{quote(user, safe='')}/gists?per_page=100",
                                    API_HEADERS + token_headers())
        items = []
        for gist in gists if isinstance(gists, list) else []:
            if not isinstance(gist, dict) or not isinstance(gist.get("id"), str):
                continue
            files = gist.get("files") if isinstance(gist.get("files"), dict) else {}
            if not any(str(name).endswith(".ipynb") for name in files):
                continue
            label = gist.get("description") or ", ".join(sorted(map(str, files)))
            items.append(Item(str(label), f"{self.base}/gist/{quote(user, safe='')}/{quote(gist['id'], safe='')}", "gist"))
        return Listing(f"Gists of {user}", sort_items(items), [(user, f"{self.base}/gist/{quote(user, safe='')}/")],
                       view_url=f"{self.web}/{quote(user, safe='')}", view_label="View on GitHub")

    async def gist(self, request: Request, upstream: Upstream) -> NotebookSource | Listing:
        gist_id = request.path_params["gist_id"]
        wanted = request.path_params.get("filename")
        plain_segments(gist_id, request.path_params.get("user", ""), wanted or "")
        data = await upstream.json(f"{self.api}/gists/{quote(gist_id, safe='')}", API_HEADERS + token_headers())
        if not isinstance(data, dict):
            raise FetchError(404, f"{gist_id} is not a gist")
        files = data.get("files") if isinstance(data.get("files"), dict) else {}
        owner = data.get("owner", {}).get("login") if isinstance(data.get("owner"), dict) else None
        owner = owner if isinstance(owner, str) else "anonymous"
        notebooks = {name: info for name, info in files.items()
                     if str(name).endswith(".ipynb") and isinstance(info, dict) and isinstance(info.get("raw_url"), str)}
        if wanted is not None:
            if wanted not in notebooks:
                raise FetchError(404, f"gist {gist_id} has no notebook named {wanted}")
            notebooks = {wanted: notebooks[wanted]}
        page = f"{self.web}/{quote(owner, safe='')}/{quote(gist_id, safe='')}"
        here = f"{self.base}/gist/{quote(owner, safe='')}/{quote(gist_id, safe='')}"
        if len(notebooks) == 1:
            name, info = next(iter(notebooks.items()))
            return NotebookSource(info["raw_url"], name, (), page, "View on GitHub",
                                  breadcrumbs=((owner, f"{self.base}/gist/{quote(owner, safe='')}/"), (gist_id[:8], here)))
        if not notebooks:
            raise FetchError(404, f"gist {gist_id} has no notebook")
        items = [Item(name, f"{here}/{quote(name, safe='')}", "notebook") for name in notebooks]
        return Listing(str(data.get("description") or f"Gist {gist_id}"), sort_items(items),
                       [(owner, f"{self.base}/gist/{quote(owner, safe='')}/"), (gist_id[:8], here)],
                       view_url=page, view_label="View on GitHub")
