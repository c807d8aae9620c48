"""Ctrl-C during ``-j`` reports "interrupted" once: no "kernel died" line per job, no
kernel left running. The signal is real: SIGINT to the process group, as a terminal
sends it, while two real kernels run cells.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat import v4

from conftest import REPO
from nbbuild import write


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _start(tmp_path: Path, count: int, *flags: str) -> tuple[subprocess.Popen, list[Path]]:
    markers, sources = [], []
    for index in range(count):
        marker = tmp_path / f"kernel-{index}.pid"
        cell = f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)"
        sources.append(write(v4.new_notebook(cells=[v4.new_code_cell(cell)]), tmp_path / f"nb{index}.ipynb"))
        markers.append(marker)
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", "--to", "notebook", *flags, *map(str, sources),
         "--output-dir", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return process, markers


@pytest.mark.parametrize("jobs", ["2"])
def test_ctrl_c_during_parallel_execution_says_interrupted_once(tmp_path, jobs):
    process, markers = _start(tmp_path, 2, "--execute", "-j", jobs)
    try:
        assert _wait_for(lambda: all(m.exists() and m.read_text() for m in markers), 180), "kernels did not start"
        kernels = [int(m.read_text()) for m in markers]
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    text = stderr.decode()
    assert process.returncode == 130, text
    assert text.count("interrupted") == 1, text
    assert "died" not in text and "error" not in text, text
    assert _wait_for(lambda: not any(_alive(pid) for pid in kernels), 30), "a kernel outlived nbconv"


def test_ctrl_c_during_parallel_conversion_says_interrupted_once(tmp_path):
    """-j without --execute: worker processes, not threads; still one line."""
    many = [write(v4.new_notebook(cells=[v4.new_markdown_cell("x " * 20000) for _ in range(40)]),
                  tmp_path / f"m{index}.ipynb") for index in range(40)]
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", "--to", "html", "-j", "2", *map(str, many), "--output-dir",
         str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert _wait_for(lambda: (tmp_path / "out").is_dir() and any((tmp_path / "out").iterdir()), 120)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    text = stderr.decode()
    if process.returncode == 0:
        pytest.skip("the batch finished before the signal arrived")
    assert process.returncode == 130, text
    assert text.count("interrupted") == 1, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
