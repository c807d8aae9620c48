"""Notebook export: Jupyter's JSON layout, byte-identical round trips, chosen minor versions."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from conftest import corpus_notebooks, run_nbconv


def jupyter_wrote(text: str) -> bool:
    """Whether ``text`` is exactly what Jupyter's writer makes of its own content."""
    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    return nbformat.writes(nb, version=nbformat.NO_CONVERT) + "\n" == text


@pytest.mark.parametrize("path", corpus_notebooks())
def test_untouched_corpus_notebook_round_trips_byte_for_byte(path: Path):
    text = path.read_text(encoding="utf-8")
    if not jupyter_wrote(text):
        pytest.skip("not in the layout Jupyter writes (hand-edited or another tool)")
    minor = json.loads(text)["nbformat_minor"]
    args = ["--to", "notebook", "--stdout", path]
    if minor < 5:  # read as 4.5; asking for the input's minor writes it back as it was
        args[2:2] = ["--nbformat-minor", str(minor)]
    result = run_nbconv(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == path.read_bytes()


def write_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Ünïcode title\n\nline two"),
        nbformat.v4.new_code_cell("print('a')\nprint('b')", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="a\nb\n"),
        ]),
    ]
    with open(path, "w", encoding="utf-8") as handle:
        nbformat.write(nb, handle)  # what Jupyter does when it saves
    return path


def test_fresh_jupyter_notebook_round_trips_and_keeps_its_name(tmp_path: Path):
    notebook = write_notebook(tmp_path / "nb.ipynb")
    original = notebook.read_bytes()
    result = run_nbconv("--to", "notebook", notebook)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nb.nbconvert.ipynb").read_bytes() == original
    assert notebook.read_bytes() == original


def test_preprocessed_notebook_is_written_like_jupyter(tmp_path: Path):
    notebook = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "notebook", "--clear-output", "--stdout", notebook)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert text.startswith('{\n "cells": [\n  {\n') and text.endswith("}\n")
    assert '"source": [\n    "print(\'a\')\\n",\n    "print(\'b\')"\n   ]' in text
    assert "Ünïcode" in text, "non-ASCII is written as is, as Jupyter does"


def test_older_minor_drops_cell_ids(tmp_path: Path):
    notebook = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "notebook", "--nbformat-minor", "4", "--stdout", notebook)
    assert result.returncode == 0, result.stderr
    nb = json.loads(result.stdout)
    assert nb["nbformat_minor"] == 4 and all("id" not in cell for cell in nb["cells"])
    nbformat.validate(nbformat.from_dict(nb), version=4, version_minor=4)


def test_unknown_minor_and_foreign_flags_are_errors(tmp_path: Path):
    notebook = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "notebook", "--nbformat-minor", "9", notebook)
    assert result.returncode == 5 and b"nbformat minor version must be 0 to 5, got 9" in result.stderr
    result = run_nbconv("--to", "html", "--nbformat-minor", "4", notebook)
    assert result.returncode == 5 and b"does not support --nbformat-minor" in result.stderr
    assert not (tmp_path / "nb.nbconvert.ipynb").exists() and not (tmp_path / "nb.html").exists()
