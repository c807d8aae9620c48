"""Kernels started ahead of time, driven from one event loop.

A kernel takes about half a second to boot and a little to shut down, while a small
notebook runs in milliseconds. ``KernelPool`` hands every notebook a fresh kernel and
keeps ``ahead`` more booting in the background, and shuts used kernels down in the
background too, so in a batch start-up and shutdown overlap with execution.

All kernel I/O happens on one private event loop thread; callers in any thread submit
coroutines with ``KernelPool.run``. That keeps every ZeroMQ socket in the thread that
made it, whichever worker thread asked for a notebook to run.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import subprocess
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Coroutine, TypeVar

LOG = logging.getLogger("nbconv.execute")
LOG.addHandler(logging.NullHandler())  # jupyter_client's warnings are ours to report, not print

T = TypeVar("T")
STARTUP_ATTEMPTS = 3  # a kernel that fails to start is tried this many times in all


@dataclass(frozen=True)
class KernelRequest:
    """What makes two kernels interchangeable: kernelspec, working directory, extra env,
    and how long its start-up may take (``--startup-timeout``)."""

    name: str
    cwd: str
    env: tuple[tuple[str, str], ...] = ()
    startup_timeout: float = 60


class _LoopThread:
    """One daemon thread running an asyncio loop for all kernel I/O in the process."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="nbconv-kernels", daemon=True).start()
                cls._loop = loop
            return cls._loop


class KernelPool:
    """Fresh kernels on request, with ``ahead`` spares booting for the next requests.

    Spares are started for the most recent request (kernel, directory, env): in a batch
    the next notebook usually asks for the same. ``limit`` caps how many kernels the pool
    starts in all (a batch of 20 needs no more than 20). Always ``close()`` the pool (or
    use it as a context manager): it shuts down every kernel it started. A kernel is
    handed out only after it answered a ``kernel_info`` request.
    """

    def __init__(self, ahead: int = 0, limit: int | None = None) -> None:
        self.ahead = ahead
        self.limit = limit
        self.kernels_started = 0  # kernel processes launched, retries included
        self._started = 0
        self._spares: list[tuple[KernelRequest, asyncio.Task]] = []
        self._live: set[Any] = set()  # kernel managers whose process may still run
        self._stopping: set[asyncio.Task] = set()
        self._closed = False
        _OPEN_POOLS.add(self)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the kernel loop and wait for it; Ctrl-C cancels it."""
        abandoned = threading.Event()
        future = asyncio.run_coroutine_threadsafe(_unless_abandoned(coro, abandoned), _LoopThread.loop())
        try:
            return future.result()
        except BaseException:
            abandoned.set()
            future.cancel()
            raise

    async def acquire(self, request: KernelRequest) -> Any:
        """A started kernel manager for ``request`` (a spare when one matches)."""
        if self._closed:
            raise RuntimeError("the kernel pool is closed")
        task = next((t for r, t in self._spares if r == request), None)
        if task is not None:
            self._spares = [(r, t) for r, t in self._spares if t is not task]
        else:
            task = self._launch(request)
        self._top_up(request)
        return await task

    def prepare(self, request: KernelRequest) -> None:
        """Start booting a kernel for ``request`` now, for the next ``acquire`` to take."""
        self.run(self._prepare(request))

    async def _prepare(self, request: KernelRequest) -> None:
        if not any(r == request for r, _ in self._spares) and (self.limit is None or self._started < self.limit):
            self._spares.append((request, self._launch(request)))

    def release(self, km: Any, now: bool = False) -> None:
        """Shut a used kernel down in the background (``now`` kills it without asking)."""
        if km not in self._live:
            return
        self._live.discard(km)
        task = asyncio.ensure_future(self._shutdown(km, now))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def close(self) -> None:
        """Stop the spares and every kernel still running; wait until they are gone."""
        if not self._closed:
            self._closed = True
            self.run(self._close())
        _OPEN_POOLS.discard(self)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _launch(self, request: KernelRequest) -> asyncio.Task:
        self._started += 1
        return asyncio.ensure_future(self._start(request))

    def _top_up(self, request: KernelRequest) -> None:
        for other, task in [(r, t) for r, t in self._spares if r != request]:
            self._spares.remove((other, task))
            task.add_done_callback(self._discard_spare)
        while sum(r == request for r, _ in self._spares) < self.ahead and (
                self.limit is None or self._started < self.limit):
            self._spares.append((request, self._launch(request)))

    def _discard_spare(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is None:
            self.release(task.result(), now=True)

    async def _start(self, request: KernelRequest) -> Any:
        """A kernel that answered; a failed start (port clash, slow boot) is tried again.

        jupyter_client picks free ports before the kernel binds them, so kernels booting
        at once can collide ("Address already in use") and die; on a loaded machine a
        boot may also outlast the request's ``startup_timeout``. Each retry gets new ports.
        """
        for attempt in range(1, STARTUP_ATTEMPTS + 1):
            try:
                return await self._start_once(request)
            except Exception as error:  # jupyter_client raises many types
                if attempt == STARTUP_ATTEMPTS:
                    raise
                LOG.debug("kernel start-up failed (attempt %d): %s", attempt, error)
        raise AssertionError("unreachable")

    async def _start_once(self, request: KernelRequest) -> Any:
        from jupyter_client import AsyncKernelManager

        from converter.execute.kernels import spec_manager

        km = AsyncKernelManager(kernel_name=request.name, log=LOG, kernel_spec_manager=spec_manager())
        self._live.add(km)  # even if start-up fails half-way, close() finds the process
        self.kernels_started += 1
        try:
            # The kernel's own stdout/stderr carry start-up chatter, not notebook output
            # (that arrives over ZeroMQ), so it does not reach the user's terminal.
            # IPython history in memory, as nbclient does: faster, and the user's history file is left alone.
            await km.start_kernel(cwd=request.cwd, env={**os.environ, **dict(request.env)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  extra_arguments=["--HistoryManager.hist_file=:memory:"] if km.ipykernel else [])
            client = km.client()
            client.start_channels()
            try:
                await wait_until_ready(client, km, request.startup_timeout)
            except BaseException:
                client.stop_channels()
                raise
            # Ready, its IOPub subscribed: the notebook runs through this client, so nbclient
            # does not connect and wait for readiness again (~0.2 s a kernel).
            km.nbconv_client = client
        except BaseException:
            self._live.discard(km)
            await self._shutdown(km, now=True)
            raise
        return km

    @staticmethod
    async def _shutdown(km: Any, now: bool) -> None:
        unused = getattr(km, "nbconv_client", None)
        if unused is not None:  # a spare that never ran a notebook
            km.nbconv_client = None
            unused.stop_channels()
        try:
            if km.has_kernel and not now:
                # shutdown_kernel(), watching the process every 10 ms instead of every 0.1 s:
                # interrupt a cell that may still run, ask the kernel to stop, kill it if it lingers.
                await km.interrupt_kernel()
                await km.request_shutdown()
                await km.finish_shutdown(pollinterval=0.01)
                await km.cleanup_resources()
            elif km.has_kernel:
                await km.shutdown_kernel(now=now)
        except Exception as error:  # already gone, or refused a polite request
            LOG.debug("kernel shutdown: %s", error)
            if km.has_kernel:
                await km.shutdown_kernel(now=True)

    async def _close(self) -> None:
        for _, task in self._spares:
            task.cancel()
        await asyncio.gather(*(task for _, task in self._spares), return_exceptions=True)
        self._spares = []
        await asyncio.gather(*self._stopping, return_exceptions=True)
        for km in list(self._live):
            self.release(km, now=True)
        await asyncio.gather(*self._stopping, return_exceptions=True)


async def wait_until_ready(client: Any, km: Any, timeout: float) -> None:
    """Return once the kernel answers ``kernel_info`` on shell and its IOPub reaches us.

    jupyter_client's ``wait_for_ready`` ends by waiting for 0.2 s of IOPub silence, which
    costs every kernel 0.2 s (a third of a small notebook's run). The kernel's own
    ``idle`` status for our request says the same without the wait: IOPub is subscribed
    and everything published before it has been read. Until IOPub is subscribed (ZeroMQ
    connects it a little after shell) the status is lost, so the request is sent again
    after 0.1 s; a reply on shell comes within milliseconds once the kernel is up.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        msg_id = client.kernel_info()
        reply = await _reply(client.shell_channel, msg_id, 1.0, loop)
        if reply is not None and await _iopub_reached(client.iopub_channel, msg_id, 0.1, loop):
            client._handle_kernel_info_reply(reply)  # the protocol version it speaks
            return
        if not await km.is_alive():
            raise RuntimeError("its process exited before answering kernel_info")
        if loop.time() > deadline:
            raise RuntimeError(f"it did not answer kernel_info within {timeout:g} s")


def _parent(msg: dict) -> Any:
    return (msg.get("parent_header") or {}).get("msg_id")


async def _reply(channel: Any, msg_id: str, seconds: float, loop: asyncio.AbstractEventLoop) -> dict | None:
    """The ``kernel_info_reply`` to ``msg_id`` within ``seconds``, else None; replies to
    earlier requests are dropped."""
    from queue import Empty

    until = loop.time() + seconds
    while (left := until - loop.time()) > 0:
        try:
            msg = await channel.get_msg(timeout=left)
        except Empty:
            return None
        if _parent(msg) == msg_id and msg.get("msg_type") == "kernel_info_reply":
            return msg
    return None


async def _iopub_reached(channel: Any, msg_id: str, seconds: float, loop: asyncio.AbstractEventLoop) -> bool:
    """Whether IOPub carried the kernel's ``idle`` status for ``msg_id``; for a kernel that
    publishes it late or not at all, any message about ``msg_id`` within ``seconds`` will do."""
    from queue import Empty

    seen = False
    until = loop.time() + seconds
    while (left := until - loop.time()) > 0:
        try:
            msg = await channel.get_msg(timeout=left)
        except Empty:
            break
        if _parent(msg) == msg_id:
            seen = True
            if msg.get("msg_type") == "status" and (msg.get("content") or {}).get("execution_state") == "idle":
                return True
    return seen


async def _unless_abandoned(coro: Coroutine[Any, Any, T], abandoned: threading.Event) -> T | None:
    """The result of ``coro``; the error of a run its caller gave up on (Ctrl-C) is dropped."""
    try:
        return await coro
    except Exception:
        if abandoned.is_set():
            return None
        raise


_OPEN_POOLS: "weakref.WeakSet[KernelPool]" = weakref.WeakSet()


@atexit.register
def _close_open_pools() -> None:
    """A library caller that forgot ``close()`` still leaves no kernel behind."""
    for pool in list(_OPEN_POOLS):
        pool.close()
