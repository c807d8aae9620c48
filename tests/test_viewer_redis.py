"""Two viewer processes share one real redis-server: what one rendered, the other serves."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from conftest import need
from viewer_servers import client, free_port, start_viewer, upstream  # noqa: F401


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    need(server is not None, "redis-server not found (Debian package redis-server)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    probe = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            probe.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0", probe
    probe.close()
    process.terminate()
    process.wait(timeout=10)


def test_second_process_serves_from_the_shared_cache(redis_url, start_viewer, upstream, client):
    url, redis_client = redis_url
    first = start_viewer("--allow-network", "127.0.0.0/8", "--cache", url)
    second = start_viewer("--allow-network", "127.0.0.0/8", "--cache", url)
    assert first.process.pid != second.process.pid
    path = f"/url/{upstream.base}/corpus/nbconvert-tests/notebook1.ipynb?case=redis"
    a = client.get(first.url + path)
    b = client.get(second.url + path)
    assert (a.status_code, b.status_code) == (200, 200)
    assert (a.headers["x-cache"], b.headers["x-cache"]) == ("miss", "hit")
    assert a.content == b.content
    assert len(upstream.seen("/corpus/nbconvert-tests/notebook1.ipynb?case=redis")) == 1
    keys = [key.decode() for key in redis_client.keys("nbconv:viewer:*")]
    assert f"nbconv:viewer:html http://{upstream.base}/corpus/nbconvert-tests/notebook1.ipynb?case=redis" in keys
    assert 0 < redis_client.ttl(keys[0])


def test_viewer_keeps_serving_when_redis_is_gone(start_viewer, upstream, client):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    viewer = start_viewer("--allow-network", "127.0.0.0/8", "--cache", dead)
    response = client.get(f"{viewer.url}/url/{upstream.base}/corpus/nbconvert-tests/notebook2.ipynb?case=no-redis")
    assert response.status_code == 200 and response.headers["x-cache"] == "miss"
    assert "redis cache unavailable" in viewer.log.read_text()
