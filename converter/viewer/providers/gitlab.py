"""GitLab (gitlab.com or self-hosted): blob and tree browsing through the REST API v4.

Routes: ``/gitlab/HOST/GROUP/.../PROJECT`` (its default branch),
``/gitlab/HOST/PROJECT/-/tree/REF/PATH`` and ``/gitlab/HOST/PROJECT/-/blob/REF/PATH``,
the same paths as GitLab's own pages. Only configured hosts are served.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit

from starlette.requests import Request

from converter.viewer.fetch import FetchError
from converter.viewer.providers import Item, Listing, NotebookSource, Upstream, plain_segments, sort_items

_SAFE = "/!$&'()*+,;=:@~"


def token_headers(site: str, token_site: str) -> tuple[tuple[str, str], ...]:
    """``GITLAB_TOKEN`` as GitLab's header, for the first ``--gitlab-url`` only (a token
    is one server's secret); never written into a page or a log."""
    token = os.environ.get("GITLAB_TOKEN", "").strip()
    return (("PRIVATE-TOKEN", token),) if token and site == token_site else ()


class GitLab:
    def __init__(self, base_urls: list[str], binder_url: str, base: str = "") -> None:
        self.hosts = {urlsplit(url).netloc.lower(): url.rstrip("/") for url in base_urls}
        self.token_site = base_urls[0].rstrip("/") if base_urls else ""
        self.binder = binder_url.rstrip("/")
        self.base = base.rstrip("/")

    def _site(self, host: str) -> str:
        site = self.hosts.get(host.lower())
        if site is None:
            raise FetchError(404, f"{host} is not a GitLab server this viewer knows (see --gitlab-url)")
        return site

    async def route(self, request: Request, upstream: Upstream) -> NotebookSource | Listing:
        host, rest = request.path_params["host"], request.path_params["rest"].strip("/")
        site = self._site(host)
        project, _, tail = rest.partition("/-/")
        if not project:
            raise FetchError(404, "no GitLab project named")
        plain_segments(project, tail)
        headers = token_headers(site, self.token_site)
        api = f"{site}/api/v4/projects/{quote(project, safe='')}"
        if not tail:
            info = await upstream.json(api, headers)
            branch = info.get("default_branch") if isinstance(info, dict) else None
            return await self._tree(upstream, host, site, project, branch if isinstance(branch, str) else "main", "",
                                    headers)
        kind, _, rest = tail.partition("/")
        ref, _, path = rest.partition("/")
        if not ref:
            raise FetchError(404, "no branch, tag or commit named")
        if kind == "blob" and path:
            return NotebookSource(
                url=f"{api}/repository/files/{quote(path, safe='')}/raw?ref={quote(ref, safe='')}",
                name=path.rpartition("/")[2],
                headers=headers,
                view_url=f"{site}/{quote(project, safe=_SAFE)}/-/blob/{quote(ref, safe='')}/{quote(path, safe=_SAFE)}",
                view_label="View on GitLab",
                binder_url=(f"{self.binder}/v2/gl/{quote(project, safe='')}/{quote(ref, safe='')}"
                            f"?labpath={quote(path, safe='')}") if host == "gitlab.com" else None,
                breadcrumbs=tuple(self._crumbs(host, project, ref, path.rpartition("/")[0])),
            )
        if kind == "tree":
            return await self._tree(upstream, host, site, project, ref, path, headers)
        raise FetchError(404, f"unknown GitLab page kind {kind!r}")

    def _crumbs(self, host: str, project: str, ref: str, path: str) -> list[tuple[str, str]]:
        here = f"{self.base}/gitlab/{host}/{quote(project, safe=_SAFE)}"
        trail = [(project, f"{here}/-/tree/{quote(ref, safe='')}")]
        parts = [part for part in path.split("/") if part]
        for index, part in enumerate(parts):
            trail.append((part, f"{here}/-/tree/{quote(ref, safe='')}/{quote('/'.join(parts[:index + 1]), safe=_SAFE)}"))
        return trail

    async def _tree(self, upstream: Upstream, host: str, site: str, project: str, ref: str, path: str,
                    headers: tuple[tuple[str, str], ...]) -> Listing:
        api = f"{site}/api/v4/projects/{quote(project, safe='')}"
        entries = await upstream.json(f"{api}/repository/tree?ref={quote(ref, safe='')}&path={quote(path, safe='')}"
                                      "&per_page=100", headers)
        here = f"{self.base}/gitlab/{host}/{quote(project, safe=_SAFE)}"
        items = []
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(entry.get("path"), str):
                continue
            name, entry_path = entry["name"], quote(entry["path"], safe=_SAFE)
            if entry.get("type") == "tree":
                items.append(Item(name, f"{here}/-/tree/{quote(ref, safe='')}/{entry_path}", "dir"))
            elif name.endswith(".ipynb"):
                items.append(Item(name, f"{here}/-/blob/{quote(ref, safe='')}/{entry_path}", "notebook"))
            else:
                items.append(Item(name, f"{site}/{quote(project, safe=_SAFE)}/-/blob/{quote(ref, safe='')}/{entry_path}", "file"))
        refs = []
        for kind in ("branches", "tags"):
            listed = await upstream.json(f"{api}/repository/{kind}?per_page=100", headers)
            for entry in listed if isinstance(listed, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    refs.append((entry["name"], f"{here}/-/tree/{quote(entry['name'], safe='')}/{quote(path, safe=_SAFE)}".rstrip("/")))
        title = project + (f"/{path}" if path else "")
        return Listing(title, sort_items(items), self._crumbs(host, project, ref, path), refs, ref,
                       f"{site}/{quote(project, safe=_SAFE)}/-/tree/{quote(ref, safe='')}/{quote(path, safe=_SAFE)}".rstrip("/"),
                       "View on GitLab")
