"""Executing notebooks on a Dask cluster: ``nbconv --execute --cluster ADDRESS``.

One notebook is one task. The submitting machine sends the notebook's JSON (parameters
already injected), the execution options and the files of its folder named by
``--ship`` (at most ``SHIP_LIMIT`` bytes); a worker runs it with its own kernel pool in
a scratch folder and sends the executed notebook back. Rendering and writing stay on
the submitting machine, so results land exactly where a local run puts them.

A task whose worker dies or whose kernel dies is submitted again, ``retries`` more
times, so ``retries=N`` is N+1 attempts in all. A local cluster's scheduler is told not
to retry on its own (``allowed-failures`` 0), so that count is the only one; an external
scheduler retries a task whose worker died ``distributed.scheduler.allowed-failures``
times (Dask's default: 3) before nbconv sees the failure. Closing the executor (Ctrl-C, or the end of the run)
cancels the tasks still outstanding. Workers need nbconv installed.
"""

from __future__ import annotations

import atexit
import dataclasses
import glob
import hashlib
import json
import logging
import os
import tempfile
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any


from converter import errors
from converter.errors import ClusterError, ConversionError, ExecutionError, KernelDiedError
from converter.notebook import NotebookNode
from converter.pipeline import Resources

if TYPE_CHECKING:
    from converter.execute.kernels import KernelChoice
    from converter.execute.pool import KernelPool
    from converter.execute.preprocessor import ExecutePreprocessor

SHIP_LIMIT = 64 * 1024 ** 2  # bytes of --ship files per notebook
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler
LOCAL_PREFIX = "local:"
_POLL = 0.5  # seconds between checks for a closed executor while waiting on a task


class ClusterExecutor:
    """Sends notebooks to the Dask scheduler at ``address`` (or a local cluster).

    ``address`` is ``tcp://HOST:PORT`` (any address Dask's ``Client`` takes) or
    ``local:N`` for N worker processes on this machine. ``ship`` are globs relative to
    each notebook's folder. Raises ``ClusterError`` when the scheduler is unreachable.
    """

    def __init__(self, address: str, ship: list[str] | tuple[str, ...] = (), retries: int = 1,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.address = address
        self.ship = tuple(ship)
        self.retries = retries
        self.workers_used: dict[str, int] = {}  # worker address -> notebooks it ran
        self._outstanding: set[Any] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._cluster = None
        self._client = self._connect(connect_timeout)

    def _connect(self, timeout: float) -> Any:
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError(f"{self.address}: --cluster needs the optional Dask dependency: "
                               "pip install 'nbconv[cluster]'") from None
        for name in ("distributed", "tornado"):  # the one-line report is ours to give
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            if self.address.startswith(LOCAL_PREFIX):
                self._cluster = _local_cluster(self.address)
                return Client(self._cluster, set_as_default=False)
            return Client(self.address, timeout=timeout, set_as_default=False)
        except ClusterError:
            raise
        except (OSError, ValueError, TypeError) as error:  # TimeoutError is an OSError
            text = (str(error).strip().splitlines() or [type(error).__name__])[0]
            self.close()
            raise ClusterError(f"{self.address}: cannot reach the Dask scheduler: {text}") from None

    def execute(self, nb: NotebookNode, resources: Resources, options: ExecutePreprocessor,
                kernel: KernelChoice) -> None:
        """Run ``nb`` on a worker and put the executed notebook in its place.

        Raises the worker's ``ExecutionError`` (with the partly executed notebook in
        place, as a local run leaves it).
        """
        folder = resources.dir or Path.cwd()
        task = {
            "notebook": json.dumps(nb),
            "name": resources.name,
            "folder": hashlib.sha256(str(folder).encode("utf-8", "surrogatepass")).hexdigest()[:16],
            "files": shipped_files(folder, self.ship, resources.name),
            "options": task_options(options, kernel),
        }
        result = self._run(task, resources.name)
        nb.clear()
        nb.update(json.loads(result["notebook"], object_hook=NotebookNode))
        with self._lock:
            self.workers_used[result["worker"]] = self.workers_used.get(result["worker"], 0) + 1
        if result["error"]:
            kind = getattr(errors, result["error"]["type"], ExecutionError)
            if not (isinstance(kind, type) and issubclass(kind, ExecutionError)):
                kind = ExecutionError
            raise kind(result["error"]["message"])

    def _run(self, task: dict, name: str) -> dict:
        """The result of ``task``, submitted again after a lost worker or a dead kernel."""
        from distributed import KilledWorker

        problem = ""
        for _ in range(self.retries + 1):
            future = self._client.submit(run_task, task, key=f"nbconv-{name}-{uuid.uuid4().hex[:12]}",
                                         pure=False)
            try:
                result = self._wait(future)
            except (KilledWorker, OSError) as error:  # OSError: distributed's CommClosedError
                problem = f"its worker was lost ({type(error).__name__})"
                continue
            if not (result["error"] and result["error"]["type"] == KernelDiedError.__name__):
                return result
            problem = result["error"]["message"]
        raise KernelDiedError(f"the notebook failed on the cluster {self.retries + 1} time(s): {problem}")

    def _wait(self, future: Any) -> dict:
        with self._lock:
            if self._closed:
                raise KeyboardInterrupt
            self._outstanding.add(future)
        try:
            while True:
                try:
                    return future.result(timeout=_POLL)
                except TimeoutError:
                    if self._closed:
                        raise KeyboardInterrupt from None
                except Exception:
                    if self._closed:  # cancelled by close(): the run was interrupted
                        raise KeyboardInterrupt from None
                    raise
        finally:
            with self._lock:
                self._outstanding.discard(future)

    def close(self) -> None:
        """Cancel the tasks still outstanding; close the client (and a local cluster)."""
        with self._lock:
            self._closed = True
            outstanding = list(self._outstanding)
        client = getattr(self, "_client", None)
        if client is not None:
            if outstanding:
                try:
                    client.cancel(outstanding, force=True)
                except Exception:  # the scheduler may already be gone
                    pass
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> ClusterExecutor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


# ExecutePreprocessor fields that stay on this machine: hooks, objects and local paths.
STAYS_HERE = frozenset({"pool", "on_cell", "on_output", "cache", "cluster", "cwd"})


def task_options(options: ExecutePreprocessor, kernel: KernelChoice) -> dict[str, Any]:
    """Every execution option of ``options`` a worker needs, so a notebook gives the same
    results there as here (the kernel as resolved on this machine)."""
    from converter.execute.preprocessor import ExecutePreprocessor

    sent = {field.name: getattr(options, field.name) for field in dataclasses.fields(ExecutePreprocessor)
            if field.init and field.name not in STAYS_HERE}
    sent.update(kernel_name=kernel.name, env=dict(options.env), allow_error_names=list(options.allow_error_names))
    return sent


def _local_cluster(address: str) -> Any:
    """``local:N``: a LocalCluster of N single-threaded worker processes on 127.0.0.1.

    Its scheduler does not retry a task whose worker died: ``ClusterExecutor`` does."""
    import dask
    from distributed import LocalCluster

    count = address[len(LOCAL_PREFIX):]
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"{address}: local clusters are written local:N, N workers (at least 1)")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        return LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=None, silence_logs=logging.CRITICAL)


def shipped_files(folder: Path, patterns: tuple[str, ...], name: str) -> dict[str, bytes]:
    """The files of ``folder`` matching ``patterns``, by relative path, at most SHIP_LIMIT bytes."""
    files: dict[str, bytes] = {}
    total = 0
    for pattern in patterns:
        for relative in sorted(glob.glob(pattern, root_dir=folder, recursive=True)):
            path = folder / relative
            if relative in files or not path.is_file() or not _inside(relative):
                continue
            total += path.stat().st_size
            if total > SHIP_LIMIT:
                raise ClusterError(f"{name}: the files named by --ship add up to more than "
                                   f"{SHIP_LIMIT // 1024 ** 2} MB")
            files[relative] = path.read_bytes()
    return files


def _inside(relative: str) -> bool:
    parts = Path(relative).parts
    return not Path(relative).is_absolute() and ".." not in parts


# -- on the worker ------------------------------------------------------------------

_worker_state: dict[str, Any] = {}
_worker_lock = threading.Lock()


def _worker_pool() -> tuple[KernelPool, Path]:
    """This worker process's kernel pool and scratch folder, made on first use."""
    from converter.execute.pool import KernelPool

    with _worker_lock:
        if "pool" not in _worker_state:
            scratch = tempfile.TemporaryDirectory(prefix="nbconv-worker-")
            _worker_state.update(pool=KernelPool(ahead=1), scratch=scratch)
            atexit.register(scratch.cleanup)
        return _worker_state["pool"], Path(_worker_state["scratch"].name)


def run_task(task: dict) -> dict:
    """Execute one notebook on a Dask worker; the executed notebook and any error come back."""
    from converter.execute.preprocessor import ExecutePreprocessor
    from converter.writer import write_atomic

    pool, scratch = _worker_pool()
    folder = scratch / task["folder"]
    folder.mkdir(exist_ok=True)
    for relative, data in task["files"].items():
        if _inside(relative):
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / relative, data)
    nb = json.loads(task["notebook"], object_hook=NotebookNode)
    error = None
    try:
        ExecutePreprocessor(pool=pool, **task["options"])(nb, Resources(name=task["name"], dir=folder))
    except ConversionError as failure:
        # the one-line summary (a CellExecutionError's str() also carries the traceback)
        error = {"type": type(failure).__name__, "message": str(getattr(failure, "summary", failure))}
    return {"notebook": json.dumps(nb), "error": error, "worker": _worker_address()}


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"
