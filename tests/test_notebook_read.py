"""Reading notebooks (issue 2, point 2): every bad input is one line naming the file and
the problem, exit code 3 from the CLI and NotebookError from the library; no partial
output file appears and the input is left as it was. Old formats are upgraded."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from conftest import run_nbconv
from converter import HTMLExporter, NotebookError, read_notebook

V4 = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}


def _notebook_with_code_cell(**fields) -> dict:
    cell = {"cell_type": "code", "id": "c1", "metadata": {}, "source": "x = 1",
            "outputs": [], "execution_count": None, **fields}
    md = {"cell_type": "markdown", "id": "m0", "metadata": {}, "source": "text"}
    return {**V4, "cells": [md, cell]}


# name -> (file bytes, fragments the one-line message must contain)
BAD_INPUTS = {
    "empty": (b"", ["empty"]),
    "whitespace-only": (b"  \n\t\n", ["empty"]),
    "not-utf8": ('{"nbformat": 4, "x": "caf\u00e9"}'.encode("latin-1"), ["not UTF-8", "0xe9"]),
    "invalid-json": (b'{\n  "cells": [\n    {,\n', ["invalid JSON", "line 3", "column 6"]),
    "json-list": (b"[1, 2, 3]", ["not a Jupyter notebook"]),
    "json-object-not-notebook": (b'{"name": "package.json", "version": "1.0"}', ["not a Jupyter notebook"]),
    "nbformat-not-a-number": (json.dumps({**V4, "nbformat": "four"}).encode(), ["nbformat", "'four'"]),
    "nbformat-true": (json.dumps({**V4, "nbformat": True}).encode(), ["nbformat", "True"]),
    "nbformat-minor-missing": (json.dumps({"nbformat": 4, "metadata": {}, "cells": []}).encode(),
                               ["nbformat_minor", "None"]),
    "future-nbformat": (json.dumps({**V4, "nbformat": 5}).encode(), ["nbformat 5"]),
    "schema-wrong-type": (json.dumps(_notebook_with_code_cell(execution_count="seven")).encode(),
                          ["invalid notebook", "cell 2 of 2 (code)", "execution_count", "'seven'"]),
    "schema-missing-field": (json.dumps({**_notebook_with_code_cell(), "cells": [
        {"cell_type": "code", "id": "c", "metadata": {}, "source": "", "execution_count": None}]}).encode(),
                             ["invalid notebook", "cell 1 of 1 (code)", "'outputs' is a required property"]),
    "schema-bad-output": (json.dumps(_notebook_with_code_cell(
        outputs=[{"output_type": "stream", "name": "stdout"}])).encode(),
                          ["cell 2 of 2 (code)", "outputs[0]", "'text'"]),
    "schema-unknown-output-type": (json.dumps(_notebook_with_code_cell(
        outputs=[{"output_type": "bogus"}])).encode(), ["cell 2 of 2 (code)", "outputs[0]", "'bogus'"]),
    "schema-unknown-cell-type": (json.dumps({**V4, "cells": [
        {"cell_type": "widget", "id": "w", "metadata": {}, "source": ""}]}).encode(), ["cell 1 of 1", "'widget'"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_library(tmp_path: Path, case: str) -> None:
    data, fragments = BAD_INPUTS[case]
    path = tmp_path / f"{case}.ipynb"
    path.write_bytes(data)
    with pytest.raises(NotebookError) as caught:
        read_notebook(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ": ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    # the same through the exporter API and through bytes with a name
    with pytest.raises(NotebookError):
        HTMLExporter().from_filename(path)
    with pytest.raises(NotebookError, match="^upload.ipynb: "):
        read_notebook(data, name="upload.ipynb")


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_cli(tmp_path: Path, case: str) -> None:
    data, fragments = BAD_INPUTS[case]
    path = tmp_path / f"{case}.ipynb"
    path.write_bytes(data)
    before = path.stat()
    result = run_nbconv("--to", "html", path)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"nbconv: error: {path}: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr.decode()
    assert result.stdout == b""
    # nothing written, not even a temporary file; the input is unchanged
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ipynb"
    with pytest.raises(NotebookError, match=f"^{missing}: no such file$"):
        read_notebook(missing)
    result = run_nbconv(missing)
    assert result.returncode == 3
    assert result.stderr.decode().strip() == f"nbconv: error: {missing}: no such file"
    assert list(tmp_path.iterdir()) == []


def test_directory_is_not_a_notebook(tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match="is a directory"):
        read_notebook(tmp_path)


def test_debug_adds_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text("{", encoding="utf-8")
    plain = run_nbconv(path)
    debug = run_nbconv("--debug", path)
    assert plain.returncode == debug.returncode == 3
    assert b"Traceback" not in plain.stderr
    assert b"Traceback" in debug.stderr and b"invalid JSON" in debug.stderr


def test_reads_path_bytes_and_streams(tmp_path: Path) -> None:
    nb = {**V4, "cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# Ti", "tle"]}]}
    data = json.dumps(nb).encode()
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data)
    for source in (path, str(path), data, io.BytesIO(data), io.StringIO(data.decode())):
        read = read_notebook(source)
        assert read.cells[0].source == "# Title"  # lists of lines are joined
        assert read.cells[0]["cell_type"] == read.cells[0].cell_type == "markdown"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    nb = read_notebook(b"\xef\xbb\xbf" + json.dumps(V4).encode())
    assert nb.nbformat == 4


V3 = {
    "nbformat": 3, "nbformat_minor": 0,
    "metadata": {"name": "old"},
    "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 2, "metadata": {}, "source": "Old heading"},
        {"cell_type": "markdown", "metadata": {}, "source": "Some *text*"},
        {"cell_type": "code", "language": "python", "collapsed": False, "metadata": {},
         "input": "print('v3 says hi')", "prompt_number": 3,
         "outputs": [{"output_type": "stream", "stream": "stdout", "text": "v3 says hi\n"},
                     {"output_type": "pyout", "prompt_number": 3, "metadata": {}, "text": "42"}]},
    ], "metadata": {}}],
}


def test_v3_notebook_is_upgraded(tmp_path: Path) -> None:
    nb = read_notebook(json.dumps(V3).encode())
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    kinds = [cell.cell_type for cell in nb.cells]
    assert kinds == ["markdown", "markdown", "code"]
    assert nb.cells[0].source == "## Old heading"
    code_cell = nb.cells[2]
    assert code_cell.source == "print('v3 says hi')"
    assert code_cell.execution_count == 3
    assert [o.output_type for o in code_cell.outputs] == ["stream", "execute_result"]
    assert all(cell.get("id") for cell in nb.cells)
    # and it converts through the CLI
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(V3), encoding="utf-8")
    result = run_nbconv(path, "--stdout")
    assert result.returncode == 0, result.stderr
    page = result.stdout.decode()
    assert "Old heading</h2>" in page or 'id="Old-heading"' in page
    assert "v3 says hi" in page and "Out[3]" in page
    assert json.loads(path.read_text()) == V3  # the input file is not rewritten


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4])
def test_old_v4_minor_gets_ids(minor: int) -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "a"},
             {"cell_type": "code", "metadata": {}, "source": "b", "outputs": [], "execution_count": None},
             {"cell_type": "raw", "metadata": {}, "source": "c"}]
    nb = read_notebook(json.dumps({**V4, "nbformat_minor": minor, "cells": cells}).encode())
    assert nb.nbformat_minor == 5
    ids = [cell.id for cell in nb.cells]
    assert len(set(ids)) == 3 and all(ids)
    again = read_notebook(json.dumps({**V4, "nbformat_minor": minor, "cells": cells}).encode())
    assert [cell.id for cell in again.cells] == ids  # stable, so output is reproducible


def test_old_minor_keeps_existing_ids_and_avoids_clashes() -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "a"},
             {"cell_type": "markdown", "id": "cell-0", "metadata": {}, "source": "b"}]
    nb = read_notebook(json.dumps({**V4, "nbformat_minor": 4, "cells": cells}).encode())
    ids = [cell.id for cell in nb.cells]
    assert ids[1] == "cell-0" and ids[0] != "cell-0"


def test_v4_5_without_cell_id_is_a_schema_error() -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "a"}]
    with pytest.raises(NotebookError, match="cell 1 of 1 .*'id' is a required property"):
        read_notebook(json.dumps({**V4, "cells": cells}).encode(), name="x.ipynb")
