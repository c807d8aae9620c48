"""Counters and a render-time histogram, served at ``/metrics`` in Prometheus' text format.

Kept per process, as Prometheus expects of a multi-process server scraped per worker;
the numbers are plain integers and floats updated on the event loop (no locks needed).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RENDER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class Metrics:
    requests: Counter = field(default_factory=Counter)         # by HTTP status
    cache: Counter = field(default_factory=Counter)            # hit / miss / revalidated / stale
    upstream_errors: Counter = field(default_factory=Counter)  # by the status we answered
    render_counts: list[int] = field(default_factory=lambda: [0] * (len(RENDER_BUCKETS) + 1))
    render_sum: float = 0.0

    def observe_render(self, seconds: float) -> None:
        self.render_counts[bisect_left(RENDER_BUCKETS, seconds)] += 1
        self.render_sum += seconds

    def text(self) -> str:
        """The exposition format: HELP and TYPE lines, then one sample per line."""
        lines = [
            "# HELP nbconv_viewer_requests_total HTTP responses by status code.",
            "# TYPE nbconv_viewer_requests_total counter",
            *(f'nbconv_viewer_requests_total{{status="{status}"}} {count}'
              for status, count in sorted(self.requests.items())),
            "# HELP nbconv_viewer_cache_total Page cache lookups by outcome.",
            "# TYPE nbconv_viewer_cache_total counter",
            *(f'nbconv_viewer_cache_total{{result="{result}"}} {self.cache[result]}'
              for result in ("hit", "miss", "revalidated", *sorted(set(self.cache) - {"hit", "miss", "revalidated"}))),
            "# HELP nbconv_viewer_upstream_errors_total Fetches from upstream that failed, by our status.",
            "# TYPE nbconv_viewer_upstream_errors_total counter",
            *(f'nbconv_viewer_upstream_errors_total{{status="{status}"}} {count}'
              for status, count in sorted(self.upstream_errors.items())),
            "# HELP nbconv_viewer_render_seconds Time to render a notebook page.",
            "# TYPE nbconv_viewer_render_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip((*RENDER_BUCKETS, float("inf")), self.render_counts):
            cumulative += count
            label = "+Inf" if bound == float("inf") else f"{bound:g}"
            lines.append(f'nbconv_viewer_render_seconds_bucket{{le="{label}"}} {cumulative}')
        lines.append(f"nbconv_viewer_render_seconds_sum {self.render_sum:.6f}")
        lines.append(f"nbconv_viewer_render_seconds_count {cumulative}")
        return "\n".join(lines) + "\n"


class CountResponses:
    """Counts every response by status into the viewer's ``Metrics`` (``app.state.viewer``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                viewer = getattr(scope["app"].state, "viewer", None)
                if viewer is not None:
                    viewer.metrics.requests[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counted)
