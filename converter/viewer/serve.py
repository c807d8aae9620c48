"""``nbconv serve``: parse the viewer's options and run it under uvicorn."""

from __future__ import annotations

import argparse
import os
import ipaddress
import re
import sys
from typing import Sequence

from converter.viewer.config import ViewerConfig

_SIZE = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*$")


def size(text: str) -> int:
    """'20M', '512K', '1G' or a byte count, for argparse."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 20M, 512K, 1000000)")
    scale = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[match.group(2).upper()]
    return int(float(match.group(1)) * scale)


def network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a network (CIDR such as 10.0.0.0/8): {text!r}") from None


def cache_spec(text: str) -> str:
    if text == "memory" or text.startswith(("redis://", "rediss://", "unix://")):
        return text
    raise argparse.ArgumentTypeError(f"not a cache: {text!r} (use 'memory' or redis://HOST:PORT/DB)")


def build_parser() -> argparse.ArgumentParser:
    defaults = ViewerConfig()
    parser = argparse.ArgumentParser(
        prog="nbconv serve",
        description="Serve the notebook viewer: a notebook URL in, a safe rendered page out.",
        epilog="Exit codes: 0 stopped normally, 2 usage error, 3 the server could not start. See CLI.md.",
    )
    parser.add_argument("--host", default=defaults.host, help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port to listen on (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=defaults.workers, metavar="N",
                        help="worker processes (default: %(default)s)")
    parser.add_argument("--allow-network", dest="allow_networks", action="append", type=network, default=[],
                        metavar="CIDR", help="let the viewer fetch from this non-public network (repeatable)")
    parser.add_argument("--cache", type=cache_spec, default=defaults.cache, metavar="memory|redis://...",
                        help="where rendered pages are cached (default: %(default)s)")
    parser.add_argument("--cache-ttl", type=float, default=defaults.cache_ttl, metavar="SECONDS",
                        help="how long a cached page is served before upstream is asked again (default: %(default)s)")
    parser.add_argument("--cache-size", dest="cache_bytes", type=size, default=defaults.cache_bytes, metavar="SIZE",
                        help="memory cache limit (default: 256M)")
    parser.add_argument("--max-size", dest="max_bytes", type=size, default=defaults.max_bytes, metavar="SIZE",
                        help="largest notebook fetched (default: 20M)")
    parser.add_argument("--connect-timeout", type=float, default=defaults.connect_timeout, metavar="SECONDS",
                        help="upstream connect timeout (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=defaults.timeout, metavar="SECONDS",
                        help="upstream total timeout, redirects included (default: %(default)s)")
    limits = parser.add_argument_group("limits for strangers")
    limits.add_argument("--render-workers", type=int, default=defaults.render_workers, metavar="N",
                        help="render processes per server worker (default: one per core)")
    limits.add_argument("--render-timeout", type=float, default=defaults.render_timeout, metavar="SECONDS",
                        help="a render taking longer is stopped and answered 504 (default: %(default)s)")
    limits.add_argument("--max-pending", type=int, default=defaults.max_pending, metavar="N",
                        help="fetch+render jobs in flight per server worker; past it 503 (default: %(default)s)")
    limits.add_argument("--limit-concurrency", type=int, default=defaults.limit_concurrency, metavar="N",
                        help="connections per server worker before answering 503 "
                             "(default: what the open-file limit allows)")
    limits.add_argument("--header-timeout", type=float, default=defaults.header_timeout, metavar="SECONDS",
                        help="close a connection whose request headers take longer (default: %(default)s)")
    limits.add_argument("--keep-alive-timeout", type=float, default=defaults.keep_alive_timeout, metavar="SECONDS",
                        help="close an idle keep-alive connection after this (default: %(default)s)")
    sources = parser.add_argument_group("where notebooks come from")
    sources.add_argument("--github-url", default=defaults.github_url, metavar="URL",
                         help="GitHub's web address, for links and pasted URLs (default: %(default)s)")
    sources.add_argument("--github-api-url", default=defaults.github_api_url, metavar="URL",
                         help="GitHub's REST API, e.g. https://HOST/api/v3 for Enterprise (default: %(default)s)")
    sources.add_argument("--github-raw-url", default=defaults.github_raw_url, metavar="URL",
                         help="where raw files are served (default: %(default)s)")
    sources.add_argument("--gist-url", default=defaults.gist_url, metavar="URL",
                         help="gists' web address (default: %(default)s)")
    sources.add_argument("--gitlab-url", dest="gitlab_urls", action="append", metavar="URL",
                         help="a GitLab server to browse (repeatable; default: https://gitlab.com)")
    sources.add_argument("--binder-url", default=defaults.binder_url, metavar="URL",
                         help="the BinderHub that 'Run on Binder' links point to (default: %(default)s)")
    sources.add_argument("--localfiles", default=defaults.localfiles, metavar="DIR",
                         help="serve the notebooks under DIR at /localfiles/ (confined to DIR)")
    sources.add_argument("--frontpage", default=defaults.frontpage, metavar="FILE.json",
                         help='front-page gallery: [{"label": "...", "url": "..."}, ...]')
    ops = parser.add_argument_group("operations")
    ops.add_argument("--base-url", default=defaults.base_url, metavar="PREFIX",
                     help="serve under this path prefix, e.g. /viewer/ behind a proxy (default: %(default)s)")
    ops.add_argument("--log-level", default=defaults.log_level, choices=("debug", "info", "warning", "error"),
                     help="server log level; info logs one line per request (default: %(default)s)")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("workers", "max_pending"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("render_workers", "limit_concurrency"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be at least 1 (or 0 for the default)")
    for name in ("render_timeout", "header_timeout"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    args.gitlab_urls = args.gitlab_urls or ViewerConfig().gitlab_urls
    args.base_url = "/" + args.base_url.strip("/") + "/" if args.base_url.strip("/") else "/"
    if args.localfiles and not os.path.isdir(args.localfiles):
        parser.error(f"--localfiles {args.localfiles}: not a directory")
    config = ViewerConfig(**vars(args))
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from converter.viewer import connections

    file_limit = connections.raise_file_limit()
    config.limit_concurrency = config.limit_concurrency or connections.default_limit_concurrency(file_limit, config)
    config.to_environment()
    try:
        sock = connections.listening_socket(config.host, config.port)
    except OSError as error:
        print(f"nbconv serve: error: cannot listen on {config.host}:{config.port}: {error.strerror or error}",
              file=sys.stderr)
        return 3
    server_config = uvicorn.Config(
        "converter.viewer.app:app_from_environment", factory=True, host=config.host, port=config.port,
        workers=config.workers, server_header=False, proxy_headers=False,
        http="converter.viewer.connections:HeaderTimeoutProtocol",
        limit_concurrency=config.limit_concurrency, timeout_keep_alive=config.keep_alive_timeout,
        log_level=config.log_level, access_log=config.log_level in ("debug", "info"),
    )
    server = uvicorn.Server(server_config)
    try:  # uvicorn handles SIGINT/SIGTERM itself
        if config.workers > 1:
            try:
                supervisor = Multiprocess(server_config, sockets=[sock])
            except TypeError:  # uvicorn before the supervisor chose its own target
                supervisor = Multiprocess(server_config, target=server.run, sockets=[sock])
            supervisor.run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if config.workers == 1 and not server.started:
        return 3
    return 0
