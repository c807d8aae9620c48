"""The viewer under abuse: bombs, pathological notebooks, hung-up clients, floods, idle sockets.

Real ``nbconv serve`` processes and real upstream HTTP servers, all on 127.0.0.1 (the
address-policy cases that name other addresses are in viewer_isolated_refusals.py, run
under ``unshare -n``). Memory and CPU are read from /proc for the viewer process and its
render processes.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest

from viewer_servers import (  # noqa: F401
    VIEWER_MAX_SIZE, client, code_cell, double_gzip_bomb, notebook_json, start_viewer, upstream, viewer,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
NOTEBOOK = "corpus/nbconvert-tests/notebook2.ipynb"

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


# --- what the viewer process and its render processes are doing -------------------------

def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return times


def busy_seconds(root: int, window: float = 1.0) -> float:
    """CPU seconds the process tree of ``root`` used over ``window`` seconds of wall time."""
    pids = [root, *descendants(root)]
    before = cpu_seconds(pids)
    time.sleep(window)
    after = cpu_seconds([root, *descendants(root)])
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def becomes_idle(root: int, within: float, threshold: float = 0.25) -> bool:
    """Whether the tree's CPU use drops under ``threshold`` of a core within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if busy_seconds(root) < threshold:
            return True
    return False


class HealthProbe:
    """Asks /healthz every 50 ms in a thread and keeps the latencies (a failure counts as 60 s)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(trust_env=False, timeout=60) as http:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    ok = http.get(self.base + "/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append(time.perf_counter() - start if ok else 60.0)
                self._stop.wait(0.05)

    def __enter__(self) -> "HealthProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def latex_notebook(repetitions: int) -> bytes:
    output = {"output_type": "display_data", "metadata": {}, "data": {"text/latex": "\\(" * repetitions}}
    return notebook_json([code_cell("x", [output])])


def heavy_notebook(cells: int = 30000) -> bytes:
    """A few MB of ordinary markdown: many seconds of honest rendering work."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": f"m{i}", "metadata": {},
         "source": f"Cell {i}: *text* with `code`, [a link](https://example.org/{i}) and $x_{{{i}}}^2$\n\n- item\n"}
        for i in range(cells)]}).encode()


def open_request(viewer_url: str, path: str) -> socket.socket:
    """Send a GET for ``path`` on a raw socket; the caller closes it to hang up."""
    sock = socket.create_connection(("127.0.0.1", int(viewer_url.rsplit(":", 1)[1])))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: viewer\r\n\r\n".encode())
    return sock


# --- 1. bounded fetching ----------------------------------------------------------------

def test_double_gzip_bomb_is_refused_before_it_costs_memory(start_viewer, upstream, client):
    double_gzip_bomb()  # built before the clock of any fetch runs
    viewer = start_viewer("--allow-network", "127.0.0.0/8", "--timeout", "30")
    first = client.get(f"{viewer.url}/url/{upstream.base}/bomb/warm-up")  # the code path, warmed up
    assert first.status_code == 413, first.text[-500:]
    Path(f"/proc/{viewer.process.pid}/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
    before = status_kib(viewer.process.pid, "VmRSS")

    response = client.get(f"{viewer.url}/url/{upstream.base}/bomb/x")

    assert response.status_code == 413, response.text[-500:]
    assert "larger than" in response.text
    growth = (status_kib(viewer.process.pid, "VmHWM") - before) * 1024
    assert growth < 2 * VIEWER_MAX_SIZE, f"peak RSS grew by {growth:,} bytes"


# --- 3. renders in worker processes, with a deadline ------------------------------------

@pytest.mark.parametrize("repetitions", [24_000, 200_000])
def test_pathological_latex_is_answered_within_the_deadline_while_healthz_answers(
        start_viewer, upstream, client, repetitions):
    render_timeout = 5.0
    viewer = start_viewer("--allow-network", "127.0.0.0/8", "--render-timeout", str(render_timeout))
    client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}")  # render processes up and warm
    upstream.documents[f"latex-{repetitions}"] = latex_notebook(repetitions)

    with HealthProbe(viewer.url) as probe:
        time.sleep(0.3)
        start = time.monotonic()
        response = client.get(f"{viewer.url}/url/{upstream.base}/doc/latex-{repetitions}")
        elapsed = time.monotonic() - start
        time.sleep(0.3)

    assert response.status_code in (200, 504), response.text[-500:]
    assert elapsed < render_timeout + 5
    assert len(probe.latencies) >= 5
    assert statistics.median(probe.latencies) < 0.1, probe.latencies
    assert max(probe.latencies) < 2.0, probe.latencies  # blocked, it would wait for the whole render


def test_a_render_past_the_deadline_is_stopped_with_504(start_viewer, upstream, client):
    viewer = start_viewer("--allow-network", "127.0.0.0/8", "--max-size", "16M",
                          "--render-workers", "1", "--render-timeout", "1")
    assert client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}").status_code == 200
    workers = set(descendants(viewer.process.pid))
    upstream.documents["heavier"] = heavy_notebook(60000)  # ~8 MB: a minute of rendering today

    with HealthProbe(viewer.url) as probe:  # the event loop answers while the render runs
        start = time.monotonic()
        response = client.get(f"{viewer.url}/url/{upstream.base}/doc/heavier")
        elapsed = time.monotonic() - start

    assert response.status_code == 504, response.text[-500:]
    assert "longer than 1 s" in response.text
    assert elapsed < 6
    assert len(probe.latencies) >= 5
    assert statistics.median(probe.latencies) < 0.1, probe.latencies
    assert max(probe.latencies) < 2.0, probe.latencies
    assert becomes_idle(viewer.process.pid, within=10), "the render kept its CPU after the 504"
    replaced = workers - set(descendants(viewer.process.pid))
    assert replaced, "the render process was not replaced"
    again = client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}?after=timeout")
    assert again.status_code == 200  # the replacement serves


# --- 4. bounded work --------------------------------------------------------------------

def test_clients_that_hang_up_leave_no_job_running(start_viewer, upstream, client):
    viewer = start_viewer("--allow-network", "127.0.0.0/8", "--max-size", "16M", "--timeout", "120",
                          "--max-pending", "200", "--render-timeout", "120")
    assert client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}").status_code == 200
    upstream.documents["heavy"] = heavy_notebook()
    sockets = []
    for i in range(100):  # half wait for slow upstream bodies, half for expensive renders
        route = f"trickle/{i}" if i % 2 else f"doc/heavy?client={i}"
        sockets.append(open_request(viewer.url, f"/url/{upstream.base}/{route}"))
    time.sleep(2)
    assert upstream.trickling > 0  # the fetches were under way
    for sock in sockets:
        sock.close()

    deadline = time.monotonic() + 10
    while upstream.trickling and time.monotonic() < deadline:
        time.sleep(0.1)
    assert upstream.trickling == 0, f"{upstream.trickling} upstream fetches still running"
    assert becomes_idle(viewer.process.pid, within=15), "renders kept running for clients that left"
    assert client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}?after=hangups").status_code == 200


def test_past_max_pending_jobs_the_answer_is_503_with_retry_after(start_viewer, upstream, client):
    viewer = start_viewer("--allow-network", "127.0.0.0/8", "--timeout", "60", "--max-pending", "2")
    assert client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}").status_code == 200  # cached now
    waiting = [open_request(viewer.url, f"/url/{upstream.base}/trickle/pending-{i}") for i in range(2)]
    try:
        deadline = time.monotonic() + 10
        while upstream.trickling < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        busy = client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}?third=1")
        cached = client.get(f"{viewer.url}/url/{upstream.base}/{NOTEBOOK}")
    finally:
        for sock in waiting:
            sock.close()
    assert busy.status_code == 503, busy.text[-500:]
    assert int(busy.headers["retry-after"]) > 0
    assert cached.status_code == 200 and cached.headers["x-cache"] == "hit"  # cached pages still served


def test_idle_connections_do_not_stop_healthz(start_viewer):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1400:
        pytest.skip(f"the hard open-file limit ({hard}) is too low for 1,100 connections plus the viewer's own")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1400), hard))
    viewer = start_viewer("--header-timeout", "3", file_limit=1024)  # as a system's default soft limit
    idle = []
    try:
        for _ in range(1100):
            idle.append(socket.create_connection(("127.0.0.1", viewer.port), timeout=5))
        start = time.monotonic()
        with httpx.Client(trust_env=False, timeout=10) as http:
            health = http.get(viewer.url + "/healthz")
        assert health.status_code == 200 and time.monotonic() - start < 2
        idle[1].sendall(b"GET /healthz HTTP/1.1\r\nHost: viewer\r\n")  # and never the end of the headers
        # the header timeout then closes the connections that never sent a (whole) request
        for sock in idle[:2]:
            sock.settimeout(10)
            assert sock.recv(1) == b""
    finally:
        for sock in idle:
            sock.close()


def test_past_limit_concurrency_connections_requests_get_503(start_viewer):
    viewer = start_viewer("--limit-concurrency", "5")
    idle = [socket.create_connection(("127.0.0.1", viewer.port), timeout=5) for _ in range(5)]
    try:
        time.sleep(0.5)
        with httpx.Client(trust_env=False, timeout=10) as http:
            assert http.get(viewer.url + "/healthz").status_code == 503
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)
    with httpx.Client(trust_env=False, timeout=10) as http:
        assert http.get(viewer.url + "/healthz").status_code == 200


# --- 5. several server workers ----------------------------------------------------------

def test_two_workers_answer_keep_alive_requests_without_nagle_delay(start_viewer):
    viewer = start_viewer("--workers", "2")
    becomes_idle(viewer.process.pid, within=20)  # both workers started their render processes
    medians = []
    with httpx.Client(trust_env=False, timeout=10) as http:
        for _ in range(3):  # the best of three runs: other load on the machine only adds delay
            latencies = []
            for _ in range(40):
                start = time.perf_counter()
                assert http.get(viewer.url + "/healthz").status_code == 200
                latencies.append(time.perf_counter() - start)
            medians.append(statistics.median(latencies))
    assert min(medians) < 0.010, medians  # with Nagle + delayed ACK every answer waits ~40 ms


# --- 6. URLs the viewer refuses before any connection ------------------------------------

@pytest.mark.parametrize("path, message", [
    ("/url/user:secret@127.0.0.1:9/nb.ipynb", "credentials"),
    ("/urls/token@example.org/nb.ipynb", "credentials"),
    ("/url/example.org:99999/nb.ipynb", "port 99999 is out of range"),
    ("/url/" + "a" * 64 + ".example.org/nb.ipynb", "not a valid host name"),  # a label of 64
    ("/url/" + "a" * 300 + "/nb.ipynb", "longer than 253"),
    ("/url/" + "a" * 60 + "." + ("b" * 60 + ".") * 4 + "org/nb.ipynb", "longer than 253"),
    ("/url/exa%20mple.org/nb.ipynb", "not a valid host name"),
    ("/url/-bad.org/nb.ipynb", "not a valid host name"),
])
def test_malformed_hosts_ports_and_credentials_are_400(viewer, client, path, message):
    response = client.get(viewer.url + path)
    assert response.status_code == 400, response.text[-500:]
    assert message in response.text
    assert "secret" not in response.text


def test_a_refused_host_name_does_not_reveal_its_address(start_viewer, upstream, client):
    strict = start_viewer()
    response = client.get(f"{strict.url}/url/localhost:{upstream.port}/{NOTEBOOK}?hidden=1")
    assert response.status_code == 403
    assert "loopback address" in response.text
    assert "127.0.0.1" not in response.text and "::1" not in response.text
    assert not upstream.seen(f"/{NOTEBOOK}?hidden=1")
