"""GitHub: files (blob and raw), a repository's tree at a branch, tag or commit, the
repositories of a user, through GitHub's REST API (or an Enterprise server's).

Routes: ``/github/OWNER``, ``/github/OWNER/REPO`` (its default branch),
``/github/OWNER/REPO/tree/REF/PATH`` and ``/github/OWNER/REPO/blob/REF/PATH``.
A ref with a slash in its name cannot be told from a folder: such branches are reached
through the branch list, which links them by commit.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from starlette.requests import Request

from converter.viewer.fetch import FetchError
from converter.viewer.providers import Item, Listing, NotebookSource, Upstream, plain_segments, sort_items

_SAFE = "/!$&'()*+,;=:@~"


def token_headers() -> tuple[tuple[str, str], ...]:
    """The API token from ``GITHUB_TOKEN``; it goes in a header, never into a page or log."""
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    return (("Authorization", f"Bearer {token}"),) if token else ()


API_HEADERS = (("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"))


def _q(text: str) -> str:
    return quote(text, safe=_SAFE)


def crumbs(base: str, owner: str, repo: str, ref: str, path: str) -> list[tuple[str, str]]:
    """Links from the user down to ``path``: owner, repository, each folder."""
    trail = [(owner, f"{base}/github/{_q(owner)}"), (repo, f"{base}/github/{_q(owner)}/{_q(repo)}/tree/{_q(ref)}")]
    parts = [part for part in path.split("/") if part]
    for index, part in enumerate(parts):
        trail.append((part, f"{base}/github/{_q(owner)}/{_q(repo)}/tree/{_q(ref)}/{_q('/'.join(parts[:index + 1]))}"))
    return trail


class GitHub:
    def __init__(self, api_url: str, raw_url: str, web_url: str, binder_url: str, base: str = "") -> None:
        self.api = api_url.rstrip("/")
        self.raw = raw_url.rstrip("/")
        self.web = web_url.rstrip("/")
        self.binder = binder_url.rstrip("/")
        self.base = base.rstrip("/")

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return API_HEADERS + token_headers()

    async def user(self, request: Request, upstream: Upstream) -> Listing:
        owner = request.path_params["owner"]
        plain_segments(owner)
        repos = await upstream.json(f"{self.api}/users/{_q(owner)}/repos?per_page=100&sort=updated", self._headers())
        items = [Item(repo["name"], f"{self.base}/github/{_q(owner)}/{_q(repo['name'])}", "repo",
                      repo.get("description") or "")
                 for repo in _list(repos) if isinstance(repo.get("name"), str)]
        return Listing(f"Repositories of {owner}", sort_items(items), [(owner, f"{self.base}/github/{_q(owner)}")],
                       view_url=f"{self.web}/{_q(owner)}", view_label="View on GitHub")

    async def repository(self, request: Request, upstream: Upstream) -> Listing:
        owner, repo = request.path_params["owner"], request.path_params["repo"]
        plain_segments(owner, repo)
        info = await upstream.json(f"{self.api}/repos/{_q(owner)}/{_q(repo)}", self._headers())
        branch = info.get("default_branch") if isinstance(info, dict) else None
        return await self._tree(upstream, owner, repo, branch if isinstance(branch, str) else "main", "")

    async def tree(self, request: Request, upstream: Upstream) -> Listing:
        params = request.path_params
        return await self._tree(upstream, params["owner"], params["repo"], params["ref"], params.get("path", ""))

    async def _tree(self, upstream: Upstream, owner: str, repo: str, ref: str, path: str) -> Listing:
        path = path.strip("/")
        plain_segments(owner, repo, ref, path)
        repo_api = f"{self.api}/repos/{_q(owner)}/{_q(repo)}"
        contents = await upstream.json(f"{repo_api}/contents/{_q(path)}?ref={quote(ref, safe='')}", self._headers())
        if isinstance(contents, dict):  # a file, not a folder
            raise FetchError(404, f"{owner}/{repo}/{path} is a file, not a folder")
        items = []
        for entry in _list(contents):
            name, kind, entry_path = entry.get("name"), entry.get("type"), entry.get("path")
            if not (isinstance(name, str) and isinstance(entry_path, str)):
                continue
            if kind == "dir":
                items.append(Item(name, f"{self.base}/github/{_q(owner)}/{_q(repo)}/tree/{_q(ref)}/{_q(entry_path)}", "dir"))
            elif name.endswith(".ipynb"):
                items.append(Item(name, f"{self.base}/github/{_q(owner)}/{_q(repo)}/blob/{_q(ref)}/{_q(entry_path)}",
                                  "notebook"))
            else:
                items.append(Item(name, f"{self.web}/{_q(owner)}/{_q(repo)}/blob/{_q(ref)}/{_q(entry_path)}", "file"))
        refs = []
        for kind in ("branches", "tags"):
            for entry in _list(await upstream.json(f"{repo_api}/{kind}?per_page=100", self._headers())):
                if isinstance(entry.get("name"), str):
                    refs.append((entry["name"], f"{self.base}/github/{_q(owner)}/{_q(repo)}/tree/{_q(entry['name'])}/{_q(path)}".rstrip("/")))
        title = f"{owner}/{repo}" + (f"/{path}" if path else "")
        return Listing(title, sort_items(items), crumbs(self.base, owner, repo, ref, path), refs, ref,
                       f"{self.web}/{_q(owner)}/{_q(repo)}/tree/{_q(ref)}/{_q(path)}".rstrip("/"), "View on GitHub")

    async def blob(self, request: Request, upstream: Upstream) -> NotebookSource:
        params = request.path_params
        owner, repo, ref, path = params["owner"], params["repo"], params["ref"], params["path"]
        plain_segments(owner, repo, ref, path)
        return NotebookSource(
            url=f"{self.raw}/{_q(owner)}/{_q(repo)}/{_q(ref)}/{_q(path)}",
            name=path.rpartition("/")[2],
            headers=token_headers(),
            view_url=f"{self.web}/{_q(owner)}/{_q(repo)}/blob/{_q(ref)}/{_q(path)}",
            view_label="View on GitHub",
            binder_url=f"{self.binder}/v2/gh/{_q(owner)}/{_q(repo)}/{_q(ref)}?labpath={quote(path, safe='')}",
            breadcrumbs=tuple(crumbs(self.base, owner, repo, ref, path.rpartition("/")[0])),
        )


def _list(value: object) -> list[dict]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []
