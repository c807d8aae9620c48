"""Notebook execution on a real Jupyter kernel (nbclient + jupyter_client + ipykernel).

Importing this package is cheap: nbclient and jupyter_client load on first execution.
"""

from converter.execute.cache import ExecutionCache
from converter.execute.kernels import choose_kernel
from converter.execute.pool import KernelPool
from converter.execute.preprocessor import CellExecutionError, ExecutePreprocessor

__all__ = ["CellExecutionError", "ExecutePreprocessor", "ExecutionCache", "KernelPool", "choose_kernel"]
