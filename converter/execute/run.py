"""papermill's job: parameterise a notebook, run it, and record papermill's metadata.

``execute_notebook`` takes papermill's keyword names, so a script switches with an import
change. The result carries what tools that read papermill outputs look for:
``metadata.papermill`` on the notebook (parameters, paths, start and end time, duration,
exception) and on each cell (start, end, duration, status ``pending`` / ``running`` /
``completed`` / ``failed``, exception). When a cell raises, the output notebook is still
written, with a banner cell before the failing cell and a link to it at the top (both
tagged ``papermill-error-cell-tag``, as papermill tags them), and the error is raised.
Execution itself is ``ExecutePreprocessor``'s; this module only wraps it.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from converter import __version__
from converter.errors import ExecutionError, KernelNotFoundError, OutputError, ParameterError
from converter.notebook import NotebookNode, read_notebook
from converter.pipeline import Resources

ERROR_TAG = "papermill-error-cell-tag"
ERROR_ANCHOR = "papermill-error-cell"
STDIO = "-"
_BANNER_STYLE = "color:#b00020; font-size:1.4em; font-weight:bold;"


def execute_notebook(input_path: str | os.PathLike, output_path: str | os.PathLike | None,
                     parameters: dict[str, Any] | None = None, *, kernel_name: str | None = None,
                     cwd: str | os.PathLike | None = None, prepare_only: bool = False,
                     report_mode: bool = False, log_output: bool = False, start_timeout: float = 60,
                     execution_timeout: float | None = None, language: str | None = None,
                     progress_bar: Any = None, request_save_on_cell_execute: Any = None,
                     engine_name: str | None = None, progress: Any = None, pool: Any = None) -> NotebookNode:
    """Run ``input_path`` with ``parameters`` injected; write it to ``output_path``; return it.

    Options after ``parameters`` are keyword-only (papermill's positional order differs).

    ``-`` reads standard input / writes standard output; ``output_path=None`` writes
    nothing. ``cwd`` is the kernel's working directory (default: this process's, as in
    papermill). ``execution_timeout`` limits each cell, ``start_timeout`` the kernel
    start-up. ``log_output`` prints each cell's stdout/stderr on stderr as it arrives.
    papermill's ``progress_bar`` and ``request_save_on_cell_execute`` are accepted and
    ignored (the output is written once, atomically); ``engine_name`` must be None.
    Raises ``ConversionError`` subclasses: ``NotebookError``, ``ParameterError``,
    ``KernelNotFoundError``, ``ExecutionError`` (after writing the failed notebook), ``OutputError``.
    ``progress`` is an ``on_cell`` hook (the CLI's progress line); ``pool`` a ``KernelPool``.
    """
    if engine_name not in (None, "", "nbclient"):
        raise ValueError(f"engine_name={engine_name!r}: nbconv has one execution engine")
    label = "<stdin>" if str(input_path) == STDIO else str(input_path)
    nb = read_notebook(sys.stdin.buffer if str(input_path) == STDIO else input_path, name=label)
    target = _check_target(output_path)
    kernel = _kernel(nb, kernel_name, prepare_only)
    language = language or (kernel.language if kernel else None)
    parameters = dict(parameters or {})
    _check_parameters(nb, parameters, language, label)
    own_pool = None
    if not prepare_only:
        from converter.execute.pool import KernelPool, KernelRequest

        if pool is None:  # our own, so a failure is recorded before the kernel shuts down
            pool = own_pool = KernelPool()
        cwd = Path(cwd) if cwd is not None else Path.cwd()
        # the kernel boots while the parameters are injected and the executor is imported
        pool.prepare(KernelRequest(kernel.name, str(cwd), startup_timeout=start_timeout))
    try:
        _remove_error_cells(nb)
        _parameterise(nb, parameters, language, report_mode)
        _notebook_record(nb, parameters, label, output_path, language)
        if not prepare_only:
            from converter.execute.live_output import LiveOutput
            from converter.execute.preprocessor import ExecutePreprocessor

            clock = CellClock(nb, progress)
            step = ExecutePreprocessor(
                timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel.name,
                interrupt_on_timeout=True, cwd=cwd, pool=pool, on_cell=clock,
                on_output=LiveOutput(sys.stderr, progress) if log_output else None,
            )
            _run(nb, step, clock, label, target)
    finally:
        if own_pool is not None:
            own_pool.close()
    _write(nb, target)
    return nb


def _check_target(output_path: str | os.PathLike | None) -> Path | str | None:
    if output_path is None or str(output_path) == STDIO:
        return None if output_path is None else STDIO
    target = Path(output_path)
    if not target.parent.is_dir():
        raise OutputError(f"{target}: the directory {target.parent} does not exist")
    return target


def _kernel(nb: NotebookNode, kernel_name: str | None, prepare_only: bool):
    from converter.execute.kernels import choose_kernel

    try:
        kernel = choose_kernel(nb, kernel_name)
    except KernelNotFoundError:
        if not prepare_only:
            raise
        return None  # injecting needs only the language, which the notebook names
    if kernel_name:
        nb.metadata["kernelspec"] = kernel.as_metadata()
    return kernel


def _check_parameters(nb: NotebookNode, parameters: dict, language: str | None, label: str) -> None:
    """ParameterError, before any kernel starts, if a parameter cannot be written."""
    from converter.preprocessors.parameters import notebook_language
    from converter.translators import translator_for

    if parameters:
        try:
            translator_for(language or notebook_language(nb)).source(parameters)
        except ValueError as error:
            raise ParameterError(f"{label}: {error}") from None


def _parameterise(nb: NotebookNode, parameters: dict, language: str | None, report_mode: bool) -> None:
    from converter.preprocessors.parameters import InjectParametersPreprocessor

    if parameters:
        InjectParametersPreprocessor(parameters, language=language)(nb, Resources())
    if report_mode:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.metadata["jupyter"] = {**cell.metadata.get("jupyter", {}), "source_hidden": True}


def _notebook_record(nb: NotebookNode, parameters: dict, label: str, output_path: Any,
                     language: str | None) -> dict:
    record = NotebookNode({
        "default_parameters": _defaults(nb, language),
        "parameters": parameters,
        "environment_variables": {},
        "version": __version__,
        "input_path": label,
        "output_path": None if output_path is None else str(output_path),
        "start_time": None,
        "end_time": None,
        "duration": None,
        "exception": None,
    })
    nb.metadata["papermill"] = record
    return record


def _defaults(nb: NotebookNode, language: str | None) -> dict:
    from converter.notebook_parameters import declared_parameters, parameters_cell

    cell = parameters_cell(nb)
    if cell is None or (language or "python").lower() != "python":
        return {}
    try:
        return {p.name: p.default for p in declared_parameters(cell.source)}
    except ValueError:
        return {}


class CellClock:
    """Per-cell ``metadata.papermill`` kept as the cells start (an ``on_cell`` hook)."""

    def __init__(self, nb: NotebookNode, then=None) -> None:
        self.nb = nb
        self.then = then  # the progress report, called after
        self.current: int | None = None
        self._started = 0.0
        for cell in nb.cells:
            cell.metadata["papermill"] = NotebookNode(exception=None, start_time=None, end_time=None,
                                                      duration=None, status="pending")

    def __call__(self, resources: Resources, index: int, count: int, elapsed: float) -> None:
        self.finish("completed")
        self.current, self._started = index, time.monotonic()
        self.nb.cells[index].metadata["papermill"].update(start_time=_now(), status="running")
        if self.then is not None:
            self.then(resources, index, count, elapsed)

    def finish(self, status: str) -> None:
        """End the running cell (if any) with ``status``."""
        if self.current is None:
            return
        meta = self.nb.cells[self.current].metadata["papermill"]
        if meta["status"] == "running":
            meta.update(end_time=_now(), duration=round(time.monotonic() - self._started, 6),
                        status=status, exception=status == "failed")


def _run(nb: NotebookNode, step: Any, clock: CellClock, label: str, target: Any) -> None:
    """Execute, keeping the clock; on failure mark the cell, add the banners, write, raise."""
    record = nb.metadata["papermill"]
    started = time.monotonic()
    record["start_time"] = _now()
    try:
        step(nb, Resources(name="notebook" if label == "<stdin>" else Path(label).stem))
    except ExecutionError as error:
        clock.finish("failed")
        _finish_record(record, started, exception=True)
        if clock.current is not None:
            _insert_banners(nb, clock.current)
        _write(nb, target)
        written = f" (output notebook written to {target})" if isinstance(target, Path) else ""
        if isinstance(getattr(error, "summary", None), str):  # CellExecutionError: its one line, named
            error.summary = f"{label}: {error.summary}{written}"
        else:
            error.args = (f"{label}: {error}{written}",)  # same error (type, attributes), named
        raise
    clock.finish("completed")
    _finish_record(record, started, exception=False)


def _finish_record(record: dict, started: float, exception: bool) -> None:
    record.update(end_time=_now(), duration=round(time.monotonic() - started, 6), exception=exception)


def _insert_banners(nb: NotebookNode, failed: int) -> None:
    """A banner before the failing cell, and a line at the top that links to it."""
    from nbformat.v4 import new_markdown_cell

    count = nb.cells[failed].get("execution_count")
    prompt = f"In [{count}]" if count else f"cell {failed + 1}"
    top = new_markdown_cell(
        f'<span style="{_BANNER_STYLE}">This run stopped with an exception in '
        f'<a href="#{ERROR_ANCHOR}">{prompt}</a>.</span>', metadata={"tags": [ERROR_TAG]})
    here = new_markdown_cell(
        f'<span id="{ERROR_ANCHOR}" style="{_BANNER_STYLE}">The run stopped here: '
        'the next cell raised an exception.</span>', metadata={"tags": [ERROR_TAG]})
    nb.cells[failed:failed] = [here]
    nb.cells[0:0] = [top]


def _remove_error_cells(nb: NotebookNode) -> None:
    """Banners left by an earlier failed run (ours or papermill's) go."""
    nb.cells = [cell for cell in nb.cells
                if ERROR_TAG not in (cell.get("metadata", {}).get("tags") or [])]


def _write(nb: NotebookNode, target) -> None:
    if target is None:
        return
    from nbformat.v4.nbjson import writes  # as --to notebook writes it, without the template machinery

    from converter.writer import write_atomic

    text = writes(nb) + "\n"
    if target == STDIO:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    write_atomic(target, text)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
