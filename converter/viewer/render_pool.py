"""Renders run in worker processes, each with a deadline, so the event loop always answers.

A notebook from a stranger can be slow to render (huge outputs, pathological math). In
the server's own process that would stall every other request; in a thread it could not
be stopped. Here each render goes to an idle worker process; one that passes the
deadline, or whose every client has gone, is killed and replaced, which frees its CPU
and memory at once. Workers are forked from a forkserver that has already imported the
rendering code, so a replacement is ready quickly.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import traceback
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger("nbconv.viewer")

# Imported by the forkserver before it forks any render process; the last one renders a
# sample page, so every render process (replacements too) starts warm.
PRELOAD = ["converter.viewer.render_pool", "converter.viewer.pages", "converter.exporters.html",
           "converter.exporters.script", "converter.notebook", "converter.viewer.warm"]
STARTUP_TIMEOUT = 120.0  # seconds for a new render process to import, warm up and say it is ready
class RenderTimeout(Exception):
    """The render took longer than the pool's deadline; its process was replaced."""


class RenderCrashed(Exception):
    """The worker process died during the render (killed for memory, a crash in C code)."""


def default_workers() -> int:
    """One render process per core, in each server worker process.

    Not divided among ``--workers``: the kernel hands a burst of new connections to
    whichever server process wakes first, and keep-alive clients (a proxy, a load
    balancer) stay there, so one server process may carry all the traffic; with a share of
    the cores it would leave the others idle (measured: 2 workers, 1 render process each,
    16 keep-alive clients all on one worker: 41 cold renders/s against 66 for 1 worker).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores)


def _send(sock: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    sock.sendall(len(data).to_bytes(8, "big"))
    sock.sendall(data)


def _receive(sock: socket.socket) -> Any:
    size = int.from_bytes(_exactly(sock, 8), "big")
    return pickle.loads(_exactly(sock, size))


def _exactly(sock: socket.socket, size: int) -> bytearray:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        count = sock.recv_into(view[got:])
        if not count:
            raise EOFError("the other end closed")
        got += count
    return buffer


async def _send_async(sock: socket.socket, message: Any) -> None:
    loop = asyncio.get_running_loop()
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    await loop.sock_sendall(sock, len(data).to_bytes(8, "big"))
    await loop.sock_sendall(sock, data)


async def _receive_async(sock: socket.socket) -> Any:
    loop = asyncio.get_running_loop()

    async def exactly(size: int) -> bytearray:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            count = await loop.sock_recv_into(sock, view[got:])
            if not count:
                raise EOFError("the render process closed its end")
            got += count
        return buffer

    size = int.from_bytes(await exactly(8), "big")
    return pickle.loads(await exactly(size))


def _worker_main(sock: socket.socket) -> None:
    """A render process: answer jobs from ``sock`` until the pool closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it stops us
    from converter.errors import NotebookError
    from converter.viewer.pages import Links, render_body

    import converter.viewer.warm  # noqa: F401  (inherited from the forkserver already: a no-op)
    gc.freeze()  # what is loaded now lives as long as we do: the collector need not walk it again
    _send(sock, ("ready", os.getpid()))
    while True:
        try:
            job = _receive(sock)
        except (EOFError, OSError):
            return
        try:
            body = render_body(*job)
            reply: tuple[str, Any] = ("ok", None if body is job[0] else body)  # (a download: no copy back)
        except NotebookError as error:
            reply = ("notebook", str(error))
        except Exception:
            reply = ("error", traceback.format_exc())
        _send(sock, reply)


class _Worker:
    """One render process and our end of the socket pair it answers on."""

    def __init__(self, context: Any) -> None:
        self.sock, child = socket.socketpair()
        self.process: BaseProcess = context.Process(target=_worker_main, args=(child,), daemon=True,
                                                    name="nbconv-render")
        self.process.start()
        child.close()
        self.sock.setblocking(False)

    async def ready(self) -> bool:
        try:
            return (await asyncio.wait_for(_receive_async(self.sock), STARTUP_TIMEOUT))[0] == "ready"
        except (EOFError, OSError, asyncio.TimeoutError):
            return False

    async def call(self, job: tuple) -> tuple[str, Any]:
        """Send one job and wait for its answer."""
        try:
            await _send_async(self.sock, job)
            return await _receive_async(self.sock)
        except (EOFError, OSError) as error:
            return ("died", str(error))

    def stop(self) -> None:
        """Kill the process now (it may be mid-render); ``reap`` waits for it."""
        if self.process.is_alive():
            self.process.kill()
        self.sock.close()

    def reap(self) -> None:
        self.process.join(5)


class RenderPool:
    """``size`` render processes; ``render(...)`` waits for an idle one, then for its answer."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._admin = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nbconv-render-admin")  # start, reap
        self._closed = False
        self._starting: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start the workers in the background; renders wait until one is ready."""
        for _ in range(self.size):
            self._start_one()

    def _start_one(self) -> None:
        if not self._closed:
            task = asyncio.ensure_future(self._add_worker())
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    async def _add_worker(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closed:
            try:
                worker = await loop.run_in_executor(self._admin, _Worker, self._context)
            except Exception:
                log.exception("cannot start a render process; retrying")
                await asyncio.sleep(1)
                continue
            self._all.add(worker)
            if await worker.ready() and not self._closed:
                self._idle.put_nowait(worker)
                return
            self._discard(worker)
            if not self._closed:
                log.error("a render process exited while starting; retrying")
                await asyncio.sleep(1)

    def _discard(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.stop()
        self._admin.submit(worker.reap)

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        self._start_one()

    async def render(self, *job: Any) -> bytes:
        """``render_body(*job)`` in a worker; ``RenderTimeout``, ``RenderCrashed`` or ``NotebookError``."""
        worker = await self._idle.get()
        try:
            status, value = await asyncio.wait_for(worker.call(job), self.timeout)
        except asyncio.TimeoutError:
            self._replace(worker)
            raise RenderTimeout(f"rendering took longer than {self.timeout:g} s") from None
        except BaseException:  # cancelled (every client went away): stop the work now
            self._replace(worker)
            raise
        if status == "died":
            self._replace(worker)
            raise RenderCrashed("the render process died")
        self._idle.put_nowait(worker)
        if status == "ok":
            return job[0] if value is None else value
        if status == "notebook":
            from converter.errors import NotebookError

            raise NotebookError(value)
        raise RuntimeError("render failed in a worker process:\n" + value)

    async def aclose(self) -> None:
        self._closed = True
        for task in list(self._starting):
            task.cancel()
        for worker in list(self._all):
            worker.stop()
        for worker in list(self._all):
            worker.reap()
        self._all.clear()
        self._admin.shutdown(wait=False, cancel_futures=True)
