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
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable
from urllib.parse import quote, unquote, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from converter.errors import NotebookError
from converter.viewer import pages
from converter.viewer.cache import Busy, Entry, SingleFlight, open_cache, shared_work
from converter.viewer.config import ViewerConfig
from converter.viewer.fetch import AddressPolicy, FetchError, FetchLimits, SafeFetcher, parse_url
from converter.viewer.frontpage import hosts_from, load_gallery, route_for
from converter.viewer.security import SecurityHeaders, slides_policy
from converter.viewer.http_cache import ConditionalCompression
from converter.viewer.metrics import CountResponses, Metrics
from converter.viewer.providers.routes import provider_routes
from converter.viewer.providers import NotebookSource
from converter.viewer.render_pool import RenderCrashed, RenderPool, RenderTimeout, default_workers
from converter.viewer.upstream import ApiCache, read_local

log = logging.getLogger("nbconv.viewer")

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "script": "text/plain; charset=utf-8",
    "download": "application/x-ipynb+json",
    "slides": "text/html; charset=utf-8",
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
        size = config.render_workers or default_workers()
        self.renderer = RenderPool(size, config.render_timeout)
        self.metrics = Metrics()
        self.hosts = hosts_from(config)
        self.gallery = load_gallery(config.frontpage, config.base_url.rstrip("/"), EXAMPLES)
        self.api = ApiCache(self.fetcher, self.cache, config.cache_ttl)

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return error_response(status, message, headers, self.config.base_url.rstrip("/"))

    def start(self) -> None:
        self.renderer.start()

    async def aclose(self) -> None:
        await self.renderer.aclose()
        await self.fetcher.aclose()
        await self.cache.aclose()

    async def serve(self, request: Request, url: str) -> Response:
        try:
            name = download_name(url).removesuffix(".ipynb")
        except FetchError as error:
            return self.error(error.status, str(error))
        return await self.serve_source(request, NotebookSource(url, name))

    async def serve_source(self, request: Request, source: NotebookSource) -> Response:
        url = source.url
        kind = request.query_params.get("format", "html")
        if "download" in request.query_params:
            kind = "download"
        elif kind not in ("html", "script", "slides"):
            return self.error(400, f"unknown format {kind!r} (use format=html, script or slides, or download)")
        try:
            if source.local_path is None:
                parse_url(url)
            entry, state = await self.entry(request, source, kind)
        except FetchError as error:
            if source.local_path is None:
                self.metrics.upstream_errors[error.status] += 1
            return self.error(error.status, str(error), error.headers)
        except NotebookError as error:
            return self.error(400, str(error))
        except RenderTimeout as error:
            return self.error(504, f"{error}; the notebook is too expensive to show here")
        except RenderCrashed as error:
            log.error("%s while rendering %s", error, url)
            return self.error(500, f"{error} while rendering this notebook (too large to render?)")
        except Busy:
            return self.error(503, "the viewer is busy; try again in a few seconds",
                                  {"retry-after": str(RETRY_AFTER)})
        except ClientGone:
            return Response(status_code=499)  # nobody reads this; the access log does
        except Exception:  # a bug of ours: logged, and the client gets a page without details
            log.exception("internal error serving %s", url)
            return self.error(500, "internal error while rendering this notebook")
        self.metrics.cache[state] += 1
        headers = {"x-cache": state, "cache-control": f"public, max-age={int(self.config.cache_ttl)}",
                   "x-nbconv-digest": entry.digest}  # the ETag middleware's, removed before sending
        if kind == "download":
            headers["content-disposition"] = f'attachment; filename="{file_name(source.name)}"'
        if kind == "slides":
            headers["content-security-policy"] = slides_policy(entry.body)
        return Response(entry.body, media_type=entry.media_type, headers=headers)

    async def entry(self, request: Request, source: NotebookSource, kind: str) -> tuple[Entry, str]:
        """The cached entry when fresh, else one shared refresh; with how it was obtained."""
        url = source.url
        key = f"{kind} {url}"
        if source.view_url or source.breadcrumbs or source.local_path:  # the page carries route-made links
            key += f" via {request.url.path}"
        cached = await self.cache.get(key)
        if cached is not None and cached.is_fresh(self.config.cache_ttl):
            return cached, "hit"
        links = pages.Links(
            source_url=url if source.local_path is None else "",
            script_href=request.url.path + with_parameter(request, "format=script"),
            download_href=request.url.path + with_parameter(request, "download"),
            slides_href=request.url.path + with_parameter(request, "format=slides"),
            view_url=source.view_url or "",
            view_label=source.view_label,
            binder_url=source.binder_url or "",
            breadcrumbs=source.breadcrumbs,
            base=self.config.base_url.rstrip("/"),
        )
        refresh = self.flights.run(key, lambda: self.shared_refresh(key, source, kind, cached, links))
        return await unless_client_leaves(request, refresh)

    async def shared_refresh(self, key: str, source: NotebookSource, kind: str, stale: Entry | None,
                             links: pages.Links) -> tuple[Entry, str]:
        """``refresh`` done once across every viewer process sharing a Redis cache."""
        started = time.time()
        seconds = self.config.timeout + self.config.render_timeout
        result, waited = await shared_work(self.cache, key, seconds,
                                           lambda: self.refresh(key, source, kind, stale, links),
                                           lambda entry: entry.stored_at >= started - 1)
        return (result, "hit") if waited else result

    async def refresh(self, key: str, source: NotebookSource, kind: str, stale: Entry | None,
                      links: pages.Links) -> tuple[Entry, str]:
        url = source.url
        if source.local_path is not None:
            fetched = read_local(source.local_path, self.config.max_bytes, stale)
        elif stale is not None:
            fetched = await self.fetcher.fetch(url, stale.etag, stale.last_modified, source.headers)
        else:
            fetched = await self.fetcher.fetch(url, headers=source.headers)
        if fetched.not_modified and stale is not None:
            entry, state = stale.renewed(), "revalidated"
        else:
            name = source.name.removesuffix(".ipynb")
            started = time.perf_counter()
            body = await self.renderer.render(fetched.body, url, kind, links, name)
            self.metrics.observe_render(time.perf_counter() - started)
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
    return file_name(unquote(parse_url(url).path.rstrip("/").rpartition("/")[2]))


def file_name(name: str) -> str:
    """A notebook's name made safe for a Content-Disposition header."""
    name = _UNSAFE_FILENAME.sub("_", name).strip("._") or "notebook"
    return name if name.endswith(".ipynb") else name + ".ipynb"


def error_response(status: int, message: str, headers: dict[str, str] | None = None, base: str = "") -> Response:
    return Response(pages.error_page(status, message, base), status_code=status,
                    media_type=MEDIA_TYPES["html"], headers={"cache-control": "no-store", **(headers or {})})


async def home(request: Request) -> Response:
    """The front page, or a redirect to the route of what was pasted into it."""
    viewer = request.app.state.viewer
    base = viewer.config.base_url.rstrip("/")
    pasted = request.query_params.get("url", "").strip()
    if not pasted:
        return Response(pages.home_page(viewer.gallery, base), media_type=MEDIA_TYPES["html"])
    route = route_for(pasted, viewer.hosts)
    if route is None:
        return viewer.error(400, f"cannot show {pasted[:200]!r}: give an http(s) URL, a GitHub user, "
                            "repository or file, a gist or a GitLab link")
    return RedirectResponse(base + route, status_code=303)


async def by_url(request: Request) -> Response:
    scheme = "https" if request.url.path.startswith("/urls/") else "http"
    params = request.path_params
    url = f"{scheme}://{params['host']}/{quote_path(params['path'])}{upstream_query(request)}"
    return await request.app.state.viewer.serve(request, url)


async def slides(request: Request) -> Response:
    """``/format/slides/ROUTE``: the notebook at ROUTE, as slides."""
    base = request.app.state.viewer.config.base_url.rstrip("/")
    raw = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    route = raw.partition("/format/slides")[2] or "/"  # kept as sent: %2F stays %2F
    query = request.url.query
    return RedirectResponse(base + route + "?" + (query + "&" if query else "") + "format=slides", status_code=307)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n", headers={"cache-control": "no-store"})


async def stylesheet(request: Request) -> Response:
    return Response(pages.stylesheet(), media_type="text/css; charset=utf-8",
                    headers={"cache-control": "public, max-age=86400"})


async def metrics(request: Request) -> Response:
    return PlainTextResponse(request.app.state.viewer.metrics.text(),
                             media_type="text/plain; version=0.0.4; charset=utf-8",
                             headers={"cache-control": "no-store"})


async def http_error(request: Request, exc: Any) -> Response:
    viewer = getattr(request.app.state, "viewer", None)
    if viewer is not None:
        return viewer.error(exc.status_code, exc.detail)
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
        Route("/metrics", metrics),
        Route("/format/slides/{route:path}", slides),
        Route("/static/viewer.css", stylesheet),
        Route("/url/{host}/{path:path}", by_url),
        Route("/urls/{host}/{path:path}", by_url),
        *provider_routes(config),
    ]
    base = config.base_url.rstrip("/")
    if base:
        routes = [Mount(base, routes=routes), Route("/healthz", healthz)]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})
    app.add_middleware(ConditionalCompression)
    app.add_middleware(CountResponses)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> Starlette:
    """The factory uvicorn imports in each worker process."""
    return create_app(ViewerConfig.from_environment())
