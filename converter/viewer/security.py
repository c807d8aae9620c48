"""The security headers of every viewer response, and the slides page's own CSP.

Every page is sanitized and carries no script: the CSP forbids all of it, styles come
from the viewer only (style attributes that the sanitizer kept are allowed). The slides
page is the one exception: reveal.js from its pinned folder and the page's own inline
scripts, allowed by hash.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

_INLINE_SCRIPT = re.compile(rb"<script>([^<]*)</script>")  # our templates' own, attribute-less


def slides_policy(page: bytes) -> str:
    """The CSP of a slides page: reveal.js from its pinned folder, and the page's own
    inline scripts by hash, nothing else (the notebook is sanitized: it carries none)."""
    import base64
    import hashlib

    from converter.exporters.slides import REVEAL_PREFIX

    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.group(1)).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.finditer(page))
    reveal = REVEAL_PREFIX + "/"
    return "; ".join([
        "default-src 'none'", f"script-src {reveal} {hashes}".strip(), f"style-src 'self' 'unsafe-inline' {reveal}",
        f"font-src {reveal}", "img-src 'self' data: https:", "form-action 'self'", "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """Adds the CSP, nosniff and referrer headers to every response, errors included
    (a response that set its own CSP, the slides page, keeps it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                own = any(name.lower() == b"content-security-policy" for name, _ in headers)
                message["headers"] = [*headers, *(SECURITY_HEADERS[1:] if own else SECURITY_HEADERS)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
