"""Address refusals, run only inside a private network namespace with nothing but ``lo``.

Collected only through test_viewer_refusals.py, which starts pytest on this file under
``unshare -n``: even if the viewer wrongly dialled 169.254.169.254 or 10.1.2.3, no
packet could leave the machine. Where a wrong viewer could reach something, the test is
built so it would (an upstream on 127.0.0.2, ``localhost``), so a missing check fails.
"""

from __future__ import annotations

import fcntl
import socket
import struct

import pytest

from viewer_servers import client, serve_upstream, start_viewer, upstream  # noqa: F401

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

if [name for _, name in socket.if_nameindex()] != ["lo"]:
    pytest.skip("not in an isolated network namespace; run through tests/test_viewer_refusals.py",
                allow_module_level=True)


def bring_loopback_up() -> None:
    """``ip link set lo up`` without needing iproute2: a new namespace starts with lo down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


bring_loopback_up()

NOTEBOOK = "corpus/nbconvert-tests/notebook2.ipynb"


@pytest.fixture(scope="module")
def strict_viewer(start_viewer):
    """The default policy: nothing but public addresses."""
    return start_viewer()


@pytest.fixture(scope="module")
def one_host_viewer(start_viewer):
    """Allows 127.0.0.1 only, so 127.0.0.2 stands in for a forbidden but reachable host."""
    return start_viewer("--allow-network", "127.0.0.1/32")


@pytest.fixture(scope="module")
def other_upstream():
    with serve_upstream("127.0.0.2") as state:
        yield state


def test_the_upstream_is_reachable_when_allowed(one_host_viewer, upstream, client):
    assert client.get(f"{one_host_viewer.url}/url/{upstream.base}/{NOTEBOOK}").status_code == 200


@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "loopback"),
    ("localhost", "loopback"),  # a name that resolves to 127.0.0.1
    ("2130706433", "loopback"),  # 127.0.0.1 as one decimal number
    ("[::1]", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("[fd00::1]", "private"),
    ("169.254.169.254", "link-local"),
    ("[fe80::1]", "link-local"),
    ("224.0.0.1", "multicast"),
    ("[ff02::1]", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("[::]", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-global"),
    ("[fec0::1]", "site-local"),
    ("[2002:a00:1::1]", "private"),  # 6to4 of 10.0.0.1
    ("[2002:7f00:1::1]", "loopback"),  # 6to4 of 127.0.0.1
    ("[64:ff9b::a00:1]", "private"),  # NAT64 of 10.0.0.1
    ("[64:ff9b::a9fe:a9fe]", "link-local"),  # NAT64 of 169.254.169.254
    ("[64:ff9b:1::1]", "private"),  # a site's own NAT64 prefix
])
@pytest.mark.parametrize("route", ["url", "urls"])
def test_address_classes_are_refused(strict_viewer, upstream, client, host, kind, route):
    case = f"?case={route}-{host}"
    response = client.get(f"{strict_viewer.url}/{route}/{host}:{upstream.port}/{NOTEBOOK}{case}")
    assert response.status_code == 403, response.text[-500:]
    assert f"{kind} address" in response.text
    assert not upstream.seen(f"/{NOTEBOOK}{case}")  # for loopback hosts it was reachable


def test_redirect_to_cloud_metadata_is_refused(one_host_viewer, upstream, client):
    target = "http://169.254.169.254/latest/meta-data/"
    response = client.get(f"{one_host_viewer.url}/url/{upstream.base}/redirect/x", params={"to": target})
    assert response.status_code == 403, response.text[-500:]
    assert "link-local address 169.254.169.254 is not allowed" in response.text


def test_redirect_to_a_reachable_forbidden_host_is_refused(one_host_viewer, upstream, other_upstream, client):
    direct = client.get(f"{one_host_viewer.url}/url/{other_upstream.base}/{NOTEBOOK}")
    assert direct.status_code == 403
    target = f"http://{other_upstream.base}/{NOTEBOOK}"
    response = client.get(f"{one_host_viewer.url}/url/{upstream.base}/redirect/y", params={"to": target})
    assert response.status_code == 403, response.text[-500:]
    assert not other_upstream.requests


def test_redirect_to_another_scheme_is_refused(one_host_viewer, upstream, client):
    response = client.get(f"{one_host_viewer.url}/url/{upstream.base}/redirect/z", params={"to": "file:///etc/passwd"})
    assert response.status_code == 400
    assert "only http and https" in response.text
