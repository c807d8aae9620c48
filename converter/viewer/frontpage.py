"""What a person pastes into the front page, turned into the viewer's own route.

github.com blob, tree and raw links, raw.githubusercontent.com files, gist pages and
their raw files, GitLab (gitlab.com or a configured self-hosted host) blob, tree and raw
links, a bare GitHub user, ``owner/repo`` or gist id, and any other http(s) URL: each
becomes the route that renders or lists it (``/github/...``, ``/gist/...``,
``/gitlab/HOST/...``, ``/url[s]/HOST/...``). Pure string work, no network; also the
hosts to recognise (from the viewer's flags) and the front page's gallery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

_GIST_ID = re.compile(r"^[0-9a-f]{20,40}$")
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$")
_SAFE = "/!$&'()*+,;=:@~"
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?![0-9]+(?:/|$))")


@dataclass(frozen=True)
class Hosts:
    """The web hosts whose links the viewer knows (Enterprise installs add their own)."""

    github: tuple[str, ...] = ("github.com", "www.github.com")
    github_raw: tuple[str, ...] = ("raw.githubusercontent.com",)
    gist: tuple[str, ...] = ("gist.github.com",)
    gist_raw: tuple[str, ...] = ("gist.githubusercontent.com",)
    gitlab: tuple[str, ...] = field(default=("gitlab.com",))


def _path(parts: list[str]) -> str:
    return "/".join(quote(unquote(part), safe=_SAFE) for part in parts)


def route_for(text: str, hosts: Hosts = Hosts()) -> str | None:
    """The viewer path for what was pasted, or None when it names nothing we can show."""
    text = text.strip()
    if not text:
        return None
    if "://" not in text:
        if _OTHER_SCHEME.match(text):
            return None  # javascript:, data:, mailto:, ...
        bare = text.strip("/")
        if _GIST_ID.match(bare):
            return f"/gist/{bare}"
        pieces = bare.split("/")
        if len(pieces) <= 2 and all(_NAME.match(piece) for piece in pieces) and "." not in pieces[0]:
            return "/github/" + "/".join(pieces)
        text = "https://" + text
    parsed = urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    if parsed.username is not None or parsed.password is not None:
        return None  # credentials never go into a route (nor into anyone's history)
    host = parsed.netloc.lower()  # with its port: a self-hosted forge may run on one
    parts = [part for part in parsed.path.split("/") if part]
    query = "?" + parsed.query if parsed.query else ""
    if host in hosts.github:
        return _github(parts) or _plain(parsed.scheme, parsed.netloc, parsed.path, query)
    if host in hosts.github_raw and len(parts) >= 4:
        return f"/github/{_path(parts[:2])}/blob/{_path(parts[2:])}"
    if host in hosts.gist:
        if len(parts) == 1:
            return f"/gist/{_path(parts)}" if _GIST_ID.match(parts[0]) else f"/gist/{_path(parts)}/"
        if len(parts) >= 2:
            return f"/gist/{_path(parts[:2])}"
    if host in hosts.gist_raw and len(parts) >= 2:
        return f"/gist/{_path(parts[:2])}"
    if host in hosts.gitlab:
        return _gitlab(host, parts) or _plain(parsed.scheme, parsed.netloc, parsed.path, query)
    return _plain(parsed.scheme, parsed.netloc, parsed.path, query)


def _github(parts: list[str]) -> str | None:
    if not parts:
        return None
    if len(parts) == 1:
        return f"/github/{_path(parts)}"
    if len(parts) == 2:
        return f"/github/{_path(parts)}"
    kind = parts[2]
    if kind in ("blob", "raw") and len(parts) >= 5:
        return f"/github/{_path(parts[:2])}/blob/{_path(parts[3:])}"
    if kind == "tree" and len(parts) >= 4:
        return f"/github/{_path(parts[:2])}/tree/{_path(parts[3:])}"
    return None


def _gitlab(host: str, parts: list[str]) -> str | None:
    if "-" not in parts:
        return f"/gitlab/{host}/{_path(parts)}" if len(parts) >= 2 else None
    dash = parts.index("-")
    project, rest = parts[:dash], parts[dash + 1:]
    if len(project) < 2 or len(rest) < 2:
        return None
    kind = "blob" if rest[0] in ("blob", "raw") else "tree" if rest[0] == "tree" else None
    if kind is None:
        return None
    return f"/gitlab/{host}/{_path(project)}/-/{kind}/{_path(rest[1:])}"


def _plain(scheme: str, netloc: str, path: str, query: str) -> str:
    prefix = "/urls/" if scheme == "https" else "/url/"
    return prefix + netloc + quote(unquote(path), safe=_SAFE) + query


def hosts_from(config: Any) -> Hosts:
    """The forge hosts whose links the front page rewrites, from the base-URL flags."""
    def host(url: str) -> str:
        return urlsplit(url).netloc.lower()

    defaults = Hosts()
    return Hosts(
        github=tuple(dict.fromkeys((host(config.github_url), *defaults.github))),
        github_raw=tuple(dict.fromkeys((host(config.github_raw_url), *defaults.github_raw))),
        gist=tuple(dict.fromkeys((host(config.gist_url), *defaults.gist))),
        gitlab=tuple(host(url) for url in config.gitlab_urls),
    )


def load_gallery(path: str, base: str, examples: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``--frontpage FILE.json``: ``[{"label": ..., "url": ...}]``, URLs pasted-style or
    routes; without a file, ``examples``."""
    if not path:
        return [(label, base + href) for label, href in examples]
    import json

    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    gallery = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("label"), str) and isinstance(entry.get("url"), str):
            route = entry["url"] if entry["url"].startswith("/") else route_for(entry["url"])
            if route:
                gallery.append((entry["label"], base + route))
    return gallery
