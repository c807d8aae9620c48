"""Markdown export: every corpus notebook's cells survive a parse back with mistune."""

from __future__ import annotations

import re
from pathlib import Path

import mistune
import pytest

from conftest import corpus_notebooks, run_nbconv
from converter.exporters.markdown import MarkdownExporter
from converter.notebook import read_notebook
from converter.writer import write_side_files

_parse = mistune.create_markdown(renderer=None, plugins=["table", "strikethrough", "footnotes", "task_lists"])


def fragments(markdown: str) -> list[str]:
    """The text pieces mistune finds: words of text tokens, whole code blocks and spans."""
    found: list[str] = []

    def walk(tokens):
        for token in tokens:
            if token["type"] in ("block_code", "codespan", "block_html", "inline_html"):
                found.append(token["raw"])
            elif token["type"] == "text":
                found.extend(token["raw"].split())
            walk(token.get("children") or ())

    walk(_parse(markdown))
    return found


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    items = iter(whole)
    return all(any(piece == item for item in items) for piece in part)


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_notebook_keeps_every_cell(path: Path, tmp_path: Path):
    body, resources = MarkdownExporter().from_filename(path)
    write_side_files(tmp_path, resources.outputs)
    document = fragments(body)
    code_blocks = [t["raw"] for t in _parse(body) if t["type"] == "block_code"]
    for cell in read_notebook(path).cells:
        if cell.cell_type == "code" and cell.source.strip():
            assert cell.source.rstrip("\n") + "\n" in code_blocks, cell.source
        elif cell.cell_type == "markdown":
            own = [piece for piece in fragments(cell.source) if not piece.startswith("attachment:")]
            assert is_subsequence(own, document), cell.source
    linked = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", body)
    for name in resources.outputs:
        assert name in linked, f"{name} extracted but not linked"
        assert (tmp_path / name).is_file()


def test_cli_writes_markdown_and_images(tmp_path: Path):
    from test_rst_export import PNG, sample_notebook

    notebook = sample_notebook(tmp_path / "sample.ipynb")
    result = run_nbconv("--to", "markdown", notebook)
    assert result.returncode == 0, result.stderr
    body = (tmp_path / "sample.md").read_text()
    assert "![pic](sample_files/sample_0_dot.png)" in body
    assert "```python\n%matplotlib inline\nplot()\n```" in body
    assert "![png](sample_files/sample_1_0.png)" in body
    assert "$$\n\\displaystyle x_1\n$$" in body
    assert "```\nred *text*\n```" in body
    assert (tmp_path / "sample_files" / "sample_1_0.png").stat().st_size > 0
    result = run_nbconv("--to", "markdown", "--no-input", "--stdout", notebook)
    assert b"plot()" not in result.stdout and b"sample_1_0.png" in result.stdout


def test_fences_outgrow_backticks_in_code():
    from converter.filters.text_blocks import fenced

    block = fenced("print('```')\n````", "python")
    assert block.startswith("`````python\n") and block.endswith("\n`````")
    assert _parse(block)[0]["raw"] == "print('```')\n````\n"
