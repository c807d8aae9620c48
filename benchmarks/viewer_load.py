"""Load test of the viewer on loopback: cached pages and cold renders at a fixed concurrency.

Starts an upstream HTTP server (a thread, serving one notebook) and ``nbconv serve`` (a
process) on 127.0.0.1, then sends a bounded number of requests with httpx:

- cached: the same URL again and again (after one warm-up load), so every answer is a
  cache hit;
- cold: a different query string on every request, so every answer is a fetch, a parse
  and a render.

Reports requests/second and p50/p99 latency for each. Nothing leaves loopback.

    python benchmarks/viewer_load.py [--concurrency 16] [--requests 2000] [--cold 200]
                                     [--notebook PATH] [--workers 1 2] [--render-workers 1 2]
                                     [--against CHECKOUT ...]

``--against /work/main`` first measures the viewer of another checkout of nbconv with the
same upstream and load, then this one: a before/after comparison in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOK = REPO.parent / "shared" / "corpus" / "notebook-docs" / "Working_With_Markdown_Cells.ipynb"
TIME_LIMIT = 120.0  # seconds per phase, whatever the request counts
# What the load client accepts: identity by default, so the client spends no CPU decompressing
# on the 2 cores the viewer also uses (--accept-encoding gzip measures the compressed path).
ACCEPT_ENCODING = ["identity"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_upstream(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_viewer(port: int, workers: int, checkout: Path = REPO, render_workers: int = 0) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--allow-network", "127.0.0.0/8",
         # 0: the viewer's default, and no flag, so a checkout from before --render-workers runs too
         *(["--render-workers", str(render_workers)] if render_workers else [])],
        env={**os.environ, "PYTHONPATH": str(checkout)}, cwd=checkout,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the viewer did not start")


async def run_phase(urls: list[str], concurrency: int) -> tuple[float, list[float], int]:
    """Send ``urls`` with ``concurrency`` requests in flight; (seconds, latencies, failures)."""
    import httpx

    assert all(url.startswith("http://127.0.0.1:") for url in urls)
    latencies: list[float] = []
    failures = 0
    queue = iter(urls)
    deadline = time.monotonic() + TIME_LIMIT

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for url in queue:
            if time.monotonic() > deadline:
                return
            start = time.perf_counter()
            response = await client.get(url)
            latencies.append(time.perf_counter() - start)
            failures += response.status_code != 200

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"accept-encoding": ACCEPT_ENCODING[0]}
    async with httpx.AsyncClient(trust_env=False, timeout=60, limits=limits, headers=headers) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - start, latencies, failures


def report(name: str, seconds: float, latencies: list[float], failures: int) -> float:
    """Print one phase's line; its requests per second."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{name:7} {len(latencies):6d} requests  {len(latencies) / seconds:8.1f} req/s  "
          f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  failures {failures}")
    return len(latencies) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000, help="cached-page requests")
    parser.add_argument("--cold", type=int, default=200, help="cold-render requests")
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="server worker counts to measure one after another, e.g. --workers 1 2")
    parser.add_argument("--render-workers", type=int, nargs="+", default=[0],
                        help="render processes per server worker to measure, e.g. --render-workers 1 2 "
                        "(default 0: one per core)")
    parser.add_argument("--accept-encoding", default="identity",
                        help="the load client's Accept-Encoding (default: identity)")
    parser.add_argument("--against", type=Path, action="append", default=[], metavar="CHECKOUT",
                        help="also measure the viewer of this nbconv checkout, first (repeatable)")
    args = parser.parse_args()
    ACCEPT_ENCODING[0] = args.accept_encoding
    if not args.notebook.is_file():
        raise SystemExit(f"{args.notebook}: not found (give --notebook)")

    upstream = start_upstream(args.notebook.read_bytes())
    print(f"notebook {args.notebook.name} ({args.notebook.stat().st_size:,} bytes), "
          f"concurrency {args.concurrency}, {os.cpu_count()} cores")
    cold: dict[tuple[Path, int, int], float] = {}
    try:
        for checkout in [*args.against, REPO]:
            for workers in args.workers:
                for renderers in args.render_workers:
                    cold[checkout, workers, renderers] = measure(checkout, workers, upstream.server_address[1],
                                                                 args, renderers)
    finally:
        upstream.shutdown()
    for renderers in args.render_workers:
        if (REPO, 1, renderers) in cold and (REPO, 2, renderers) in cold:
            ratio = cold[REPO, 2, renderers] / cold[REPO, 1, renderers]
            print(f"cold throughput, 2 server workers against 1 (render workers {renderers or 'default'}): "
                  f"{ratio:.2f}x (target >= 1.5x: {'met' if ratio >= 1.5 else 'NOT met'})")
    for workers in args.workers:
        if (REPO, workers, 1) in cold and (REPO, workers, 2) in cold:
            ratio = cold[REPO, workers, 2] / cold[REPO, workers, 1]
            print(f"cold throughput, 2 render workers against 1 ({workers} server worker(s)): {ratio:.2f}x")


def measure(checkout: Path, workers: int, upstream_port: int, args: argparse.Namespace,
            render_workers: int = 0) -> float:
    """Cached and cold phases against a fresh viewer from ``checkout``; the cold req/s."""
    port = free_port()
    viewer = start_viewer(port, workers, checkout, render_workers)
    try:
        base = f"http://127.0.0.1:{port}/url/127.0.0.1:{upstream_port}/{args.notebook.name}"
        print(f"viewer from {checkout}, {workers} worker(s), render workers {render_workers or 'one per core'}")
        time.sleep(2)  # let the viewer finish starting (render processes warm up in the background)
        asyncio.run(run_phase([base] * workers * 2, 1))  # warm: every worker has the page
        report("cached", *asyncio.run(run_phase([base] * args.requests, args.concurrency)))
        cold = [f"{base}?cold={i}" for i in range(args.cold)]
        return report("cold", *asyncio.run(run_phase(cold, args.concurrency)))
    finally:
        viewer.terminate()
        viewer.wait(timeout=10)

if __name__ == "__main__":
    main()
