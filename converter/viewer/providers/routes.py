"""The routes of every configured provider, each answered the same way: a notebook
page through the viewer, or a listing page."""

from __future__ import annotations

import logging
from typing import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from converter.viewer import pages
from converter.viewer.config import ViewerConfig
from converter.viewer.fetch import FetchError
from converter.viewer.providers import Listing, Resolver
from converter.viewer.providers.gist import Gist
from converter.viewer.providers.github import GitHub
from converter.viewer.providers.gitlab import GitLab
from converter.viewer.providers.local import LocalFiles

log = logging.getLogger("nbconv.viewer")


def _handler(resolve: Resolver) -> Callable:
    async def handle(request: Request) -> Response:
        viewer = request.app.state.viewer
        try:
            found = await resolve(request, viewer.api)
        except FetchError as error:
            if not request.url.path.startswith(f"{viewer.config.base_url.rstrip('/')}/localfiles"):
                viewer.metrics.upstream_errors[error.status] += 1
            return viewer.error(error.status, str(error), error.headers)
        except Exception:  # a bug of ours, or an API answer of a shape we did not expect
            log.exception("internal error resolving %s", request.url.path)
            return viewer.error(500, "internal error while reading this listing")
        if isinstance(found, Listing):
            body = pages.listing_page(found, viewer.config.base_url.rstrip("/"))
            return Response(body, media_type="text/html; charset=utf-8",
                            headers={"cache-control": f"public, max-age={int(viewer.config.cache_ttl)}"})
        return await viewer.serve_source(request, found)

    return handle


def provider_routes(config: ViewerConfig) -> list[Route]:
    base = config.base_url.rstrip("/")
    github = GitHub(config.github_api_url, config.github_raw_url, config.github_url, config.binder_url, base)
    gist = Gist(config.github_api_url, config.gist_url, base)
    gitlab = GitLab(config.gitlab_urls, config.binder_url, base)
    routes = [
        Route("/github/{owner}/{repo}/blob/{ref}/{path:path}", _handler(github.blob)),
        Route("/github/{owner}/{repo}/tree/{ref}/{path:path}", _handler(github.tree)),
        Route("/github/{owner}/{repo}/tree/{ref}", _handler(github.tree)),
        Route("/github/{owner}/{repo}", _handler(github.repository)),
        Route("/github/{owner}", _handler(github.user)),
        Route("/gist/{user}/", _handler(gist.user)),
        Route("/gist/{user}/{gist_id}/{filename}", _handler(gist.gist)),
        Route("/gist/{user}/{gist_id}", _handler(gist.gist)),
        Route("/gist/{gist_id}", _handler(gist.gist)),
        Route("/gitlab/{host}/{rest:path}", _handler(gitlab.route)),
    ]
    if config.localfiles:
        local = LocalFiles(config.localfiles, base)
        routes += [Route("/localfiles/{path:path}", _handler(local.route)),
                   Route("/localfiles", _handler(local.route))]
    return routes
