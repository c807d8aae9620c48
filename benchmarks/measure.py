"""Run a command as a child process and measure its wall time and peak memory.

Peak memory is the child's ``ru_maxrss`` from ``os.wait4``: the largest resident set of
the child (or of any of its own children it waited for, e.g. ``-j`` workers), so no
polling is needed and nothing is missed between samples. Children are started by a
small helper process (spawn.py), not by the benchmark itself: see there why.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

SPAWN_SCRIPT = Path(__file__).resolve().parent / "spawn.py"


class CommandFailed(RuntimeError):
    """A measured command exited non-zero; the message holds its stderr tail."""


@dataclass
class Sample:
    seconds: float
    peak_bytes: int


@dataclass
class Series:
    """All runs of one tool on one case."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return max(s.peak_bytes for s in self.samples) / 2**20

    def as_dict(self) -> dict:
        return {
            "median_s": round(self.median, 4),
            "runs_s": [round(s.seconds, 4) for s in self.samples],
            "peak_mib": round(self.peak_mib, 1),
        }


class Spawner:
    """Runs commands through benchmarks/spawn.py; start it before the benchmark grows."""

    def __init__(self, scratch: Path, cwd: Path) -> None:
        """``cwd`` is where the commands run: a folder with no config file above it."""
        self.stderr_path = scratch / "stderr.txt"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(SPAWN_SCRIPT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=cwd,
        )

    def run(self, argv: Sequence[str], env: Mapping[str, str]) -> Sample:
        """Run ``argv`` to completion; raise CommandFailed on a non-zero exit."""
        request = {"argv": list(argv), "env": dict(env), "stderr": str(self.stderr_path)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        result = json.loads(self.proc.stdout.readline())
        if result["exit_code"] != 0:
            tail = self.stderr_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
            raise CommandFailed(f"{' '.join(argv[:4])} ... exited {result['exit_code']}: {' | '.join(tail)}")
        return Sample(result["seconds"], result["peak_bytes"])

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()
        self.proc.stdout.close()


def alternate(runners: Mapping[str, Callable[[], Sample]], runs: int) -> dict[str, Series]:
    """Call each runner in turn, ``runs`` rounds (A B A B ...), so load drifts hit all alike."""
    series = {name: Series() for name in runners}
    for _ in range(runs):
        for name, runner in runners.items():
            series[name].samples.append(runner())
    return series


def timed(commands: list[list[str]], env: dict[str, str]) -> float:
    """Wall seconds to run ``commands`` one after another (the execution benchmarks' whole
    runs); a failure stops the benchmark with the command and its stderr, progress lines left out."""
    start = time.perf_counter()
    for command in commands:
        result = subprocess.run(command, capture_output=True, env=env)
        if result.returncode != 0:
            problems = [line for line in result.stderr.decode().splitlines() if " -> " not in line]
            raise SystemExit(f"failed ({result.returncode}): {' '.join(command[:6])} ...\n"
                             + "\n".join(problems)[-3000:])
    return time.perf_counter() - start
