"""The viewer's routes: an upstream URL in, a cached, sanitized page out.

``/url/HOST/PATH`` (http), ``/urls/HOST/PATH`` (https) and
``/github/OWNER/REPO/blob/REF/PATH`` name the notebook; ``?format=script`` asks for its
code and ``?download`` for the file. Every response carries a CSP that allows no script
at all and styles only from this origin (style attributes that the sanitizer kept are
allowed).
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from converter.errors import NotebookError
from converter.viewer import pages
from converter.viewer.cache import Busy, Entry, SingleFlight, open_cache
from converter.viewer.config import ViewerConfig
from converter.viewer.fetch import AddressPolicy, FetchError, FetchLimits, SafeFetcher, parse_url
from converter.viewer.render_pool import RenderCrashed, RenderPool, RenderTimeout, default_workers

log = logging.getLogger("nbconv.viewer")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'none'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: https:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "script": "text/plain; charset=utf-8",
    "download": "application/x-ipynb+json",
}
OWN_PARAMETERS = ("format", "download")
EXAMPLES = [
    ("Typesetting equations (Jupyter notebook docs)",
     "/github/jupyter/notebook/blob/main/docs/source/examples/Notebook/Typesetting%20Equations.ipynb"),
    ("Running code (Jupyter notebook docs)",
     "/github/jupyter/notebook/blob/main/docs/source/examples/Notebook/Running%20Code.ipynb"),
]
RETRY_AFTER = 5  # seconds a client told "busy" (503) should wait
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class SecurityHeaders:
    """Adds the CSP, nosniff and referrer headers to every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def github_raw_url(owner: str, repo: str, ref: str, path: str) -> str:
    """The raw-file URL behind a GitHub ``blob`` page."""
    return f"https://raw.githubusercontent.com/{owner}/{repo}/{ref}/{path}"


def viewer_path(url: str) -> str:
    """Our path for an upstream http(s) URL (the inverse of the /url and /urls routes)."""
    parsed = parse_url(url)
    prefix = "/urls/" if parsed.scheme == "https" else "/url/"
    query = "?" + parsed.query.decode() if parsed.query else ""
    return prefix + parsed.netloc.decode() + parsed.path + query


def quote_path(path: str) -> str:
    """A decoded route path made into a URL path again: ``?``, ``#``, spaces stay in the path."""
    return quote(path, safe="/!$&'()*+,;=:@~")


def upstream_query(request: Request) -> str:
    """The request's query string without the viewer's own parameters."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in OWN_PARAMETERS]
    return "?" + urlencode(kept) if kept else ""


class Viewer:
    """Fetching, rendering and caching for one process."""

    def __init__(self, config: ViewerConfig) -> None:
        self.config = config
        limits = FetchLimits(config.max_bytes, config.connect_timeout, config.timeout)
        self.fetcher = SafeFetcher(AddressPolicy(config.allow_networks), limits)
        self.cache = open_cache(config.cache, config.cache_ttl, config.cache_bytes)
        self.flights = SingleFlight(limit=config.max_pending)
        size = config.render_workers or default_workers(config.workers)
        self.renderer = RenderPool(size, config.render_timeout)

    def start(self) -> None:
        self.renderer.start()

    async def aclose(self) -> None:
        await self.renderer.aclose()
        await self.fetcher.aclose()
        await self.cache.aclose()

    async def serve(self, request: Request, url: str) -> Response:
        kind = request.query_params.get("format", "html")
        if "download" in request.query_params:
            kind = "download"
        elif kind not in ("html", "script"):
            return error_response(400, f"unknown format {kind!r} (use format=html, format=script or download)")
        try:
            parse_url(url)
            entry, state = await self.entry(request, url, kind)
        except FetchError as error:
            return error_response(error.status, str(error))
        except NotebookError as error:
            return error_response(400, str(error))
        except RenderTimeout as error:
            return error_response(504, f"{error}; the notebook is too expensive to show here")
        except RenderCrashed as error:
            log.error("%s while rendering %s", error, url)
            return error_response(500, f"{error} while rendering this notebook (too large to render?)")
        except Busy:
            return error_response(503, "the viewer is busy; try again in a few seconds",
                                  {"retry-after": str(RETRY_AFTER)})
        except ClientGone:
            return Response(status_code=499)  # nobody reads this; the access log does
        except Exception:  # a bug of ours: logged, and the client gets a page without details
            log.exception("internal error serving %s", url)
            return error_response(500, "internal error while rendering this notebook")
        headers = {"x-cache": state, "cache-control": f"public, max-age={int(self.config.cache_ttl)}"}
        if kind == "download":
            headers["content-disposition"] = f'attachment; filename="{download_name(url)}"'
        return Response(entry.body, media_type=entry.media_type, headers=headers)

    async def entry(self, request: Request, url: str, kind: str) -> tuple[Entry, str]:
        """The cached entry when fresh, else one shared refresh; with how it was obtained."""
        key = f"{kind} {url}"
        cached = await self.cache.get(key)
        if cached is not None and cached.is_fresh(self.config.cache_ttl):
            return cached, "hit"
        links = pages.Links(
            source_url=url,
            script_href=request.url.path + with_parameter(request, "format=script"),
            download_href=request.url.path + with_parameter(request, "download"),
        )
        refresh = self.flights.run(key, lambda: self.refresh(key, url, kind, cached, links))
        return await unless_client_leaves(request, refresh)

    async def refresh(self, key: str, url: str, kind: str, stale: Entry | None,
                      links: pages.Links) -> tuple[Entry, str]:
        if stale is not None:
            fetched = await self.fetcher.fetch(url, stale.etag, stale.last_modified)
        else:
            fetched = await self.fetcher.fetch(url)
        if fetched.not_modified and stale is not None:
            entry, state = stale.renewed(), "revalidated"
        else:
            name = download_name(url).removesuffix(".ipynb")
            body = await self.renderer.render(fetched.body, url, kind, links, name)
            entry, state = Entry(body, MEDIA_TYPES[kind], fetched.etag, fetched.last_modified), "miss"
        await self.cache.set(key, entry)
        return entry, state


class ClientGone(Exception):
    """The client hung up before its answer was ready."""


async def unless_client_leaves(request: Request, work: Awaitable[Any]) -> Any:
    """``await work``, cancelled (and ``ClientGone`` raised) if the client disconnects first."""
    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    job = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait({job, watch}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        job.cancel()
        watch.cancel()
        raise
    watch.cancel()
    if not job.done():
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
        raise ClientGone()
    return job.result()


def with_parameter(request: Request, parameter: str) -> str:
    query = upstream_query(request)
    return (query + "&" if query else "?") + parameter


def download_name(url: str) -> str:
    name = parse_url(url).path.rstrip("/").rpartition("/")[2]
    name = _UNSAFE_FILENAME.sub("_", name).strip("._") or "notebook"
    return name if name.endswith(".ipynb") else name + ".ipynb"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(pages.error_page(status, message), status_code=status,
                    media_type=MEDIA_TYPES["html"], headers={"cache-control": "no-store", **(headers or {})})


async def home(request: Request) -> Response:
    url = request.query_params.get("url", "").strip()
    if not url:
        return Response(pages.home_page(EXAMPLES), media_type=MEDIA_TYPES["html"])
    if "://" not in url:
        url = "https://" + url
    try:
        return RedirectResponse(viewer_path(url), status_code=303)
    except FetchError as error:
        return error_response(error.status, str(error))


async def by_url(request: Request) -> Response:
    scheme = "https" if request.url.path.startswith("/urls/") else "http"
    params = request.path_params
    url = f"{scheme}://{params['host']}/{quote_path(params['path'])}{upstream_query(request)}"
    return await request.app.state.viewer.serve(request, url)


async def by_github(request: Request) -> Response:
    params = request.path_params
    path = quote_path(params["path"])
    url = github_raw_url(params["owner"], params["repo"], params["ref"], path) + upstream_query(request)
    return await request.app.state.viewer.serve(request, url)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n", headers={"cache-control": "no-store"})


async def stylesheet(request: Request) -> Response:
    return Response(pages.stylesheet(), media_type="text/css; charset=utf-8",
                    headers={"cache-control": "public, max-age=86400"})


async def http_error(request: Request, exc: Any) -> Response:
    return error_response(exc.status_code, exc.detail)


def create_app(config: ViewerConfig | None = None) -> Starlette:
    config = config or ViewerConfig()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.viewer = Viewer(config)
        app.state.viewer.start()
        try:
            yield
        finally:
            await app.state.viewer.aclose()

    routes = [
        Route("/", home),
        Route("/healthz", healthz),
        Route("/static/viewer.css", stylesheet),
        Route("/url/{host}/{path:path}", by_url),
        Route("/urls/{host}/{path:path}", by_url),
        Route("/github/{owner}/{repo}/blob/{ref}/{path:path}", by_github),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> Starlette:
    """The factory uvicorn imports in each worker process."""
    return create_app(ViewerConfig.from_environment())
