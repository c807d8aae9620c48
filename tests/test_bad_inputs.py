"""The bad-input matrix: each case with the message and exit code a user meets.

Every case runs through the CLI; cases about reading also run through the library. A
failing case must leave no output file and the input untouched.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from conftest import REPO, need, run_nbconv
from converter import HTMLExporter, NotebookError
from hostile import PNG_1PX


def notebook(cells: list | None = None, **top) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells or [], **top}


def code_cell(outputs: list, source: str = "x") -> dict:
    return {"cell_type": "code", "id": "c1", "metadata": {}, "source": source,
            "execution_count": 1, "outputs": outputs}


def display(data: dict) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": data}


def as_json(nb: dict) -> bytes:
    return json.dumps(nb).encode()


V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"}, "worksheets": [{"cells": [
    {"cell_type": "heading", "level": 1, "source": "Old heading", "metadata": {}},
    {"cell_type": "code", "input": "print('v3')", "language": "python", "prompt_number": 1, "metadata": {},
     "outputs": [{"output_type": "stream", "stream": "stdout", "text": "v3 out\n"}]}]}]}
V2 = {"nbformat": 2, "nbformat_minor": 0, "metadata": {"name": "older"}, "worksheets": [{"cells": [
    {"cell_type": "markdown", "source": "# Older heading"},
    {"cell_type": "code", "input": "1 + 1", "language": "python", "prompt_number": 1,
     "outputs": [{"output_type": "pyout", "prompt_number": 1, "text": "2"}]}]}]}


@dataclass
class Case:
    name: str
    content: bytes | None
    exit_code: int
    message: str
    args: Callable[[Path, Path], list] = lambda src, tmp: [src, "--output-dir", tmp / "out"]
    expect_in_output: tuple[str, ...] = ()
    library: bool = True  # also check HTMLExporter().from_filename
    source_name: str = "nb.ipynb"
    prepare: Callable[[Path], None] = field(default=lambda tmp: None)


def _symlinked_output(tmp: Path) -> None:
    (tmp / "out").mkdir()
    (tmp / "victim.txt").write_text("keep me")
    (tmp / "out" / "nb.html").symlink_to(tmp / "victim.txt")


CASES = [
    Case("empty file", b"", 3, "nb.ipynb: the file is empty, not a notebook"),
    Case("not UTF-8", b'{"nbformat": 4, "x": "\xff"}', 3, "nb.ipynb: not UTF-8 text (byte 0xff at offset 22)"),
    Case("truncated JSON", as_json(notebook())[:30], 3,
         "nb.ipynb: invalid JSON at line 1, column 17: Unterminated string starting at"),
    Case("JSON that is not a notebook", b'{"name": "package.json"}', 3,
         'nb.ipynb: not a Jupyter notebook (no top-level "nbformat" field)'),
    Case("JSON list", b"[1, 2, 3]", 3, 'nb.ipynb: not a Jupyter notebook (no top-level "nbformat" field)'),
    Case("missing nbformat key", json.dumps({"cells": [], "metadata": {}}).encode(), 3,
         'nb.ipynb: not a Jupyter notebook (no top-level "nbformat" field)'),
    Case("nbformat from the future", json.dumps({**notebook(), "nbformat": 5}).encode(), 3,
         "nb.ipynb: nbformat 5 is newer than this nbconv supports (4)"),
    Case("schema violation", as_json(notebook([{"cell_type": "code", "id": "a", "metadata": {}, "source": "",
                                                "outputs": [], "execution_count": "seven"}])), 3,
         "nb.ipynb: invalid notebook: cell 1 of 1 (code), field execution_count: 'seven' is not of type"),
    Case("nbformat 3", json.dumps(V3).encode(), 0, "", expect_in_output=("Old heading", "v3 out")),
    Case("nbformat 2", json.dumps(V2).encode(), 0, "", expect_in_output=("Older heading", "jp-CodeCell")),
    Case("unknown mime type", as_json(notebook([code_cell([display({"application/x-thing": "data"})])])), 0, "",
         expect_in_output=("[output not shown: application/x-thing]",)),
    Case("base64 that does not decode", as_json(notebook([code_cell([display({"image/png": "not base64 at all!"})])])),
         0, "", expect_in_output=("[image/png output with data that is not valid base64]",)),
    Case("50 MB image", None, 0, "", expect_in_output=("data:image/png;base64,",)),
    Case("100,000 cells", None, 0, "", expect_in_output=('<span class="mi">99999</span>',), library=False),
    Case("output directory does not exist", as_json(notebook()), 4, "does not exist",
         args=lambda src, tmp: [src, "--output", tmp / "missing" / "out.html"], library=False),
    Case("output equal to input", as_json(notebook()), 4, "nb.html: refusing to overwrite the input notebook",
         args=lambda src, tmp: [src, "--output", src.name], library=False, source_name="nb.html"),
    Case("symlink in --output-dir", as_json(notebook([code_cell([])])), 0, "", library=False,
         prepare=_symlinked_output),
    Case("attachment name with ../", as_json(notebook([{
        "cell_type": "markdown", "id": "m", "metadata": {}, "source": "![x](attachment:../../escape.png)",
        "attachments": {"../../escape.png": {"image/png": PNG_1PX}}}])), 0, "",
         expect_in_output=("data:image/png;base64,",)),
]


def make_content(case: Case) -> bytes:
    if case.name == "50 MB image":
        payload = base64.b64encode(os.urandom(37 * 1024 * 1024)).decode()  # ~50 MB of base64
        return as_json(notebook([code_cell([display({"image/png": payload})])]))
    if case.name == "100,000 cells":
        cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": f"x = {i}",
                  "execution_count": None, "outputs": []} for i in range(100_000)]
        return as_json(notebook(cells))
    assert case.content is not None
    return case.content


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, tmp_path: Path):
    case.prepare(tmp_path)
    source = tmp_path / case.source_name
    content = make_content(case)
    source.write_bytes(content)
    before = sorted(p.name for p in tmp_path.iterdir())

    result = run_nbconv("--to", "html", *case.args(source, tmp_path), cwd=tmp_path, timeout=300)
    stderr = result.stderr.decode()
    assert result.returncode == case.exit_code, stderr
    assert source.read_bytes() == content, "the input notebook changed"
    if case.exit_code:
        assert case.message in stderr
        assert len(stderr.strip().splitlines()) == 1, "expected one line, no traceback"
        produced = [p for p in tmp_path.rglob("*") if p != source and (p.suffix == ".html" or p.name.endswith(".tmp"))]
        assert produced == [], "a failed conversion left files behind"
    else:
        page = (tmp_path / "out" / "nb.html").read_text(errors="replace")
        for text in case.expect_in_output:
            assert text in page
        # nothing was written outside the output directory
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(before) | {"out"})
    if case.name == "symlink in --output-dir":
        assert (tmp_path / "victim.txt").read_text() == "keep me"
        assert not (tmp_path / "out" / "nb.html").is_symlink()

    if case.library:
        exporter = HTMLExporter()
        if case.exit_code == 3:
            with pytest.raises(NotebookError, match=".+") as raised:
                exporter.from_filename(source)
            assert case.message.replace("nb.ipynb", str(source)) in str(raised.value)
        elif case.exit_code == 0:
            body, _ = exporter.from_filename(source)
            assert all(text in body for text in case.expect_in_output)


def test_read_only_output_directory(tmp_path: Path):
    """As root, permissions do not stop writes: use a read-only mount in a private namespace."""
    need(shutil.which("unshare") is not None, "unshare (util-linux) not found")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    need(probe.returncode == 0, f"cannot create a mount namespace here: {probe.stderr.decode().strip()}")
    source = tmp_path / "nb.ipynb"
    source.write_bytes(as_json(notebook()))
    readonly = tmp_path / "ro"
    readonly.mkdir()
    script = (f"mount -t tmpfs -o ro tmpfs '{readonly}' && "
              f"'{sys.executable}' -m converter --to html '{source}' --output-dir '{readonly}'")
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert result.returncode == 4, result.stderr.decode()
    assert result.stderr.decode().strip() == f"nbconv: error: {readonly / 'nb.html'}: cannot write: Read-only file system"
