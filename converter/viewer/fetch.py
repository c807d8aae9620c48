"""Fetch a notebook from a URL a stranger typed, without letting it reach inside our network.

Each hop (the first URL and every redirect) is resolved here, every resolved address is
checked against the address policy, and the connection is made to the checked address
itself (the URL's host is replaced by the IP literal; the Host header and TLS SNI keep
the name). So there is no second DNS lookup an attacker could answer differently.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Iterable

import httpx

from converter import __version__
from converter.errors import ConversionError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"nbconv-viewer/{__version__}"


class FetchError(ConversionError):
    """The notebook could not be fetched; ``status`` is the HTTP status the viewer answers."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 20 * 1024 * 1024
    connect_timeout: float = 5.0
    total_timeout: float = 30.0
    max_redirects: int = 5


@dataclass
class Fetched:
    """An upstream answer: the body, or ``not_modified`` when our validators still hold."""

    url: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


def address_class(address: Address) -> str | None:
    """Why an address is refused by default ("loopback", "private", ...), or None if public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for name in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    return None if address.is_global else "non-global"


class AddressPolicy:
    """Public addresses are allowed; others only inside the ``allowed`` networks."""

    def __init__(self, allowed: Iterable[str | Network] = ()) -> None:
        self.allowed: tuple[Network, ...] = tuple(ipaddress.ip_network(net, strict=False) for net in allowed)

    def refusal(self, address: str) -> str | None:
        """The reason ``address`` may not be contacted, or None when it may."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in net for net in self.allowed):
            return None
        kind = address_class(ip)
        return f"{kind} address {ip} is not allowed" if kind else None


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(502, f"cannot resolve host {host}: {error.strerror}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


class SafeFetcher:
    """GET notebooks over http(s) with the address policy, a size cap and timeouts."""

    def __init__(self, policy: AddressPolicy, limits: FetchLimits = FetchLimits(),
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self.limits = limits
        self.client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,  # never an environment proxy: it would dial addresses we did not check
            follow_redirects=False,
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
            timeout=httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/x-ipynb+json, application/json, */*"},
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch ``url``; with ``etag``/``last_modified`` a 304 comes back as ``not_modified``."""
        try:
            return await asyncio.wait_for(self._follow(url, etag, last_modified), self.limits.total_timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            raise FetchError(504, f"{url}: the upstream server did not answer in time") from None
        except httpx.ConnectError:
            raise FetchError(502, f"{url}: cannot connect to the upstream server") from None
        except httpx.HTTPError as error:
            raise FetchError(502, f"{url}: upstream error: {type(error).__name__}") from None

    async def _follow(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        current = parse_url(url)
        for _ in range(self.limits.max_redirects + 1):
            address = await self._checked_address(current)
            request = self.client.build_request(
                "GET",
                current.copy_with(host=address),
                headers={"Host": current.netloc.decode("ascii"), **conditional},
                extensions={"sni_hostname": current.host} if current.scheme == "https" else {},
            )
            response = await self.client.send(request, stream=True)
            try:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    current = parse_url(str(current.join(response.headers["location"])))
                    continue
                return await self._read(str(current), response, bool(conditional))
            finally:
                await response.aclose()
        raise FetchError(502, f"{url}: more than {self.limits.max_redirects} redirects")

    async def _checked_address(self, url: httpx.URL) -> str:
        """The first resolved address the policy allows; refused (403) when there is none."""
        addresses = await resolve(url.host, url.port or (443 if url.scheme == "https" else 80))
        refusals = []
        for address in addresses:
            reason = self.policy.refusal(address)
            if reason is None:
                return address.split("%", 1)[0]
            refusals.append(reason)
        raise FetchError(403, f"{url.host}: {'; '.join(refusals) or 'no address'}")

    async def _read(self, url: str, response: httpx.Response, conditional: bool) -> Fetched:
        status = response.status_code
        if status == 304 and conditional:
            return Fetched(url, not_modified=True)
        if status in (404, 410):
            raise FetchError(404, f"{url}: not found upstream (HTTP {status})")
        if not 200 <= status < 300:
            raise FetchError(502, f"{url}: the upstream server answered HTTP {status}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise self._too_large(url)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded bytes: a gzip bomb counts in full
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise self._too_large(url)
            chunks.append(chunk)
        return Fetched(url, b"".join(chunks), response.headers.get("etag"), response.headers.get("last-modified"))

    def _too_large(self, url: str) -> FetchError:
        return FetchError(413, f"{url}: the notebook is larger than {self.limits.max_bytes:,} bytes")


def parse_url(url: str) -> httpx.URL:
    """An absolute http(s) URL with a host, or a 400 ``FetchError``."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise FetchError(400, f"invalid URL: {error}") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(400, f"{url}: only http and https URLs can be viewed")
    if not parsed.host:
        raise FetchError(400, f"{url}: the URL has no host")
    return parsed

