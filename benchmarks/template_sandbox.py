"""What Jinja's sandbox would cost: HTML rendering with ``SandboxedEnvironment`` against
the plain ``Environment`` nbconv uses.

    python -m benchmarks.template_sandbox [--runs 9]

Issue 14 asked for this figure before choosing how a config file found from the working
directory is kept from running code. nbconv chose not to load such code at all unless
trusted (``--trust-config``): the sandbox would not cover preprocessor imports or
``template-file`` paths, and Jinja's sandbox has had escapes. This keeps the measurement
reproducible. In-process, after one warm-up, median of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import jinja2
import jinja2.sandbox

import converter.templates as templates
from benchmarks.notebooks import big_outputs
from benchmarks.tools import REPO
from converter import get_exporter
from converter.notebook import NotebookNode, parse_notebook, read_notebook

TYPICAL = REPO.parent / "shared" / "corpus" / "notebook-docs" / "Running_Code.ipynb"


def median_seconds(nb: NotebookNode, environment_class: type, runs: int) -> float:
    templates.environment.cache_clear()
    original = jinja2.Environment
    templates.jinja2.Environment = environment_class  # what templates.environment() builds
    try:
        exporter = get_exporter("html")()
        exporter.from_notebook_node(nb)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            exporter.from_notebook_node(nb)
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        templates.jinja2.Environment = original
        templates.environment.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    cases = {"big_outputs": parse_notebook(json.dumps(big_outputs()), "big_outputs")}
    if TYPICAL.is_file():
        cases = {"typical": read_notebook(TYPICAL), **cases}
    for name, nb in cases.items():
        plain = median_seconds(nb, jinja2.Environment, args.runs)
        sandboxed = median_seconds(nb, jinja2.sandbox.SandboxedEnvironment, args.runs)
        print(f"{name}: plain {plain * 1000:.1f} ms, sandboxed {sandboxed * 1000:.1f} ms, "
              f"{sandboxed / plain:.2f}x")


if __name__ == "__main__":
    main()
