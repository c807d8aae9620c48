"""reST export: every corpus notebook passes docutils, and Sphinx builds three of them."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import CORPUS, corpus_notebooks, run_nbconv
from converter.exporters.rst import RSTExporter

docutils_core = pytest.importorskip("docutils.core")

# Warnings docutils may give for a corpus notebook, by notebook; none so far.
KNOWN_WARNINGS: dict[str, list[str]] = {}

PNG = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
).decode()


def docutils_messages(rst: str, source: str = "<rst>") -> list[tuple[int, str]]:
    """(level, message) for every docutils warning (2), error (3) and severe (4) message."""
    stream = io.StringIO()
    docutils_core.publish_doctree(
        rst, source_path=source,
        settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5},
    )
    found = re.findall(r"\((WARNING|ERROR|SEVERE)/(\d)\) (.*)", stream.getvalue())
    return [(int(level), text) for _, level, text in found]


def sample_notebook(path: Path) -> Path:
    """A notebook written here: specials in markdown, an attachment, PNG and LaTeX outputs."""
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "file_extension": ".py", "pygments_lexer": "ipython3"},
    })
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Starts at level two: *x* | y_\n\n![pic](attachment:dot.png)",
                                      attachments={"dot.png": {"image/png": PNG}}),
        nbformat.v4.new_code_cell("%matplotlib inline\nplot()", execution_count=1, outputs=[
            nbformat.v4.new_output("display_data", {"image/png": PNG, "text/plain": "<Figure>"}),
            nbformat.v4.new_output("execute_result", {"text/latex": "$\\displaystyle x_1$", "text/plain": "x_1"},
                                   execution_count=1),
            nbformat.v4.new_output("stream", name="stdout", text="\x1b[31mred\x1b[0m *text*\n"),
        ]),
        nbformat.v4.new_markdown_cell("# Back to level one\n\n---\n"),
    ]
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_notebook_is_valid_rst(path: Path):
    body, resources = RSTExporter().from_filename(path)
    messages = docutils_messages(body, str(path))
    assert [m for m in messages if m[0] >= 3] == [], body
    assert [text for _, text in messages] == KNOWN_WARNINGS.get(path.name, [])
    for name in resources.outputs:
        assert name.startswith(f"{path.stem}_files/{path.stem}_") and name in body, "every extracted file is used"


def test_own_notebook_converts_without_warnings_and_extracts_files(tmp_path: Path):
    notebook = sample_notebook(tmp_path / "sample.ipynb")
    result = run_nbconv("--to", "rst", notebook)
    assert result.returncode == 0, result.stderr
    body = (tmp_path / "sample.rst").read_text()
    assert docutils_messages(body) == []
    assert ".. image:: sample_files/sample_0_dot.png" in body
    assert ".. image:: sample_files/sample_1_0.png" in body
    assert ".. code-block:: ipython3\n\n   %matplotlib inline\n   plot()\n" in body
    assert ".. math::\n\n   \\displaystyle x_1\n" in body
    assert "::\n\n    red *text*\n" in body, "stream text is a literal block without ANSI codes"
    assert body.index("Starts at level two") < body.index("=====") < body.index("Back to level one")
    for name in ("sample_0_dot.png", "sample_1_0.png"):
        assert (tmp_path / "sample_files" / name).read_bytes() == base64.b64decode(PNG)


def test_no_input_and_unsupported_options(tmp_path: Path):
    notebook = sample_notebook(tmp_path / "sample.ipynb")
    result = run_nbconv("--to", "rst", "--no-input", "--stdout", notebook)
    assert result.returncode == 0, result.stderr
    assert b"code-block" not in result.stdout and b"sample_1_0.png" in result.stdout
    result = run_nbconv("--to", "rst", "--no-prompt", notebook)
    assert result.returncode == 5 and b"--to rst does not support --no-prompt" in result.stderr
    assert not (tmp_path / "sample.rst").exists()


SPHINX_NOTEBOOKS = (
    "notebook-docs/Typesetting_Equations.ipynb",
    "nbconvert-tests/notebook2.ipynb",
    "notebook-docs/Working_With_Markdown_Cells.ipynb",
)


def test_sphinx_builds_converted_notebooks_without_warnings(tmp_path: Path):
    pytest.importorskip("sphinx")
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} not found")
    source = tmp_path / "src"
    source.mkdir()
    notebooks = [CORPUS / name for name in SPHINX_NOTEBOOKS]
    result = run_nbconv("--to", "rst", "--output-dir", source, *notebooks)
    assert result.returncode == 0, result.stderr
    (source / "conf.py").write_text('project = "nbconv test"\nextensions = ["sphinx.ext.mathjax"]\n')
    toctree = "\n".join(f"   {path.stem}" for path in notebooks)
    (source / "index.rst").write_text(f"Notebooks\n=========\n\n.. toctree::\n\n{toctree}\n")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert build.stderr == ""
    images = sorted(path.name for path in (tmp_path / "html" / "_images").iterdir())
    assert len(images) == 2 and images[0].startswith("Working_With_Markdown_Cells_23_") and images[1].startswith("notebook2_")
