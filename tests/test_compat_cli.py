"""nbconvert's command line on nbconv: every row of CLI.md "Coming from nbconvert" gives
byte for byte what the nbconv flags on its right give; what cannot be translated is one
line and exit code 2."""

from __future__ import annotations

import base64
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_nbconv
from nbbuild import code, markdown, notebook, raw, write

from converter.compat import translate_argv
from converter.exporters import list_formats

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
CONFIG = {"ExecutePreprocessor": {"enabled": True, "timeout": 60}}
NBCONVERT_FORMATS = ("html", "latex", "pdf", "webpdf", "slides", "markdown", "rst", "asciidoc",
                     "script", "python", "notebook")


def table_rows() -> list[tuple[str, str]]:
    """(nbconvert, nbconv) argument strings of each row of the CLI.md table."""
    text = (REPO / "CLI.md").read_text(encoding="utf-8")
    section = text.split("## Coming from nbconvert", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (?:`([^`]*)`)? *\|", section, re.M)
    assert len(rows) > 40, "the table was not found"
    return rows


def sample_notebook(path: Path) -> Path:
    """Every part a row can change: tags, prompts, outputs with their own tags, an image,
    markdown, raw and a cell that starts with 'import'."""
    tagged_output = {"output_type": "display_data", "data": {"text/plain": "dropped output"},
                     "metadata": {"tags": ["drop"]}}
    kept = {"output_type": "execute_result", "execution_count": 2, "data": {"text/plain": "42"}, "metadata": {}}
    image = {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"}, "metadata": {}}
    stream = {"output_type": "stream", "name": "stdout", "text": "printed\n"}
    nb = notebook(
        markdown("# Title\n\nSome $x^2$ math <script>alert(1)</script>"),
        code("import os", [stream], 1),
        code("6 * 7", [tagged_output, kept], 2, tags=["a"]),
        code("hidden()", [stream], 3, tags=["hide"]),
        code("plot()", [image], 4, tags=["b"]),
        raw("raw text"),
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        language_info={"name": "python"},
    )
    nb.cells[1].metadata["collapsed"] = False
    return write(fixed_ids(nb), path)


def executable_notebook(path: Path) -> Path:
    nb = notebook(code("print('ran')", count=None), code("6 * 7", count=None),
                  kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"})
    return write(fixed_ids(nb), path)


def fixed_ids(nb):
    """The same cell ids in every copy, so two runs can be compared byte for byte."""
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"
    return nb


def scratch(folder: Path, executes: bool) -> Path:
    """A directory holding nb.ipynb and the files some rows name."""
    folder.mkdir()
    (executable_notebook if executes else sample_notebook)(folder / "nb.ipynb")
    (folder / "mine.html.j2").write_text("{%- extends 'lab/index.html.j2' -%}\n"
                                         "{% block body_header %}<p>mine</p>{{ super() }}{% endblock %}\n")
    (folder / "tpl").mkdir()
    (folder / "nbconvert.json").write_text(json.dumps(CONFIG))
    return folder


def snapshot(folder: Path, executed: bool) -> dict[str, bytes]:
    """Every file in ``folder``; executed notebooks without their run times."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if executed and path.suffix == ".ipynb":
                nb = json.loads(data)
                for cell in nb["cells"]:
                    cell.get("metadata", {}).pop("execution", None)
                data = json.dumps(nb, sort_keys=True).encode()
            files[str(path.relative_to(folder))] = data
    return files


def run_row(folder: Path, args: list[str]):
    if "--stdin" in args or "-" in args:
        return run_nbconv(*args, stdin=(folder / "nb.ipynb").read_bytes(), cwd=folder)
    return run_nbconv(*args, "nb.ipynb", cwd=folder)


@pytest.mark.parametrize("nbconvert, nbconv", table_rows(), ids=[row[0] for row in table_rows()])
def test_row_gives_the_same_bytes_as_the_nbconv_flags(tmp_path: Path, nbconvert: str, nbconv: str) -> None:
    foreign, native = shlex.split(nbconvert), shlex.split(nbconv)
    executes = "--execute" in native
    results = []
    for name, args in (("foreign", foreign), ("native", native)):
        folder = scratch(tmp_path / name, executes)
        before = snapshot(folder, executes)
        result = run_row(folder, args)
        assert result.returncode == 0, (args, result.stderr.decode())
        after = snapshot(folder, executes)
        assert after != before or result.stdout, f"{args} wrote nothing"
        results.append((result.stdout, after))
    assert results[0] == results[1]


def test_rows_translate_to_their_flags() -> None:
    """The table's right column is what the translation produces (before argparse)."""
    for nbconvert, nbconv in table_rows():
        foreign = shlex.split(nbconvert)
        if any(token.startswith("--") and "." in token or token in ("--stdin", "--log-level", "--config", "--nbformat")
               for token in foreign):
            if "--config" in foreign:
                continue  # reads a file: covered by the row test
            translated = translate_argv(foreign)
            if "--inplace" in foreign:
                translated += ["--to", "notebook"]  # implied after parsing, when --to is not given
            assert sorted(translated) == sorted(shlex.split(nbconv)), nbconvert


def test_config_file_traits_follow_the_format_and_the_command_line_wins(tmp_path: Path) -> None:
    nb = sample_notebook(tmp_path / "nb.ipynb")
    (tmp_path / "c.json").write_text(json.dumps({"HTMLExporter": {"template_name": "basic", "exclude_input": True},
                                                 "TemplateExporter": {"exclude_output": True}}))
    from_file = run_nbconv("--config", "c.json", "--stdout", nb, cwd=tmp_path)
    native = run_nbconv("--template", "basic", "--no-input", "--no-output", "--stdout", nb, cwd=tmp_path)
    assert from_file.returncode == 0 and from_file.stdout == native.stdout
    overridden = run_nbconv("--config", "c.json", "--template", "lab", "--stdout", nb, cwd=tmp_path)
    assert overridden.stdout.startswith(b"<!DOCTYPE html>")
    latex = run_nbconv("--config", "c.json", "--to", "latex", "--stdout", nb, cwd=tmp_path)
    assert latex.returncode == 0 and b"{plot}" in latex.stdout, "HTMLExporter's traits are not LaTeX's"
    assert b"printed" not in latex.stdout, "TemplateExporter's traits reach every template exporter"


def one_line_usage_error(result, *expected: str) -> str:
    message = result.stderr.decode()
    assert result.returncode == 2, message
    assert message.count("\n") == 1 and message.startswith("nbconv: error: "), message
    assert "see nbconv --help" in message and "usage:" not in message
    for text in expected:
        assert text in message, message
    return message


@pytest.mark.parametrize("args, expected", [
    (["--HTMLExporter.anchor_link_text=x"], ["--HTMLExporter.anchor_link_text"]),
    (["--Foo.bar", "1"], ["--Foo.bar"]),
    (["--to", "slides", "--SlidesExporter.reveal_width=1200"], ["--SlidesExporter.reveal_width"]),
    (["--to", "slides", "--SlidesExporter.reveal_scroll=maybe"], ["--SlidesExporter.reveal_scroll", "True or False"]),
    (["--HTMLExporter.preprocessors=['a.B']"], ["--HTMLExporter.preprocessors", "--preprocessor"]),
    (["--ExecutePreprocessor.iopub_timeout=5"], ["--ExecutePreprocessor.iopub_timeout", "--timeout"]),
    (["--post", "serve"], ["--post", "nbconv serve"]),
    (["--ExecutePreprocessor.timeout=soon"], ["--ExecutePreprocessor.timeout", "'soon'", "seconds"]),
    (["--TemplateExporter.exclude_input=maybe"], ["--TemplateExporter.exclude_input", "True or False"]),
    (["--TagRemovePreprocessor.remove_cell_tags=[1, 2]"], ["remove_cell_tags", "list of strings"]),
    (["--ExecutePreprocessor.interrupt_on_timeout=False"], ["interrupt_on_timeout", "always interrupts"]),
    (["--NotebookExporter.nbformat_version=3", "--to", "notebook"], ["nbformat_version", "--nbformat-minor"]),
    (["--nbformat", "3", "--to", "notebook"], ["--nbformat"]),
    (["--log-level=LOUD"], ["--log-level", "ERROR"]),
    (["--writer=DebugWriter"], ["--writer"]),
    (["--ExecutePreprocessor.timeout"], ["--ExecutePreprocessor.timeout", "seconds"]),  # the value is nb.ipynb
    (["--no-such-flag"], ["--no-such-flag"]),
    (["--timeout"], ["--timeout"]),
])
def test_untranslatable_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    nb = sample_notebook(tmp_path / "nb.ipynb")
    one_line_usage_error(run_nbconv(*args, nb, cwd=tmp_path), *expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]


def test_python_config_files_are_refused(tmp_path: Path) -> None:
    nb = sample_notebook(tmp_path / "nb.ipynb")
    config = tmp_path / "jupyter_nbconvert_config.py"
    config.write_text("open('ran', 'w')\nc.ExecutePreprocessor.timeout = 60\n")
    one_line_usage_error(run_nbconv("--config", config, nb, cwd=tmp_path), "jupyter_nbconvert_config.py", "JSON")
    assert not (tmp_path / "ran").exists() and not (tmp_path / "nb.html").exists()


@pytest.mark.parametrize("content, expected", [
    ("{not json", ["invalid JSON"]),
    ('["ExecutePreprocessor"]', ["expected"]),
    ('{"ExecutePreprocessor": {"record_timing": false}}', ["ExecutePreprocessor.record_timing"]),
    ('{"ExecutePreprocessor": {"timeout": [1]}}', ["ExecutePreprocessor.timeout", "bad value"]),
])
def test_bad_json_config_files(tmp_path: Path, content: str, expected: list[str]) -> None:
    nb = sample_notebook(tmp_path / "nb.ipynb")
    (tmp_path / "c.json").write_text(content)
    one_line_usage_error(run_nbconv("--config", "c.json", nb, cwd=tmp_path), "c.json", *expected)
    one_line_usage_error(run_nbconv("--config", "missing.json", nb, cwd=tmp_path), "missing.json")


def test_nbconvert_format_names(tmp_path: Path) -> None:
    """Names nbconv has convert; one it lacks (qtpdf, qtpng: nbconvert's Qt exporters,
    and any of the list not installed yet) is exit 5 naming the formats it has."""
    nb = sample_notebook(tmp_path / "nb.ipynb")
    have = {name for name, _ in list_formats()}
    for name in ("qtpdf", "qtpng", *(n for n in NBCONVERT_FORMATS if n not in have)):
        result = run_nbconv("--to", name, nb, cwd=tmp_path)
        message = result.stderr.decode()
        assert result.returncode == 5 and message.count("\n") == 1, message
        assert all(format_name in message for format_name in have), message
    for name in ("html", "markdown", "rst", "script", "python", "notebook", "latex"):
        result = run_nbconv("--to", name, "--stdout", nb, cwd=tmp_path)
        assert result.returncode == 0 and result.stdout, (name, result.stderr)


def test_inplace_without_to_writes_a_notebook(tmp_path: Path) -> None:
    nb = sample_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--inplace", "--clear-output", nb, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert all(cell.get("outputs", []) == [] for cell in json.loads(nb.read_text())["cells"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]
    one_line_usage_error(run_nbconv("--inplace", "--to", "html", nb, cwd=tmp_path), "--inplace")


def test_translation_is_not_applied_after_double_dash() -> None:
    assert translate_argv(["--", "--Foo.bar=1"]) == ["--", "--Foo.bar=1"]
