"""Nothing partial: a failed write leaves neither the page nor a half-filled NAME_files/.

The failure is real: the output folder is a 64 KiB tmpfs, mounted in a private mount
namespace (``unshare -m``, so root only; skipped otherwise), that fills up mid-way.
"""

from __future__ import annotations

import base64
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat import v4

from conftest import REPO, need
from nbbuild import write

sys.path.insert(0, str(REPO))
from benchmarks.notebooks import png  # noqa: E402


def _noisy_png(seed: int) -> str:
    """About 20 KB of PNG that does not compress away."""
    return base64.b64encode(png(80, 80, random.Random(seed))).decode()


def _notebook(images: int, text_kb: int):
    outputs = [v4.new_output("display_data", data={"image/png": _noisy_png(i), "text/plain": "img"})
               for i in range(images)]
    outputs.append(v4.new_output("stream", name="stdout", text="".join(
        random.Random(9).choice("abcdefghij \n") for _ in range(text_kb * 1024))))
    return v4.new_notebook(cells=[v4.new_code_cell("x", execution_count=1, outputs=outputs)])


def _convert_into_small_disk(tmp_path: Path, nb) -> tuple[int, str, list[str]]:
    """Exit status, stderr and what is left in a 64 KiB output folder."""
    need(shutil.which("unshare") is not None, "unshare not found (Debian package util-linux)")
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (unshare -m)")
    source = write(nb, tmp_path / "nb.ipynb")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f'mount -t tmpfs -o size=64k tmpfs "{disk}" || exit 99\n'
              f'"{sys.executable}" -m converter --to html --extract-outputs "{source}" --output-dir "{disk}"\n'
              f'echo "status=$?" >&2\n'
              f'ls -A "{disk}"\n')
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if "status=" not in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()[-200:]}")
    status = int(done.stderr.rsplit("status=", 1)[1].split()[0])
    return status, done.stderr, done.stdout.split()


def test_side_files_that_do_not_fit_leave_nothing(tmp_path):
    status, stderr, left = _convert_into_small_disk(tmp_path, _notebook(images=6, text_kb=1))
    assert status != 0 and "No space left on device" in stderr
    assert stderr.count("nbconv: error:") == 1
    assert left == []  # no nb.html, no nb_files/, no staging folder


def test_a_page_that_does_not_fit_takes_its_side_files_with_it(tmp_path):
    status, stderr, left = _convert_into_small_disk(tmp_path, _notebook(images=2, text_kb=40))
    assert status != 0 and "No space left on device" in stderr
    assert left == []


def test_a_page_that_fits_is_written_with_its_files(tmp_path):
    status, stderr, left = _convert_into_small_disk(tmp_path, _notebook(images=2, text_kb=1))
    assert status == 0, stderr
    assert left == ["nb.html", "nb_files"]
