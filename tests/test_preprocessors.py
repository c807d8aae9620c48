"""The core preprocessors, from the library and from the CLI (no kernel needed here)."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import REPO, run_nbconv
from converter.exporters.notebook import NotebookExporter
from converter.pipeline import Resources
from converter.preprocessors import (
    ClearMetadataPreprocessor,
    CoalesceStreamsPreprocessor,
    ExtractOutputsPreprocessor,
    InjectParametersPreprocessor,
    RegexRemovePreprocessor,
    TagRemovePreprocessor,
)
from converter.preprocessors.parameters import parse_value

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PDF = b"%PDF-1.4\n% a tiny stand-in\n"


def tagged(source: str, *tags: str, outputs=()):
    return new_code_cell(source, metadata={"tags": list(tags)}, outputs=list(outputs))


def stream(text: str, name: str = "stdout"):
    return new_output("stream", name=name, text=text)


def test_tag_remove_builtin_and_chosen_tags():
    out = [stream("shown\n")]
    nb = new_notebook(cells=[
        tagged("a", "remove_cell"), tagged("b", "draft"), tagged("c", "remove_input", outputs=out),
        tagged("d", "hide-code", outputs=out), tagged("e", "remove_output", outputs=out),
        tagged("f", "noisy", outputs=out), tagged("g", outputs=out),
    ])
    chosen = copy.deepcopy(nb)
    TagRemovePreprocessor()(nb, Resources())  # the conventional tags
    assert [c.source for c in nb.cells] == ["b", "c", "d", "e", "f", "g"]
    assert [bool(c.get("transient", {}).get("remove_source")) for c in nb.cells] == [False, True, False, False, False, False]
    assert [len(c.outputs) for c in nb.cells] == [0, 1, 1, 0, 1, 1]
    # chosen tags replace the conventional ones
    TagRemovePreprocessor(frozenset({"draft"}), frozenset({"hide-code"}), frozenset({"noisy"}))(chosen, Resources())
    assert [c.source for c in chosen.cells] == ["a", "c", "d", "e", "f", "g"]
    assert [bool(c.get("transient", {}).get("remove_source")) for c in chosen.cells] == [False, False, True, False, False, False]
    assert [len(c.outputs) for c in chosen.cells] == [0, 1, 1, 1, 0, 1]


def test_regex_remove_drops_matching_cells_only():
    nb = new_notebook(cells=[new_code_cell(""), new_code_cell("  \n"), new_code_cell("x = 1  # TODO"),
                             new_markdown_cell("keep"), new_code_cell("y = 2")])
    RegexRemovePreprocessor([r"^\s*$", "TODO"])(nb, Resources())
    assert [c.source for c in nb.cells] == ["keep", "y = 2"]


def test_clear_metadata_keeps_tags_kernel_and_output_sizes():
    image = new_output("display_data", data={"image/png": "AAAA"}, metadata={"image/png": {"width": 10}})
    nb = new_notebook(cells=[new_code_cell("x", metadata={"tags": ["t"], "collapsed": True, "ExecuteTime": {}},
                                           outputs=[image])],
                      metadata={"kernelspec": {"name": "python3", "display_name": "P", "language": "python"},
                                "celltoolbar": "Tags", "toc": {}})
    ClearMetadataPreprocessor()(nb, Resources())
    assert set(nb.metadata) == {"kernelspec"}
    assert nb.cells[0].metadata == {"tags": ["t"]}
    assert nb.cells[0].outputs[0].metadata == {"image/png": {"width": 10}}


def test_coalesce_streams_merges_neighbours_and_applies_cr_and_backspace():
    picture = new_output("display_data", data={"text/plain": "pic"})
    cell = new_code_cell("x", outputs=[
        stream("progress 10%"), stream("\rprogress 100%\n"), stream("ab\x08c\n"), stream("oops\n", "stderr"),
        stream("after\n"), picture, stream("tail\n"), stream("line\r\n"),
    ])
    nb = new_notebook(cells=[cell])
    CoalesceStreamsPreprocessor()(nb, Resources())
    kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
    assert kinds == [("stream", "stdout"), ("stream", "stderr"), ("stream", "stdout"),
                     ("display_data", None), ("stream", "stdout")]
    assert cell.outputs[0].text == "progress 100%\nac\n"
    assert cell.outputs[4].text == "tail\nline\r\n"  # a Windows line end is not a rewrite


def test_extract_outputs_names_files_and_marks_outputs():
    outputs = [stream("text\n"), new_output("display_data", data={"image/png": base64.b64encode(PNG).decode(),
                                                                   "text/plain": "<Figure>"}),
               new_output("execute_result", data={"application/pdf": base64.b64encode(PDF).decode(),
                                                  "image/svg+xml": "<svg/>"}, execution_count=1)]
    nb = new_notebook(cells=[new_markdown_cell("m"), new_code_cell("plot()", outputs=outputs)])
    resources = Resources(name="report")
    ExtractOutputsPreprocessor()(nb, resources)
    # one file per output: the representation the HTML page shows (SVG before PDF)
    assert resources.outputs == {
        "report_files/report_1_1.png": PNG,
        "report_files/report_1_2.svg": b"<svg/>",
    }
    assert outputs[1].metadata.filenames == {"image/png": "report_files/report_1_1.png"}
    assert outputs[2].metadata.filenames == {"image/svg+xml": "report_files/report_1_2.svg"}
    pdf_only = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
        "display_data", data={"application/pdf": base64.b64encode(PDF).decode()})])])
    ExtractOutputsPreprocessor()(pdf_only, resources)
    assert resources.outputs["report_files/report_0_0.pdf"] == PDF


def test_parameters_go_after_the_tagged_cell_replace_old_ones_or_go_first():
    nb = new_notebook(cells=[new_markdown_cell("t"), tagged("a = 1", "parameters"),
                             tagged("a = 0", "injected-parameters"), new_code_cell("print(a)")])
    InjectParametersPreprocessor({"a": 2, "s": "it's", "xs": [1.5, None, True]})(nb, Resources())
    assert [c.source for c in nb.cells] == [
        "t", "a = 1", "# Parameters\na = 2\ns = \"it's\"\nxs = [1.5, None, True]", "print(a)"]
    untagged = new_notebook(cells=[new_code_cell("print(a)")])
    InjectParametersPreprocessor({"a": 2})(untagged, Resources())
    assert untagged.cells[0].metadata.tags == ["injected-parameters"]
    with pytest.raises(ValueError, match="not a valid Python variable name"):
        InjectParametersPreprocessor({"class": 1})(new_notebook(), Resources())
    nb = InjectParametersPreprocessor({"x": float("nan")})(new_notebook(), Resources())[0]
    assert nb.cells[0].source == "# Parameters\nx = float('nan')"  # as papermill writes it
    bash = new_notebook(metadata={"kernelspec": {"name": "bash", "display_name": "Bash", "language": "bash"}})
    with pytest.raises(ValueError, match="bash parameters cannot hold a dictionary"):
        InjectParametersPreprocessor({"x": {"a": 1}})(bash, Resources())


@pytest.mark.parametrize("text, value", [("5", 5), ("0.5", 0.5), ("True", True), ("None", None),
                                         ("[1, 'a']", [1, "a"]), ("'5'", "5"), ("hello world", "hello world"),
                                         ("__import__('os')", "__import__('os')")])
def test_parameter_values_from_the_command_line(text, value):
    assert parse_value(text) == value


def test_notebook_exporter_writes_what_nbformat_writes():
    nb = new_notebook(cells=[tagged("print('é')", "remove_input", outputs=[stream("é\n")])])
    TagRemovePreprocessor()(nb, Resources())
    body = NotebookExporter().render(nb, Resources())
    del nb.cells[0]["transient"]
    assert body == nbformat.writes(nb) + "\n"
    assert "é" in body and body.startswith('{\n "cells": [\n  {\n')


# --- the command line -------------------------------------------------------------


def write(path, *cells):
    nbformat.write(new_notebook(cells=list(cells)), path)
    return path


def test_cli_extract_outputs_writes_files_and_html_links_them(tmp_path):
    image = new_output("display_data", data={"image/png": base64.b64encode(PNG).decode(), "text/plain": "img"})
    pdf = new_output("display_data", data={"application/pdf": base64.b64encode(PDF).decode()})
    source = write(tmp_path / "my report.ipynb", new_code_cell("plot()", outputs=[image, pdf]))
    result = run_nbconv("--extract-outputs", "--output-dir", tmp_path / "site", source)
    assert result.returncode == 0, result.stderr
    files = tmp_path / "site" / "my report_files"
    assert (files / "my report_0_0.png").read_bytes() == PNG
    assert (files / "my report_0_1.pdf").read_bytes() == PDF
    html = (tmp_path / "site" / "my report.html").read_text(encoding="utf-8")
    assert '<img src="my%20report_files/my%20report_0_0.png"' in html
    assert 'href="my%20report_files/my%20report_0_1.pdf" download="my report_0_1.pdf"' in html
    assert "data:image/png" not in html and "data:application/pdf" not in html


def test_html_ignores_filenames_a_notebook_claims_itself(tmp_path):
    image = new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()},
                       metadata={"filenames": {"image/png": "javascript:alert(1)"}})
    source = write(tmp_path / "nb.ipynb", new_code_cell("x", outputs=[image]))
    result = run_nbconv("--stdout", source)
    assert result.returncode == 0
    assert b'<img src="data:image/png;base64,' in result.stdout and b"javascript" not in result.stdout


def test_cli_removal_flags_and_default_tags(tmp_path):
    out = [stream("OUT-TEXT\n")]
    source = write(tmp_path / "nb.ipynb", tagged("SECRET_CELL", "remove_cell"), tagged("HIDDEN_INPUT", "mine", outputs=out),
                   tagged("NOISY", "chatty", outputs=[stream("NOISE\n")]), new_code_cell("DRAFT here"),
                   new_code_cell("VISIBLE"))
    untouched = run_nbconv("--stdout", source).stdout.decode()
    assert "SECRET_CELL" in untouched  # as in nbconvert, nothing is removed unless asked
    result = run_nbconv("--stdout", "--remove-cell-tags", "remove_cell", "--remove-input-tags", "mine",
                        "--remove-output-tags", "x,chatty", "--regex-remove", "^DRAFT", source)
    assert result.returncode == 0, result.stderr
    html = result.stdout.decode()
    for gone in ("SECRET_CELL", "HIDDEN_INPUT", "NOISE", "DRAFT"):
        assert gone not in html
    for kept in ("OUT-TEXT", "NOISY", "VISIBLE"):
        assert kept in html
    # --to notebook keeps tagged cells unless removal flags are given
    kept = run_nbconv("--to", "notebook", "--stdout", source)
    assert json.loads(kept.stdout)["cells"][0]["source"] == ["SECRET_CELL"]


def test_cli_parameters_without_execution_and_bad_ones(tmp_path):
    source = write(tmp_path / "nb.ipynb", tagged("n = 1", "parameters"), new_code_cell("print(n)"))
    result = run_nbconv("--to", "notebook", "--stdout", "-p", "n", "10", "-p", "name", "Ada Lovelace", source)
    assert result.returncode == 0, result.stderr
    cells = json.loads(result.stdout)["cells"]
    assert "".join(cells[1]["source"]) == "# Parameters\nn = 10\nname = 'Ada Lovelace'"
    assert cells[1]["metadata"]["tags"] == ["injected-parameters"]
    bad = run_nbconv("--to", "notebook", "--stdout", "-p", "not-a-name", "1", source)
    assert bad.returncode == 2 and b"'not-a-name' is not a valid Python variable name" in bad.stderr
    broken = tmp_path / "params.json"
    broken.write_text("[1, 2]")
    bad = run_nbconv("--to", "notebook", "--stdout", "--parameters", broken, source)
    assert bad.returncode == 2 and b"parameters must be a JSON object" in bad.stderr


@pytest.mark.parametrize("args, message", [
    (["--to", "html", "--inplace"], "--inplace needs --to notebook"),  # without --to it means notebook
    (["--to", "notebook", "--inplace", "--output", "x"], "--inplace replaces each input file"),
    (["--timeout", "5"], "--timeout only applies with --execute"),
    (["--execute", "-j", "0"], "-j needs a number of at least 1"),
    (["--regex-remove", "("], "--regex-remove '('"),
])
def test_cli_usage_errors(tmp_path, args, message):
    source = write(tmp_path / "nb.ipynb", new_code_cell("1"))
    before = source.read_bytes()
    result = run_nbconv(*args, source)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]


def test_version_and_plain_html_do_not_import_kernel_machinery(tmp_path):
    source = write(tmp_path / "nb.ipynb", new_code_cell("1"))
    probe = (
        "import sys, contextlib, io\n"
        "from converter.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--version'])\n"
        f"main(['--to', 'html', {str(source)!r}])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'jupyter_client', 'nbclient', 'zmq', 'asyncio'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == "[]"
