"""Script export: Python notebooks become scripts that compile; IPython syntax is translated."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from conftest import corpus_notebooks, run_nbconv
from converter.exporters.script import ScriptExporter, script_language
from converter.filters.magics import ipython2python
from converter.notebook import read_notebook


@pytest.mark.parametrize("path", corpus_notebooks())
def test_python_corpus_notebook_compiles(path: Path):
    nb = read_notebook(path)
    if script_language(nb) != "python":
        pytest.skip(f"{script_language(nb)} notebook")
    body, resources = ScriptExporter().from_filename(path)
    assert resources.output_extension == ".py"
    compile(body, str(path), "exec")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert ipython2python(cell.source).strip() in body


def calls(code: str) -> list[tuple[str, list]]:
    """(method, literal arguments) of every get_ipython().method(...) call in ``code``."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Call) and getattr(node.func.value.func, "id", "") == "get_ipython"):
            found.append((node.lineno, node.func.attr, [ast.literal_eval(arg) for arg in node.args]))
    return [call[1:] for call in sorted(found)]


def test_line_magics_shell_escapes_and_help():
    code = ipython2python(
        "%matplotlib inline\nimport os\n!ls -la 'x y'\nfiles = !ls\nt = %time 1+1\nos.path?\n??os\n"
        "if True:\n    !echo hi\nls some_dir\npip install numpy\n%timeit -n1 \\\n  pass\n"
    )
    assert calls(code) == [
        ("run_line_magic", ["matplotlib", "inline"]),
        ("system", ["ls -la 'x y'"]),
        ("getoutput", ["ls"]),
        ("run_line_magic", ["time", "1+1"]),
        ("run_line_magic", ["pinfo", "os.path"]),
        ("run_line_magic", ["pinfo2", "os"]),
        ("system", ["echo hi"]),
        ("run_line_magic", ["ls", "some_dir"]),
        ("run_line_magic", ["pip", "install numpy"]),
        ("run_line_magic", ["timeit", "-n1   pass"]),
    ]
    assert "files = get_ipython()" in code and "t = get_ipython()" in code


def test_cell_magic_keeps_its_body():
    code = ipython2python("%%bash -e\necho 'it''s'\nls \"$HOME\"")
    assert calls(code) == [("run_cell_magic", ["bash", "-e", "echo 'it''s'\nls \"$HOME\"\n"])]  # IPython adds the last newline


def test_python_that_looks_like_ipython_is_left_alone():
    source = 's = """\n%not a magic\n!nor this\n"""\ny = (10\n% 3)\nls = [1]\nls\nx = a if b else c\nprint(x == 2)'
    assert ipython2python(source) == source


def script_notebook(path: Path, language_info: dict, kernel_language: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "k", "display_name": "K", "language": kernel_language},
        "language_info": language_info,
    })
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nSome *text*"),
        nbformat.v4.new_code_cell("!echo hi\nx = 1", execution_count=3),
        nbformat.v4.new_raw_cell("print('raw python')", metadata={"raw_mimetype": "text/x-python"}),
        nbformat.v4.new_raw_cell("<b>html</b>", metadata={"raw_mimetype": "text/html"}),
    ]
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def test_cli_script_for_python(tmp_path: Path):
    notebook = script_notebook(tmp_path / "prog.ipynb",
                               {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}, "python")
    result = run_nbconv("--to", "script", notebook)
    assert result.returncode == 0, result.stderr
    script = (tmp_path / "prog.py").read_text()
    assert script.startswith("#!/usr/bin/env python\n")
    assert "# # Title\n#\n# Some *text*\n" in script
    assert "# In[3]:\n\nget_ipython().system('echo hi')\nx = 1\n" in script
    assert "print('raw python')" in script and "<b>html</b>" not in script
    compile(script, "prog.py", "exec")
    result = run_nbconv("--to", "python", "--no-prompt", "--stdout", notebook)
    assert result.returncode == 0 and b"# In[" not in result.stdout


def test_cli_script_for_other_languages(tmp_path: Path):
    notebook = script_notebook(tmp_path / "prog.ipynb",
                               {"name": "julia", "file_extension": ".jl", "mimetype": "application/julia"}, "julia")
    result = run_nbconv("--to", "script", notebook)
    assert result.returncode == 0, result.stderr
    script = (tmp_path / "prog.jl").read_text()
    assert "!echo hi\nx = 1" in script, "only Python gets IPython translation"
    assert not script.startswith("#!")
    result = run_nbconv("--to", "python", notebook)
    assert result.returncode == 5
    assert b"--to python needs a Python notebook, this one is julia" in result.stderr
    assert not (tmp_path / "prog.py").exists()
