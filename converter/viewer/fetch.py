"""Fetch a notebook from a URL a stranger typed, without letting it reach inside our network.

Each hop (the first URL and every redirect) is resolved here, every resolved address is
checked against the address policy, and the connection is made to the checked address
itself (the URL's host is replaced by the IP literal; the Host header and TLS SNI keep
the name). So there is no second DNS lookup an attacker could answer differently.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Iterable

import httpx

from converter import __version__
from converter.errors import ConversionError
from converter.viewer.decoding import BadEncoding, BoundedDecoder, TooLarge

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"nbconv-viewer/{__version__}"
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


class FetchError(ConversionError):
    """The notebook could not be fetched; ``status`` is the HTTP status the viewer answers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}  # for the viewer's answer, e.g. Retry-After


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


SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated, but still routed inside some sites
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: IPv4 inside IPv6
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # a site's own NAT64 prefix


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for: mapped, 6to4 (2002::/16) or NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_class(address: Address) -> str | None:
    """Why an address is refused by default ("loopback", "private", ...), or None if public.

    An IPv6 address that carries an IPv4 one (mapped, 6to4, NAT64) is judged by the latter.
    """
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return address_class(inner)
        if address in SITE_LOCAL:
            return "site-local"
        if address in NAT64_LOCAL:
            return "private"
    for name in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    return None if address.is_global else "non-global"


class AddressPolicy:
    """Public addresses are allowed; others only inside the ``allowed`` networks."""

    def __init__(self, allowed: Iterable[str | Network] = ()) -> None:
        self.allowed: tuple[Network, ...] = tuple(ipaddress.ip_network(net, strict=False) for net in allowed)

    def refused_class(self, address: str) -> str | None:
        """The class ("loopback", ...) for which ``address`` may not be contacted, or None."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in net for net in self.allowed):
            return None
        return address_class(ip)

    def refusal(self, address: str) -> str | None:
        """The reason ``address`` may not be contacted, or None when it may."""
        kind = self.refused_class(address)
        return f"{kind} address {ipaddress.ip_address(address.split('%', 1)[0])} is not allowed" if kind else None


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(502, f"cannot resolve host {host}: {error.strerror}") from None
    except UnicodeError:
        raise FetchError(400, f"invalid URL: not a valid host name: {host[:80]}") from None
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
            headers={"User-Agent": USER_AGENT, "Accept": "application/x-ipynb+json, application/json, */*",
                     "Accept-Encoding": "identity"},
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None,
                    headers: tuple[tuple[str, str], ...] = ()) -> Fetched:
        """Fetch ``url``; with ``etag``/``last_modified`` a 304 comes back as ``not_modified``.

        ``headers`` (an API token, an Accept) are sent to ``url``'s own host only, never
        to a host a redirect leads to.
        """
        try:
            return await asyncio.wait_for(self._follow(url, etag, last_modified, headers), self.limits.total_timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            raise FetchError(504, f"{url}: the upstream server did not answer in time") from None
        except httpx.ConnectError:
            raise FetchError(502, f"{url}: cannot connect to the upstream server") from None
        except httpx.HTTPError as error:
            raise FetchError(502, f"{url}: upstream error: {type(error).__name__}") from None

    async def _follow(self, url: str, etag: str | None, last_modified: str | None,
                      extra: tuple[tuple[str, str], ...] = ()) -> Fetched:
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        current = parse_url(url)
        origin = (current.scheme, current.netloc)
        for _ in range(self.limits.max_redirects + 1):
            own = dict(extra) if (current.scheme, current.netloc) == origin else {}
            address = await self._checked_address(current)
            request = self.client.build_request(
                "GET",
                current.copy_with(host=address),
                headers={**own, "Host": current.netloc.decode("ascii"), **conditional},
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
        """The first resolved address the policy allows; refused (403) when there is none.

        The refusal names the address only when the URL itself did (an IP literal): what a
        host name resolves to inside our network is not the client's business.
        """
        addresses = await resolve(url.host, url.port or (443 if url.scheme == "https" else 80))
        kinds = []
        for address in addresses:
            kind = self.policy.refused_class(address)
            if kind is None:
                return address.split("%", 1)[0]
            kinds.append(kind)
        if is_ip_literal(url.host):
            raise FetchError(403, f"{url.host}: {kinds[0] if kinds else 'no'} address {url.host} is not allowed")
        named = " or ".join(dict.fromkeys(kinds)) or "no"
        article = "an" if named[0] in "aeiou" else "a"
        raise FetchError(403, f"{url.host}: resolves to {article} {named} address, which is not allowed")

    async def _read(self, url: str, response: httpx.Response, conditional: bool) -> Fetched:
        status = response.status_code
        if status == 304 and conditional:
            return Fetched(url, not_modified=True)
        if status in (404, 410):
            raise FetchError(404, f"{url}: not found upstream (HTTP {status})")
        remaining = response.headers.get("x-ratelimit-remaining", response.headers.get("ratelimit-remaining"))
        if status == 429 or (status == 403 and remaining == "0"):  # GitHub: 403 or 429; GitLab: 429
            raise rate_limited(response.headers.get("x-ratelimit-reset", response.headers.get("ratelimit-reset", "")))
        if not 200 <= status < 300:
            raise FetchError(502, f"{url}: the upstream server answered HTTP {status}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise self._too_large(url)
        try:
            decoder = BoundedDecoder(response.headers.get("content-encoding", ""), self.limits.max_bytes)
            chunks: list[bytes] = []
            async for raw in response.aiter_raw():  # undecoded: we decode, counting every layer
                chunks.extend(decoder.decode(raw))
            chunks.extend(decoder.finish())
        except TooLarge:
            raise self._too_large(url) from None
        except BadEncoding as error:
            raise FetchError(502, f"{url}: {error}") from None
        return Fetched(url, b"".join(chunks), response.headers.get("etag"), response.headers.get("last-modified"))

    def _too_large(self, url: str) -> FetchError:
        return FetchError(413, f"{url}: the notebook is larger than {self.limits.max_bytes:,} bytes")


def rate_limited(reset: str) -> FetchError:
    """A 503 saying when the upstream API's rate limit resets (its epoch-seconds header)."""
    import time

    wait = int(reset) - int(time.time()) if reset.isdigit() else 60
    wait = max(1, min(wait, 3600))
    when = time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + wait))
    return FetchError(503, f"the upstream API's rate limit is used up; it resets at {when} "
                      f"(in {wait // 60} min {wait % 60} s)", {"retry-after": str(wait)})


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_host(url: httpx.URL) -> str | None:
    """What is wrong with the URL's host and port, or None (a name's labels, an IP literal)."""
    if url.port is not None and not 0 < url.port < 65536:
        return f"port {url.port} is out of range"
    host = url.raw_host.decode("ascii", "replace")
    if ":" in host:  # IPv6, without brackets here
        return None if is_ip_literal(host) else "not a valid IPv6 address"
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253:
        return "the host name is longer than 253 characters"
    if not all(_LABEL.fullmatch(label) for label in name.split(".")):
        return "not a valid host name"
    return None


def parse_url(url: str) -> httpx.URL:
    """An absolute http(s) URL with a well-formed host and no credentials, or a 400 ``FetchError``."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise FetchError(400, f"invalid URL: {error}") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(400, f"{url}: only http and https URLs can be viewed")
    if not parsed.host:
        raise FetchError(400, f"{url}: the URL has no host")
    if parsed.userinfo:
        raise FetchError(400, "URLs with credentials (user:password@) are not accepted")
    problem = check_host(parsed)
    if problem:
        raise FetchError(400, f"invalid URL: {problem}")
    return parsed
