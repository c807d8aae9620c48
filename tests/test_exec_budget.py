"""Time budgets and start-up robustness: --notebook-timeout, 40 notebooks at -j 8, retried start-ups."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO, run_nbconv
from converter.execute import KernelPool
from converter.execute.pool import KernelRequest

pytest.importorskip("ipykernel")


def write(path: Path, *sources: str) -> Path:
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def kernel_pids_of(marker: str) -> list[int]:
    """Live processes whose environment carries ``marker`` (the kernels of one test)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state not in ("Z", "X"):
                        found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_notebook_timeout_stops_the_whole_run_with_exit_7(tmp_path):
    # Each cell is well under any per-cell limit; together they exceed the notebook's budget.
    path = write(tmp_path / "slow.ipynb", "import time", *["time.sleep(1.5)"] * 6, "print('never')")
    marker = f"nbconv-budget-{time.time_ns()}"
    started = time.monotonic()
    result = run_nbconv("--execute", "--timeout", "30", "--notebook-timeout", "3", "--to", "notebook",
                        "--output-dir", tmp_path / "out", path, env={"NBCONV_TEST_BUDGET": marker})
    elapsed = time.monotonic() - started
    assert result.returncode == 7, result.stderr
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nbconv: error: ")
    assert "the notebook timed out after 3 s" in lines[0] and "cell " in lines[0]
    assert elapsed < 9 * 1.5  # stopped, not run to the end
    partial = nbformat.read(tmp_path / "out" / "slow.ipynb", as_version=4)
    assert partial.cells[1].execution_count == 2 and partial.cells[-1].execution_count is None
    time.sleep(1)
    assert kernel_pids_of(marker) == []


def test_notebook_timeout_is_a_usage_error_without_execute(tmp_path):
    path = write(tmp_path / "a.ipynb", "1")
    result = run_nbconv("--notebook-timeout", "3", path)
    assert result.returncode == 2 and b"--notebook-timeout only applies with --execute" in result.stderr
    assert run_nbconv("--execute", "--notebook-timeout", "0", path).returncode == 2


def test_forty_notebooks_at_eight_jobs_all_execute(tmp_path):
    paths = [write(tmp_path / f"nb{i:02d}.ipynb", f"value = {i}", "print('value', value * 2)") for i in range(40)]
    marker = f"nbconv-forty-{time.time_ns()}"
    result = run_nbconv("--execute", "-j", "8", "--to", "markdown", "--output-dir", tmp_path / "out", *paths,
                        timeout=900, env={"NBCONV_TEST_BUDGET": marker})
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert b"error" not in result.stderr
    for i in range(40):
        assert f"value {i * 2}" in (tmp_path / "out" / f"nb{i:02d}.md").read_text(encoding="utf-8")
    time.sleep(1)
    assert kernel_pids_of(marker) == []


def test_a_kernel_that_dies_at_start_up_is_started_again(tmp_path, monkeypatch):
    """The first start-up of every kernel fails (as on a port clash); the pool tries again."""
    pool = KernelPool()
    original = pool._start_once
    failures: list[int] = []

    async def flaky(request):
        if len(failures) < 2:
            failures.append(1)
            km = await original(request)
            await km.shutdown_kernel(now=True)  # the kernel is gone before it is handed out
            raise RuntimeError("Kernel died before replying to kernel_info (simulated port clash)")
        return await original(request)

    monkeypatch.setattr(pool, "_start_once", flaky)
    async def use() -> bool:
        km = await pool.acquire(KernelRequest("python3", str(tmp_path)))
        answered = await km.is_alive()
        pool.release(km)
        return answered

    with pool:
        assert pool.run(use())
    assert len(failures) == 2 and pool.kernels_started == 3


def test_start_up_gives_up_after_a_bounded_number_of_tries(tmp_path, monkeypatch):
    pool = KernelPool()
    calls: list[int] = []

    async def failing(request):
        calls.append(1)
        await asyncio.sleep(0)
        raise RuntimeError("Address already in use")

    monkeypatch.setattr(pool, "_start_once", failing)
    with pool, pytest.raises(RuntimeError, match="Address already in use"):
        pool.run(pool.acquire(KernelRequest("python3", str(tmp_path))))
    assert len(calls) == 3


def test_ctrl_c_under_a_notebook_timeout_is_quiet(tmp_path):
    path = write(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    process = subprocess.Popen([sys.executable, "-m", "converter", "--execute", "--progress",
                                "--notebook-timeout", "100", str(path)],
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert process.stderr.readline().startswith(b"slow: cell 1 of 1, ")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and err.decode().strip() == "nbconv: interrupted"


def test_a_ready_kernel_has_answered_and_left_nothing_unread(tmp_path):
    """The pool's readiness check consumes the start-up messages it caused (no 0.2 s quiet
    wait is needed for that) and leaves a client that runs code at once."""
    async def use() -> tuple[bool, bool, str]:
        km = await pool.acquire(KernelRequest("python3", str(tmp_path)))
        client = km.nbconv_client
        try:
            pending = await client.shell_channel.msg_ready() or await client.iopub_channel.msg_ready()
            reply = await client.execute_interactive("print(6 * 7)", timeout=30,
                                                     output_hook=lambda msg: seen.append(msg))
            return pending, reply["content"]["status"] == "ok", "".join(
                m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")
        finally:
            client.stop_channels()
            km.nbconv_client = None
            pool.release(km)

    seen: list[dict] = []
    with KernelPool() as pool:
        pending, ok, printed = pool.run(use())
    assert not pending and ok and printed == "42\n"


def test_readiness_reports_a_kernel_that_died_instead_of_waiting_out_the_timeout(tmp_path):
    from jupyter_client import AsyncKernelManager

    from converter.execute.kernels import spec_manager
    from converter.execute.pool import wait_until_ready

    async def dead_kernel() -> float:
        km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=spec_manager())
        await km.start_kernel(cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await km.shutdown_kernel(now=True)
        client = km.client()
        client.start_channels()
        started = time.monotonic()
        try:
            with pytest.raises(RuntimeError, match="exited before answering"):
                await wait_until_ready(client, km, timeout=60)
        finally:
            client.stop_channels()
        return time.monotonic() - started

    with ThreadPoolExecutor(1) as thread:  # its own loop: playwright's sync API may own this thread's
        waited = thread.submit(asyncio.run, dead_kernel()).result()
    assert waited < 30, "it noticed the dead kernel long before the 60 s start-up timeout"


SLOW_FIRST_LAUNCHER = '''\
import os, sys, time
log = {log!r}
with open(log, "a") as out:
    out.write(f"{{os.getpid()}}\\n")
if len(open(log).read().split()) == 1:
    time.sleep(120)  # the first boot outlasts --startup-timeout
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]])
'''


def test_a_start_up_slower_than_its_timeout_is_tried_again(tmp_path):
    """A real kernel whose first boot hangs: the pool gives up on it after --startup-timeout,
    stops it, and the second start runs the notebook."""
    import json

    log = tmp_path / "launches.txt"
    spec = tmp_path / "jupyter" / "kernels" / "slowfirst"
    spec.mkdir(parents=True)
    (spec / "launch.py").write_text(SLOW_FIRST_LAUNCHER.format(log=str(log)))
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(spec / "launch.py"), "-f", "{connection_file}"],
        "display_name": "Slow first", "language": "python"}))
    nb = write(tmp_path / "nb.ipynb", "print('ran on the second kernel')")
    started = time.monotonic()
    result = run_nbconv("--execute", "--kernel", "slowfirst", "--startup-timeout", "3", "--to", "notebook",
                        "--output", "out", nb, env={"JUPYTER_PATH": str(tmp_path / "jupyter")}, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert time.monotonic() - started < 45  # 3 s, not the default 60 s, before the second start
    launched = [int(pid) for pid in log.read_text().split()]
    assert len(launched) == 2
    assert "ran on the second kernel" in (tmp_path / "out.ipynb").read_text()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
              for pid in launched) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in launched if Path(f"/proc/{pid}").exists()
                and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]]
