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
import logging
import multiprocessing
import os
import signal
import traceback
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger("nbconv.viewer")

PRELOAD = ["converter.viewer.render_pool", "converter.viewer.pages", "converter.exporters.html",
           "converter.exporters.script", "converter.notebook"]
WARM_UP = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", ' \
          b'"id": "w", "metadata": {}, "source": "# warm $x^2$"}]}'


class RenderTimeout(Exception):
    """The render took longer than the pool's deadline; its process was replaced."""


class RenderCrashed(Exception):
    """The worker process died during the render (killed for memory, a crash in C code)."""


def default_workers(server_workers: int = 1) -> int:
    """One render process per core, shared among the server's worker processes."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, server_workers))


def _worker_main(conn: Connection) -> None:
    """A render process: answer jobs from ``conn`` until the pool closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it stops us
    from converter.errors import NotebookError
    from converter.viewer.pages import Links, render_body

    render_body(WARM_UP, "warm-up", "html", Links("", "", ""), "warm-up")  # templates compiled before any client
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            body = render_body(*job)
            reply: tuple[str, Any] = ("ok", None if body is job[0] else body)  # (a download: no copy back)
        except NotebookError as error:
            reply = ("notebook", str(error))
        except Exception:
            reply = ("error", traceback.format_exc())
        conn.send(reply)


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_worker_main, args=(child,), daemon=True,
                                                    name="nbconv-render")
        self.process.start()
        child.close()

    def wait_ready(self) -> bool:
        try:
            return self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            return False

    def call(self, job: tuple) -> tuple[str, Any]:
        """Send one job and wait for its answer (in a thread: this blocks)."""
        try:
            self.conn.send(job)
            return self.conn.recv()
        except (EOFError, OSError) as error:
            return ("died", str(error))

    def stop(self) -> None:
        """Kill the process now (it may be mid-render); ``reap`` waits for it."""
        if self.process.is_alive():
            self.process.kill()

    def reap(self) -> None:
        self.process.join(5)
        self.conn.close()


class RenderPool:
    """``size`` render processes; ``render(...)`` waits for an idle one, then for its answer."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        # one thread waits on each busy worker; others start and reap workers
        self._calls = ThreadPoolExecutor(max_workers=size + 2, thread_name_prefix="nbconv-render")
        self._admin = ThreadPoolExecutor(max_workers=size + 1, thread_name_prefix="nbconv-render-admin")
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
            if await loop.run_in_executor(self._admin, worker.wait_ready) and not self._closed:
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
        loop = asyncio.get_running_loop()
        answer = loop.run_in_executor(self._calls, worker.call, job)
        try:
            status, value = await asyncio.wait_for(asyncio.shield(answer), self.timeout)
        except asyncio.TimeoutError:
            self._replace(worker)
            raise RenderTimeout(f"rendering took longer than {self.timeout:g} s") from None
        except asyncio.CancelledError:  # every client went away: stop the work now
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
        self._calls.shutdown(wait=False, cancel_futures=True)
        self._admin.shutdown(wait=False, cancel_futures=True)
