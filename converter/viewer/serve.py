"""``nbconv serve``: parse the viewer's options and run it under uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import re
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
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.workers < 1:
        build_parser().error("--workers must be at least 1")
    config = ViewerConfig(**vars(args))
    config.to_environment()
    import uvicorn

    # uvicorn handles SIGINT/SIGTERM itself and exits with 3 when it cannot start (port in use)
    uvicorn.run("converter.viewer.app:app_from_environment", factory=True, host=config.host,
                port=config.port, workers=config.workers, server_header=False, proxy_headers=False)
    return 0
