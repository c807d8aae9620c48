"""Worker for the in-process cases: one warm exporter, one conversion per line on stdin.

Run by path with a tool's interpreter: ``python inprocess.py TOOL FORMAT NOTEBOOK``.
It reads the notebook and converts it once (the warm-up), prints ``ready``, then for
every line it reads converts again and prints the seconds that ``from_notebook_node``
took; at the end of its input it prints its peak RSS in bytes. Only the standard
library and the tool itself are imported.
"""

from __future__ import annotations

import sys
import time

sys.path.pop(0)  # this script's folder: its module names must not shadow the tool's


def exporter_and_notebook(tool: str, fmt: str, path: str):
    """``html-mathml`` is nbconv's HTML exporter with ``math="mathml"`` (nbconvert's plain HTML)."""
    mathml = fmt == "html-mathml"
    fmt = "html" if mathml else fmt
    if tool == "nbconv":
        from converter import get_exporter, read_notebook

        return get_exporter(fmt)(**({"math": "mathml"} if mathml else {})), read_notebook(path)
    import nbformat
    from nbconvert import get_exporter

    return get_exporter(fmt)(), nbformat.read(path, as_version=4)


def forget_formulas(tool: str, fmt: str):
    """What empties nbconv's memory of converted formulas, so that every timed MathML call
    converts them all, as one command does (a warm viewer process would remember them)."""
    if tool == "nbconv" and fmt == "html-mathml":
        from converter.filters import mathml

        return mathml._convert_remembered.cache_clear
    return lambda: None


def main(tool: str, fmt: str, path: str) -> None:
    exporter, nb = exporter_and_notebook(tool, fmt, path)
    forget = forget_formulas(tool, fmt)
    exporter.from_notebook_node(nb)
    print("ready", flush=True)
    for _ in sys.stdin:
        forget()
        start = time.perf_counter()
        exporter.from_notebook_node(nb)
        print(time.perf_counter() - start, flush=True)
    print(peak_rss())


def peak_rss() -> int:
    """This process's own peak RSS: VmHWM of its memory map since exec (Linux), else maxrss.

    ``ru_maxrss`` would include the parent's size at fork, see spawn.py.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


if __name__ == "__main__":
    main(*sys.argv[1:4])
