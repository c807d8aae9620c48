"""Run one case for every tool, alternating tools between runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from benchmarks.cases import Case
from benchmarks.measure import CommandFailed, Sample, Series, Spawner, alternate
from benchmarks.tools import Tool

INPROCESS_SCRIPT = Path(__file__).resolve().parent / "inprocess.py"


class InProcessWorker:
    """A tool's interpreter holding one warm exporter (benchmarks/inprocess.py)."""

    def __init__(self, tool: Tool, fmt: str, notebook: Path) -> None:
        self.proc = subprocess.Popen(
            [tool.python, str(INPROCESS_SCRIPT), tool.name, fmt, str(notebook)],
            env=tool.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        if self.proc.stdout.readline().strip() != "ready":
            self.close()
            raise CommandFailed(f"{tool.name} in-process worker failed: {self.stderr_tail}")

    def call(self) -> Sample:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        return Sample(float(self.proc.stdout.readline()), 0)

    def close(self) -> int:
        """End the worker; return the peak RSS in bytes it reports as it exits."""
        self.proc.stdin.close()
        peak = self.proc.stdout.read().strip()
        self.stderr_tail = self.proc.stderr.read().strip().splitlines()[-3:]
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return int(peak) if peak.isdigit() else 0


def run_case(case: Case, tools: list[Tool], runs: int, scratch: Path, spawner: Spawner) -> dict[str, Series]:
    """Time ``case`` for every tool: ``runs`` alternating rounds after one untimed warm-up each."""
    if case.inprocess:
        workers = {tool.name: InProcessWorker(tool, *case.inprocess) for tool in tools}
        try:
            series = alternate({name: worker.call for name, worker in workers.items()}, runs)
        finally:
            peaks = {name: worker.close() for name, worker in workers.items()}
        for name, one in series.items():
            for sample in one.samples:
                sample.peak_bytes = peaks[name]
        return series
    runners = {}
    for tool in tools:
        out = scratch / tool.name / case.name.replace(":", "_")
        argv = case.argv(tool, out)

        def runner(argv=argv, tool=tool, out=out) -> Sample:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            return spawner.run(argv, tool.env)

        runner()  # warm the page cache and .pyc files; not timed
        runners[tool.name] = runner
    return alternate(runners, runs)

