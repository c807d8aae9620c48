"""Run every code cell of a notebook in a real Jupyter kernel, as a pipeline step.

nbclient does the messaging: outputs, display_id updates, clear_output(wait=True),
widget state, execution counts, the skip-execution and raises-exception tags. This
module picks the kernel, gets it from a ``KernelPool`` and turns nbclient's failures
into one-line ``ExecutionError``s. The notebook is changed in place, so after a failure
the caller still holds the partly executed notebook.
"""

from __future__ import annotations

import asyncio
import atexit
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Coroutine

from converter.errors import CellTimeoutError, ExecutionError, KernelDiedError, NotebookError
from converter.execute.cache import ExecutionCache
from converter.execute.kernels import KernelChoice, choose_kernel
from converter.execute.pool import LOG, KernelPool, KernelRequest
from converter.filters.ansi import strip_ansi
from converter.notebook import NotebookNode  # annotations only: nbformat costs ~75 ms to import
from converter.pipeline import Preprocessor, Resources
from converter.preprocessors.coalesce_streams import coalesce_streams

if TYPE_CHECKING:
    from converter.execute.cluster import ClusterExecutor

class CellExecutionError(ExecutionError):
    """A cell raised. ``str(error)`` holds the cell's source and traceback text (nbclient's
    message, as nbconvert shows it); ``summary`` is the one line the CLI prints."""

    def __init__(self, summary: str, traceback: str = "", ename: str = "", evalue: str = "") -> None:
        super().__init__(summary)
        self.summary, self.traceback, self.ename, self.evalue = summary, traceback, ename, evalue

    def __str__(self) -> str:
        return f"{self.summary}\n{self.traceback}" if self.traceback else self.summary


# ``on_cell(resources, cell_index, cell_count, seconds_since_start)``, before each cell.
CellHook = Callable[[Resources, int, int, float], None]
# ``on_output(resources, cell_index, output)``, as each output arrives from the kernel.
OutputHook = Callable[[Resources, int, NotebookNode], None]

# The error name nbclient reports for a cell interrupted after its timeout.
_TIMEOUT_ENAME = "nbconv.CellTimeout"
_INPUT_ENAME = "StdinNotImplementedError"


@dataclass
class ExecutePreprocessor(Preprocessor):
    """Execute the notebook; options match nbconvert's ExecutePreprocessor.

    ``timeout`` is per cell in seconds (None: no limit). ``kernel_name`` defaults to the
    notebook's kernelspec, then a kernel for its language, then python3. ``cwd`` defaults
    to the notebook's directory (``resources.dir``). ``env`` is added to the kernel's
    environment. ``pool`` lets a batch share kernels started ahead; without one, each
    call starts and stops its own kernel.

    ``cache`` (an ``ExecutionCache`` or a folder) reuses the outputs of an unchanged
    notebook instead of starting a kernel. ``notebook_timeout`` bounds the whole run in
    seconds. ``cluster`` sends the notebook to a Dask cluster instead of a local kernel.
    """

    timeout: float | None = None
    startup_timeout: float = 60
    kernel_name: str | None = None
    allow_errors: bool = False
    interrupt_on_timeout: bool = False
    cwd: str | os.PathLike | None = None
    env: dict[str, str] = field(default_factory=dict)
    pool: KernelPool | None = None
    on_cell: CellHook | None = None
    # nbconvert's (nbclient's) finer options, passed on to nbclient as they are.
    record_timing: bool = True
    store_widget_state: bool = True
    iopub_timeout: float = 4
    raise_on_iopub_timeout: bool = False
    allow_error_names: list[str] = field(default_factory=list)
    force_raise_errors: bool = False
    skip_cells_with_tag: str = "skip-execution"
    on_output: OutputHook | None = None

    # Execution at scale: see converter/execute/cache.py and cluster.py.
    cache: ExecutionCache | str | os.PathLike | None = None
    notebook_timeout: float | None = None
    cluster: ClusterExecutor | None = None

    def preprocess(self, nb: NotebookNode, resources: Resources, km: Any = None) -> tuple[NotebookNode, Resources]:
        """Run every code cell; ``resources`` may be nbconvert's dict, whose
        ``metadata.path`` is the working directory (``km`` is accepted and not used)."""
        cache, key = self._cached(nb, resources)
        if cache is not None and cache.lookup(key, nb):
            return nb, resources  # a hit: no kernel started, not even the kernelspecs read
        kernel = choose_kernel(nb, self.kernel_name)
        cwd = Path(self.cwd) if self.cwd is not None else (resources.dir or Path.cwd())
        self._run(nb, resources, kernel, cwd)
        if cache is not None:
            cache.store(key, nb, resources.name, kernel.as_metadata())
        return nb, resources

    def _cached(self, nb: NotebookNode, resources: Resources) -> tuple[ExecutionCache | None, str]:
        """The execution cache and this notebook's key in it (None, "" without a cache)."""
        if self.cache is None:
            return None, ""
        if not isinstance(self.cache, ExecutionCache):
            self.cache = ExecutionCache(self.cache)
        options = [f"{name}={value!r}" for name, value, default in (
            ("skip_cells_with_tag", self.skip_cells_with_tag, "skip-execution"),
            ("allow_error_names", sorted(self.allow_error_names), []),
            ("force_raise_errors", self.force_raise_errors, False)) if value != default]
        try:
            return self.cache, self.cache.key(nb, self.kernel_name, self.allow_errors, resources.dir,
                                              self.skip_cells_with_tag, options)
        except NotebookError as error:  # a declared dependency the key cannot follow: never a stale hit
            resources.warnings.append(f"{error}; executed without the cache")
            return None, ""

    def _run(self, nb: NotebookNode, resources: Resources, kernel: KernelChoice, cwd: Path) -> None:
        if self.cluster is not None:
            self.cluster.execute(nb, resources, self, kernel)
            return
        request = KernelRequest(kernel.name, str(cwd), tuple(sorted(self.env.items())), self.startup_timeout)
        if self.pool is not None:
            self.pool.run(self._execute(self.pool, nb, resources, kernel, request))
        else:
            with KernelPool() as pool:
                pool.run(self._execute(pool, nb, resources, kernel, request))

    async def _execute(self, pool: KernelPool, nb: NotebookNode, resources: Resources,
                       kernel: KernelChoice, request: KernelRequest) -> None:
        started = time.monotonic()
        current: list[int] = []  # index of the cell being run, once the first one starts

        def cell_starting(cell: NotebookNode, cell_index: int) -> None:
            current[:] = [cell_index]
            if self.on_cell is not None:
                self.on_cell(resources, cell_index, len(nb.cells), time.monotonic() - started)

        nb.metadata["kernelspec"] = kernel.as_metadata()
        try:
            km = await pool.acquire(request)
        except Exception as error:  # jupyter_client raises many types, e.g. the kernel's program is missing
            raise KernelDiedError(f"the kernel ({kernel.name}) did not start: {error}") from error
        # imported once the kernel is booting, so the import overlaps its start-up
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, DeadKernelError
        from nbclient.exceptions import CellTimeoutError as NbclientTimeout

        client = NotebookClient(
            nb, km=km, kernel_name=kernel.name, log=LOG,
            timeout_func=lambda cell: self.timeout,
            startup_timeout=math.ceil(self.startup_timeout),
            allow_errors=self.allow_errors,
            interrupt_on_timeout=self.interrupt_on_timeout,
            error_on_timeout={"ename": _TIMEOUT_ENAME, "evalue": "", "traceback": []},
            on_cell_start=cell_starting,
            record_timing=self.record_timing, store_widget_state=self.store_widget_state,
            iopub_timeout=math.ceil(self.iopub_timeout), raise_on_iopub_timeout=self.raise_on_iopub_timeout,
            allow_error_names=list(self.allow_error_names), force_raise_errors=self.force_raise_errors,
            skip_cells_with_tag=self.skip_cells_with_tag,
        )
        ready = getattr(km, "nbconv_client", None)
        if ready is not None:  # the pool's client has waited for the kernel: nbclient need not again
            km.nbconv_client = None
            ready.allow_stdin = False
            client.kc = ready
        if self.on_output is not None:
            _watch_outputs(client, self.on_output, resources)
        kill = False
        try:
            await _within(client.async_execute(), self.notebook_timeout)
        except _NotebookTimeout as error:
            kill = True
            raise CellTimeoutError(f"the notebook timed out after {self.notebook_timeout:g} s "
                                   f"({_where(current, nb)} was running)") from error
        except CellExecutionError as error:
            raise self._cell_error(error, _where(current, nb)) from error
        except NbclientTimeout as error:
            kill = True
            raise CellTimeoutError(f"{_where(current, nb)} timed out after {self.timeout:g} s") from error
        except DeadKernelError as error:
            raise KernelDiedError(f"{_where(current, nb)}: the kernel ({kernel.name}) died") from error
        except RuntimeError as error:
            if current:
                raise
            kill = True
            raise KernelDiedError(f"the kernel ({kernel.name}) did not start: {error}") from error
        finally:
            # nbclient leaves its exit hook registered when the kernel fails to start.
            atexit.unregister(client._cleanup_kernel)
            if client.kc is not None:
                client.kc.stop_channels()
            pool.release(km, now=kill)
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.outputs:
                    cell.outputs = coalesce_streams(cell.outputs)

    def _cell_error(self, error: Any, where: str) -> ExecutionError:
        if error.ename == _TIMEOUT_ENAME:
            return CellTimeoutError(f"{where} timed out after {self.timeout:g} s and was interrupted")
        if error.ename == _INPUT_ENAME:
            return ExecutionError(f"{where} asked for input(), which nobody can answer while a notebook is executed")
        value = str(error.evalue).strip().splitlines()
        summary = f"{where}: {error.ename}" + (f": {value[0]}" if value else "")
        # nbclient's text: the cell's source, what it printed, then the traceback.
        return CellExecutionError(summary, traceback=strip_ansi(error.traceback or ""),
                                  ename=error.ename, evalue=str(error.evalue))


def _watch_outputs(client: Any, hook: OutputHook, resources: Resources) -> None:
    """Call ``hook`` with each output nbclient adds to a cell, as it arrives."""
    add_output = client.output

    def output(outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        out = add_output(outs, msg, display_id, cell_index)
        if out is not None:
            hook(resources, cell_index, out)
        return out

    client.output = output


class _NotebookTimeout(Exception):
    """The whole notebook outlasted ``notebook_timeout`` (nbclient's errors are TimeoutErrors too)."""


async def _within(run: Coroutine[Any, Any, Any], seconds: float | None) -> Any:
    """Await ``run``; after ``seconds`` cancel it and raise _NotebookTimeout, whatever
    it raised while being stopped."""
    if seconds is None:
        return await run
    task = asyncio.ensure_future(run)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except BaseException:  # cancelled (Ctrl-C): stop the run, and take its error ourselves
        task.add_done_callback(lambda stopped: stopped.cancelled() or stopped.exception())
        task.cancel()
        raise
    if not done:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise _NotebookTimeout
    return task.result()


def _where(current: list[int], nb: NotebookNode) -> str:
    return f"cell {current[0] + 1} of {len(nb.cells)}" if current else "before the first cell"
