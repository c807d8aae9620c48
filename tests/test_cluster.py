"""--cluster on real Dask processes: a `dask scheduler` and two `dask worker`s on 127.0.0.1.

The workers run without a nanny, so a kernel's parent process is the worker itself:
notebooks print ``os.getppid()`` and the test knows which worker ran them. Every process
these tests start carries NBCONV_TEST_CLUSTER in its environment; the last test checks
that none is left once the cluster is stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO, run_nbconv

distributed = pytest.importorskip("distributed")
pytest.importorskip("ipykernel")

MARK = f"nbconv-cluster-{os.getpid()}-{time.time_ns()}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def marked_processes(mark: str = MARK) -> list[int]:
    """Live processes (not zombies) whose environment carries ``mark``."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if mark.encode() in (proc / "environ").read_bytes():
                    if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                        found.append(int(proc.name))
            except OSError:
                continue
    return found


class Cluster:
    """A scheduler and two workers, each its own `dask` process."""

    def __init__(self) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "NBCONV_TEST_CLUSTER": MARK}
        dask = [sys.executable, "-m", "dask"]  # the `dask` command of this interpreter
        self.scheduler = self._start([*dask, "scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1],
                                      "--no-dashboard"])
        self.workers = [self._start([*dask, "worker", self.address,
                                     "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"])
                        for _ in range(2)]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)

    def _start(self, argv: list[str]) -> subprocess.Popen:
        return subprocess.Popen(argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def cluster():
    need_dask = subprocess.run([sys.executable, "-m", "dask", "scheduler", "--version"], capture_output=True)
    if need_dask.returncode != 0:
        pytest.skip("the dask scheduler command does not run")
    started = Cluster()
    yield started
    started.stop()


def write(path: Path, *sources: str) -> Path:
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def printed(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.outputs)


def test_six_notebooks_run_on_both_workers_and_land_locally(cluster, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "factor.txt").write_text("7")
    paths = [write(src / f"nb{i}.ipynb", "import os, time\ntime.sleep(1)\nprint('worker', os.getppid())",
                   f"print('value', {i} * int(open('factor.txt').read()))") for i in range(6)]
    result = run_nbconv("--execute", "--cluster", cluster.address, "--ship", "*.txt", "--to", "notebook",
                        "--output-dir", tmp_path / "out", *paths, timeout=300)
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    reported = result.stderr.decode().splitlines()
    assert sorted(reported) == sorted(f"{p} -> {tmp_path / 'out' / p.name}" for p in paths)
    workers = set()
    for i, path in enumerate(paths):
        text = printed(tmp_path / "out" / path.name)
        assert f"value {i * 7}\n" in text
        workers.add(int(text.split("worker ")[1].split()[0]))
    assert workers == {worker.pid for worker in cluster.workers}
    assert not (src / "out").exists() and sorted(p.name for p in src.iterdir()) == sorted(
        ["factor.txt", *(p.name for p in paths)])


def test_errors_come_back_with_the_partly_executed_notebook(cluster, tmp_path):
    path = write(tmp_path / "fails.ipynb", "print('before')", "1 / 0", "print('after')")
    result = run_nbconv("--execute", "--cluster", cluster.address, "--to", "notebook",
                        "--output-dir", tmp_path / "out", path, timeout=300)
    assert result.returncode == 6
    line = result.stderr.decode().strip()
    assert line.startswith(f"nbconv: error: {path}: cell 2 of 3: ZeroDivisionError") and "\n" not in line
    assert printed(tmp_path / "out" / "fails.ipynb") == "before\n"


def test_the_cache_is_consulted_before_a_task_is_sent(cluster, tmp_path):
    ran = tmp_path / "ran.txt"
    path = write(tmp_path / "once.ipynb", f"open({str(ran)!r}, 'a').write('ran\\n')\nprint('hello')")
    args = ("--execute", "--cluster", cluster.address, "--cache", tmp_path / "cache", "--to", "markdown",
            "--stdout", path)
    first, second = run_nbconv(*args, timeout=300), run_nbconv(*args, timeout=300)
    assert first.returncode == second.returncode == 0
    assert b"hello" in first.stdout and first.stdout == second.stdout
    assert ran.read_text() == "ran\n"


def test_the_finer_execution_options_reach_the_worker(cluster, tmp_path):
    from converter.execute import ExecutePreprocessor
    from converter.execute.cluster import ClusterExecutor
    from converter.pipeline import Resources

    nb = nbformat.read(write(tmp_path / "opts.ipynb", "print('one')", "1 / 0", "print('three')"), as_version=4)
    nb.cells[2].metadata["tags"] = ["not-here"]
    with ClusterExecutor(cluster.address) as executor:
        ExecutePreprocessor(cluster=executor, record_timing=False, allow_error_names=["ZeroDivisionError"],
                            skip_cells_with_tag="not-here")(nb, Resources(name="opts", dir=tmp_path))
        assert sum(executor.workers_used.values()) == 1
    assert nb.cells[0].outputs[0]["text"] == "one\n"
    assert nb.cells[1].outputs[0]["ename"] == "ZeroDivisionError"  # allowed by name: the run went on
    assert nb.cells[2].outputs == [] and nb.cells[2].execution_count is None  # skipped by its tag
    assert not any("execution" in cell.metadata for cell in nb.cells)  # no timing recorded


def test_ctrl_c_cancels_the_outstanding_tasks(cluster, tmp_path):
    started = tmp_path / "started.txt"
    paths = [write(tmp_path / f"slow{i}.ipynb", f"import time\nopen({str(started)!r}, 'a').write('{i}\\n')\n"
                   "time.sleep(4)") for i in range(6)]
    nbconv = subprocess.Popen([sys.executable, "-m", "converter", "--execute", "--cluster", cluster.address,
                               "--output-dir", str(tmp_path / "out"), *map(str, paths)],
                              env={**os.environ, "PYTHONPATH": str(REPO)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (started.exists() and started.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    nbconv.send_signal(signal.SIGINT)
    _, err = nbconv.communicate(timeout=60)
    assert nbconv.returncode == 130 and err.decode().strip().splitlines()[-1] == "nbconv: interrupted"
    time.sleep(12)  # long enough for the queue to have reached every notebook, had it not been cancelled
    assert len(started.read_text().split()) <= 2  # the two running then, no more
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_unreachable_scheduler_is_one_line_and_exit_11(tmp_path):
    path = write(tmp_path / "a.ipynb", "1")
    address = f"tcp://127.0.0.1:{free_port()}"
    result = run_nbconv("--execute", "--cluster", address, path, timeout=120)
    assert result.returncode == 11
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nbconv: error: {address}: cannot reach the Dask scheduler")
    assert not (tmp_path / "a.html").exists()


def test_cluster_usage_errors(tmp_path):
    path = write(tmp_path / "a.ipynb", "1")
    bad = run_nbconv("--execute", "--cluster", "local:zero", path)
    assert bad.returncode == 11 and bad.stderr.decode().strip() == (
        "nbconv: error: local:zero: local clusters are written local:N, N workers (at least 1)")
    assert run_nbconv("--cluster", "local:1", path).returncode == 2  # without --execute
    assert run_nbconv("--execute", "--ship", "*.csv", path).returncode == 2  # without --cluster
    assert not (tmp_path / "a.html").exists()


def test_shipped_files_are_size_capped(tmp_path, monkeypatch):
    from converter.errors import ClusterError
    from converter.execute import cluster as module

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "small.csv").write_text("1,2\n")
    (tmp_path / "outside.csv").write_text("no\n")
    assert module.shipped_files(tmp_path / "data", ("*.csv", "../*.csv"), "nb") == {"small.csv": b"1,2\n"}
    monkeypatch.setattr(module, "SHIP_LIMIT", 3)
    with pytest.raises(ClusterError, match="nb: the files named by --ship add up to more than"):
        module.shipped_files(tmp_path / "data", ("*.csv",), "nb")


def test_local_cluster_of_two_workers(tmp_path):
    paths = [write(tmp_path / f"l{i}.ipynb", f"print('local', {i} + 100)") for i in range(3)]
    result = run_nbconv("--execute", "--cluster", "local:2", "--to", "notebook", "--output-dir", tmp_path / "out",
                        *paths, timeout=300, env={"NBCONV_TEST_CLUSTER": MARK + "-local"})
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    for i, path in enumerate(paths):
        assert printed(tmp_path / "out" / path.name) == f"local {i + 100}\n"
    assert "nbconv: error" not in result.stderr.decode()
    deadline = time.monotonic() + 20
    while marked_processes(MARK + "-local") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marked_processes(MARK + "-local") == []  # the local workers and their kernels are gone


def test_a_notebook_survives_the_death_of_its_worker(cluster, tmp_path):
    running = tmp_path / "running.txt"
    path = write(tmp_path / "long.ipynb",
                 f"import os, time\nopen({str(running)!r}, 'a').write(f'{{os.getppid()}}\\n')\n"
                 "time.sleep(6)\nprint('worker', os.getppid())")
    nbconv = subprocess.Popen([sys.executable, "-m", "converter", "--execute", "--cluster", cluster.address,
                               "--to", "notebook", "--output-dir", str(tmp_path / "out"), str(path)],
                              env={**os.environ, "PYTHONPATH": str(REPO)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (running.exists() and running.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.2)
    first = int(running.read_text().split()[0])
    victim = next(worker for worker in cluster.workers if worker.pid == first)
    victim.kill()  # SIGKILL: no goodbye to the scheduler
    victim.wait()
    out, err = nbconv.communicate(timeout=240)
    assert nbconv.returncode == 0, err.decode()[-3000:]
    survivor = next(worker for worker in cluster.workers if worker is not victim)
    assert printed(tmp_path / "out" / "long.ipynb") == f"worker {survivor.pid}\n"
    assert [int(pid) for pid in running.read_text().split()] == [victim.pid, survivor.pid]


def test_no_kernel_or_worker_process_left_behind(cluster):
    cluster.stop()
    deadline = time.monotonic() + 30
    while marked_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marked_processes() == []


def test_retries_count_every_attempt_on_a_local_cluster(tmp_path):
    """The kernel's parent is the worker process (local:N workers are children of the nanny
    in nbconv's own process): the cell kills it, so every attempt loses its worker."""
    attempts = tmp_path / "attempts.txt"
    mark = MARK + "-retries"
    path = write(tmp_path / "killer.ipynb",
                 f"import os, signal\nopen({str(attempts)!r}, 'a').write(f'{{os.getppid()}}\\n')\n"
                 "os.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(30)")
    result = run_nbconv("--execute", "--cluster", "local:2", "--retries", "1", "--output-dir", tmp_path / "out",
                        path, timeout=300, env={"NBCONV_TEST_CLUSTER": mark})
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode == 9, lines
    assert lines == [f"nbconv: error: {path}: the notebook failed on the cluster 2 time(s): "
                     "its worker was lost (KilledWorker)"]
    assert len(attempts.read_text().split()) == 2  # --retries 1: two attempts, no more
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    deadline = time.monotonic() + 20
    while marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marked_processes(mark) == []  # the workers and the orphaned kernels are gone


@pytest.mark.parametrize("retries, code", [(0, 9), (2, 0)])
def test_a_notebook_whose_first_worker_dies_runs_again_when_retries_allow(tmp_path, retries, code):
    attempts = tmp_path / "attempts.txt"
    path = write(tmp_path / "once.ipynb",
                 f"import os, signal\nfirst = not os.path.exists({str(attempts)!r})\n"
                 f"open({str(attempts)!r}, 'a').write('x\\n')\n"
                 "if first:\n    os.kill(os.getppid(), signal.SIGKILL)\nprint('survived')")
    result = run_nbconv("--execute", "--cluster", "local:1", "--retries", str(retries), "--to", "markdown",
                        "--stdout", path, timeout=300, env={"NBCONV_TEST_CLUSTER": MARK + "-once"})
    assert result.returncode == code, result.stderr.decode()[-2000:]
    assert len(attempts.read_text().split()) == min(retries + 1, 2)
    assert (b"survived" in result.stdout) == (code == 0)


@pytest.mark.parametrize("flags, message", [
    (["--retries", "2"], "--retries only applies with --cluster"),
    (["--retries", "1"], "--retries only applies with --cluster"),  # the default value, given: still refused
    (["--cache-size", "5M"], "--cache-size only applies with --cache DIR"),
    (["--refresh"], "--refresh only applies with --cache DIR"),
    (["--cluster", "local:1", "--log-output"], "--log-output does not apply with --cluster (cells run on the workers)"),
    (["--cluster", "local:1", "--progress"], "--progress does not apply with --cluster (cells run on the workers)"),
])
def test_flags_that_would_do_nothing_are_usage_errors(tmp_path, flags, message):
    path = write(tmp_path / "a.ipynb", "1")
    result = run_nbconv("--execute", *flags, path)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [f"nbconv: error: {message}; see nbconv --help"]
    assert not (tmp_path / "a.html").exists()


def test_settings_from_the_config_that_do_not_apply_are_unused(tmp_path):
    """log-output from the project's config, --cluster on the command line: the run goes on,
    without live output; retries and cache-size without a cluster or cache are unused too."""
    (tmp_path / "nbconv.toml").write_text('log-output = true\nprogress = true\n')
    path = write(tmp_path / "a.ipynb", "print('live?')")
    result = run_nbconv("--execute", "--cluster", "local:1", "--to", "markdown", "--stdout", path, cwd=tmp_path,
                        timeout=300, env={"NBCONV_TEST_CLUSTER": MARK + "-config"})
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert b"live?" in result.stdout and result.stderr == b""
    (tmp_path / "nbconv.toml").write_text('retries = 3\ncache-size = "5M"\n')
    result = run_nbconv("--execute", "--to", "markdown", "--stdout", path, cwd=tmp_path, timeout=300)
    assert result.returncode == 0 and b"live?" in result.stdout and result.stderr == b""
