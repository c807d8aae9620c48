"""Errors a user can cause, each with the exit code the CLI reports for it.

The CLI prints ``str(error)`` as one line; library callers catch ``ConversionError``.
"""

from __future__ import annotations


class ConversionError(Exception):
    """Base of every error nbconv reports without a traceback."""

    exit_code = 1


class NotebookError(ConversionError):
    """The input is missing, unreadable, not JSON or not a valid notebook."""

    exit_code = 3


class OutputError(ConversionError):
    """A result could not be written where it was asked to go."""

    exit_code = 4


class ExportError(ConversionError):
    """The exporter or its template could not turn the notebook into the format."""

    exit_code = 5


class ConfigError(ConversionError):
    """A configuration file or NBCONV_* variable has an unknown key or a bad value."""

    exit_code = 2


class ParameterError(ConversionError):
    """A parameter cannot be written in the notebook's language (or its name is invalid)."""

    exit_code = 2


class LatexError(ExportError):
    """The LaTeX for a PDF could not be compiled: xelatex is missing, failed or timed out."""

    exit_code = 10


class BrowserError(ExportError):
    """webpdf has no browser to print with: Chromium or playwright is missing or will not start."""

    exit_code = 12


class ExecutionError(ConversionError):
    """A cell raised an exception (or asked for ``input()``) while the notebook ran."""

    exit_code = 6


class CellTimeoutError(ExecutionError):
    """A cell ran longer than the per-cell timeout."""

    exit_code = 7


class KernelNotFoundError(ExecutionError):
    """No installed kernelspec matches the name (or language) asked for."""

    exit_code = 8


class KernelDiedError(ExecutionError):
    """The kernel died while running a cell, or did not start in time."""

    exit_code = 9


class ClusterError(ConversionError):
    """``--cluster``: the Dask scheduler cannot be reached, or a task cannot be sent."""

    exit_code = 11
