"""``nbconv run`` and ``converter.execute_notebook``: papermill's job on a real kernel.

Parameters in every form, papermill's metadata, a failing cell, --prepare-only,
--report-mode, --log-output (seen while the cell still runs), --help-notebook, and a
bash notebook on a real bash_kernel.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import REPO, kernels_alive, need, run_nbconv
from converter.translators import translator_for

pytest.importorskip("ipykernel")

PYTHON = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def code(source: str, *tags: str):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def write(path: Path, *cells, metadata: dict | None = None) -> Path:
    nb = new_notebook(cells=list(cells), metadata=metadata if metadata is not None else PYTHON)
    nbformat.write(nb, path)
    return path


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def stdout_of(cell: dict) -> str:
    return "".join("".join(o["text"]) if isinstance(o["text"], list) else o["text"]
                   for o in cell["outputs"] if o.get("name") == "stdout")


def report_notebook(tmp_path: Path) -> Path:
    return write(
        tmp_path / "report.ipynb",
        new_markdown_cell("# Report"),
        code("alpha = 0.5  # learning rate\nepochs: int = 3\nname = 'default'\nflag = False\n"
             "raw = 'r'\nfrom_file = 0\nencoded = 0\nnothing = 1", "parameters"),
        code("for key in ['alpha', 'epochs', 'name', 'flag', 'raw', 'from_file', 'encoded', 'nothing']:\n"
             "    print(key, repr(globals()[key]))"),
    )


def test_every_parameter_form_typed_as_papermill_types_them(tmp_path):
    source = report_notebook(tmp_path)
    (tmp_path / "params.yaml").write_text("from_file: {a: [1, 2]}\nname: from-file\nday: 2024-01-02\n")
    encoded = base64.b64encode(b"encoded: 7\nflag: true").decode()
    out = tmp_path / "out.ipynb"
    result = run_nbconv("run", source, out, "-b", encoded, "-f", tmp_path / "params.yaml",
                        "-y", "alpha: 0.1\nepochs: 5", "-p", "epochs", "10", "-p", "alpha", "1e-3",
                        "-p", "nothing", "None", "-p", "name", "true", "-r", "raw", "42")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().strip() == f"{source} -> {out}"
    nb = read(out)
    injected = nb["cells"][2]
    assert injected["metadata"]["tags"] == ["injected-parameters"]
    printed = stdout_of(nb["cells"][3])
    # -p: int, float, None; "true" stays a string (papermill only knows True/False);
    # -r keeps "42" a string; -y and -b YAML types; -f dates stay text; later forms win.
    assert printed.splitlines() == [
        "alpha 0.001", "epochs 10", "name 'true'", "flag True", "raw '42'",
        "from_file {'a': [1, 2]}", "encoded 7", "nothing None",
    ]
    meta = nb["metadata"]["papermill"]
    assert meta["parameters"] == {"encoded": 7, "flag": True, "from_file": {"a": [1, 2]}, "name": "true",
                                  "day": "2024-01-02", "alpha": 0.001, "epochs": 10, "nothing": None,
                                  "raw": "42"}
    assert meta["default_parameters"]["alpha"] == "0.5"
    assert meta["exception"] is False and meta["duration"] > 0
    assert meta["input_path"] == str(source) and meta["output_path"] == str(out)
    assert meta["start_time"] < meta["end_time"]
    for cell in nb["cells"]:
        cell_meta = cell["metadata"]["papermill"]
        assert cell_meta["status"] == "completed" and cell_meta["exception"] is False
        assert cell_meta["start_time"] <= cell_meta["end_time"] and cell_meta["duration"] >= 0
    # running the output again replaces the injected cell instead of adding one
    again = tmp_path / "again.ipynb"
    assert run_nbconv("run", out, again, "-p", "epochs", "2", "--prepare-only").returncode == 0
    cells = read(again)["cells"]
    assert [c["metadata"].get("tags") for c in cells].count(["injected-parameters"]) == 1
    assert text(cells[2]) == "# Parameters\nepochs = 2"


def test_execute_notebook_in_the_library_with_cwd(tmp_path):
    from converter import execute_notebook

    source = write(tmp_path / "lib.ipynb", code("size = 1", "parameters"),
                   code("import os\nprint(os.getcwd(), size * 2)"))
    work = tmp_path / "work"
    work.mkdir()
    nb = execute_notebook(str(source), str(tmp_path / "lib-out.ipynb"), parameters={"size": 21},
                          kernel_name="python3", cwd=str(work), log_output=False)
    assert stdout_of(nb.cells[2]) == f"{work} 42\n"
    assert read(tmp_path / "lib-out.ipynb")["metadata"]["papermill"]["parameters"] == {"size": 21}
    assert nb.metadata.papermill.exception is False


def test_failing_cell_writes_banner_metadata_and_exits_6(tmp_path):
    source = write(tmp_path / "fails.ipynb", code("x = 1", "parameters"), code("print('before')"),
                   code("raise ValueError('broken ' + str(x))"), code("print('never')"))
    out = tmp_path / "fails-out.ipynb"
    result = run_nbconv("run", source, out, "-p", "x", "5")
    assert result.returncode == 6
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith(f"nbconv: error: {source}: cell 4 of 5: ValueError: broken 5")
    assert str(out) in line
    nb = read(out)
    cells = nb["cells"]
    tags = [c["metadata"].get("tags") for c in cells]
    # a link at the top, then the cells, with the banner right before the failing cell
    assert tags[0] == ["papermill-error-cell-tag"] and tags[4] == ["papermill-error-cell-tag"]
    assert 'href="#papermill-error-cell"' in text(cells[0]) and "In [4]" in text(cells[0])
    assert 'id="papermill-error-cell"' in text(cells[4])
    failed, after = cells[5], cells[6]
    assert failed["outputs"][0]["ename"] == "ValueError"
    assert failed["metadata"]["papermill"]["status"] == "failed"
    assert failed["metadata"]["papermill"]["exception"] is True
    assert after["metadata"]["papermill"]["status"] == "pending" and after["outputs"] == []
    assert cells[2]["metadata"]["papermill"]["status"] == "completed"
    assert nb["metadata"]["papermill"]["exception"] is True
    # running the failed output again (fixed by a parameter) drops the old banners
    fixed = tmp_path / "fixed.ipynb"
    result = run_nbconv("run", out, fixed, "--prepare-only")
    assert result.returncode == 0
    assert not any("papermill-error-cell-tag" in (c["metadata"].get("tags") or []) for c in read(fixed)["cells"])


def test_prepare_only_report_mode_and_stdout(tmp_path):
    source = write(tmp_path / "prep.ipynb", code("n = 1", "parameters"), code("print(n)"),
                   new_markdown_cell("text"))
    result = run_nbconv("run", source, "-", "-p", "n", "3", "--prepare-only", "--report-mode")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    nb = json.loads(result.stdout)
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [text(c) for c in code_cells] == ["n = 1", "# Parameters\nn = 3", "print(n)"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code_cells)  # not executed
    assert all(c["metadata"]["jupyter"]["source_hidden"] is True for c in code_cells)
    assert "jupyter" not in nb["cells"][3]["metadata"]  # markdown stays visible
    assert nb["metadata"]["papermill"]["parameters"] == {"n": 3}
    assert nb["metadata"]["papermill"]["start_time"] is None


def _handshake_notebook(tmp_path: Path, go: Path) -> Path:
    """A cell that prints, then waits until the test has seen that line on stderr."""
    return write(tmp_path / "live.ipynb", code(
        "import os, sys, time\nprint('first line'); sys.stdout.flush()\n"
        "print('to stderr', file=sys.stderr); sys.stderr.flush()\n"
        f"deadline = time.time() + 60\nwhile not os.path.exists({str(go)!r}) and time.time() < deadline:\n"
        "    time.sleep(0.05)\n"
        f"print('released' if os.path.exists({str(go)!r}) else 'never released')"))


@pytest.mark.parametrize("command", [["run", "{nb}", "{out}", "--log-output"],
                                     ["--execute", "--log-output", "--to", "notebook", "--output", "{out}", "{nb}"]],
                         ids=["run", "execute"])
def test_log_output_streams_while_the_cell_runs(tmp_path, command):
    go = tmp_path / "go"
    source = _handshake_notebook(tmp_path, go)
    out = tmp_path / "live-out.ipynb"
    argv = [part.format(nb=source, out=out) for part in command]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "converter", *argv], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, env=env, cwd=tmp_path, text=True)
    try:
        seen = [proc.stderr.readline(), proc.stderr.readline()]
        # the cell is still waiting for us: its output came before it ended
        assert proc.poll() is None
        assert not out.exists()
        go.touch()
        rest = proc.stderr.read()
        assert proc.wait(timeout=120) == 0, rest
    finally:
        go.touch()
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert sorted(seen) == ["live cell 1 stderr: to stderr\n", "live cell 1: first line\n"]
    assert "live cell 1: released" in rest
    assert stdout_of(read(out)["cells"][0]) == "first line\nreleased\n"


def test_log_output_drops_terminal_control_sequences(tmp_path):
    source = write(tmp_path / "ansi.ipynb", code("print('\\x1b[31mred\\x1b[0m \\x1b]0;title\\x07done')"))
    result = run_nbconv("run", source, tmp_path / "ansi-out.ipynb", "--log-output")
    assert result.returncode == 0
    line = result.stderr.decode().splitlines()[0]
    assert line == "ansi cell 1: red ]0;titledone"
    assert "\x1b" not in line and "\x07" not in line


def test_log_lines_keep_the_terminal_progress_line_below_them():
    import io

    from converter.execute.live_output import LiveOutput
    from converter.execute.progress import ProgressReport
    from converter.notebook import NotebookNode
    from converter.pipeline import Resources

    stream = io.StringIO()
    progress = ProgressReport(stream, terminal=True)
    live = LiveOutput(stream, progress)
    resources = Resources(name="nb")
    progress(resources, 1, 4, 0.5)
    live(resources, 1, NotebookNode(output_type="stream", name="stdout", text="a\r\nb\n"))
    live(resources, 1, NotebookNode(output_type="display_data", data={"text/plain": "x"}))  # not a stream
    clear = "\r\x1b[K"
    assert stream.getvalue() == f"{clear}nb: cell 2 of 4, 0.5 s{clear}nb cell 2: a\nnb cell 2: b\nnb: cell 2 of 4, 0.5 s"


def test_help_notebook_lists_names_types_defaults_and_comments(tmp_path):
    source = write(tmp_path / "params.ipynb", code(
        "alpha = 0.6  # the step size\nepochs: int = 10\nlabels = ['a', 'b']\n"
        "start = compute()  # from code\nimport os\nratio = None", "parameters"), code("print(1)"))
    result = run_nbconv("run", source, "--help-notebook")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[0] == f'Parameters of {source} (from its cell tagged "parameters"):'
    rows = [" ".join(line.split()) for line in lines[1:]]
    assert rows == ["alpha: float = 0.6 # the step size", "epochs: int = 10", "labels: list = ['a', 'b']",
                    "start: unknown = compute() # from code", "ratio: None = None"]
    none = write(tmp_path / "plain.ipynb", code("print(1)"))
    result = run_nbconv("run", none, "--help-notebook")
    assert result.returncode == 0 and "no cell tagged \"parameters\"" in result.stdout.decode()


def test_bash_notebook_runs_on_bash_kernel_with_parameters(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    need("bash" in KernelSpecManager().find_kernel_specs(),
         "bash_kernel (pip install bash_kernel && python -m bash_kernel.install)")
    bash = {"kernelspec": {"name": "bash", "display_name": "Bash", "language": "bash"}}
    source = write(tmp_path / "shell.ipynb", code("name=world\ncount=1", "parameters"),
                   code('echo "hello $name x$count ${items[1]} $flag"'), metadata=bash)
    out = tmp_path / "shell-out.ipynb"
    result = run_nbconv("run", source, out, "-p", "name", "it's me; rm -rf x", "-p", "count", "3",
                        "-y", "items: [a, b c]\nflag: true")
    assert result.returncode == 0, result.stderr.decode()
    nb = read(out)
    assert text(nb["cells"][1]) == ("# Parameters\nitems=(a 'b c')\nflag=true\n"  # -y before -p
                                    "name='it'\"'\"'s me; rm -rf x'\ncount=3")
    assert stdout_of(nb["cells"][2]) == "hello it's me; rm -rf x x3 b c true\n"
    assert nb["metadata"]["kernelspec"]["name"] == "bash"


def test_translators_for_r_julia_and_unknown_language(tmp_path):
    values = {"s": 'say "hi" $x\n', "n": None, "b": True, "f": 1.5, "l": [1, "a"], "d": {"k": 2}}
    assert translator_for("R").source(values).splitlines() == [
        "# Parameters", 's = "say \\"hi\\" $x\\n"', "n = NULL", "b = TRUE", "f = 1.5",
        'l = list(1, "a")', 'd = list("k" = 2)']
    assert translator_for("julia").source(values).splitlines() == [
        "# Parameters", 's = "say \\"hi\\" \\$x\\n"', "n = nothing", "b = true", "f = 1.5",
        'l = [1, "a"]', 'd = Dict("k" => 2)']
    assert translator_for("python").source({"x": float("nan"), "t": (1, 2)}) == \
        "# Parameters\nx = float('nan')\nt = (1, 2)"
    scala = {"kernelspec": {"name": "scala", "display_name": "Scala", "language": "scala"}}
    source = write(tmp_path / "scala.ipynb", code("x = 1", "parameters"), metadata=scala)
    result = run_nbconv("run", source, tmp_path / "scala-out.ipynb", "-p", "x", "2", "--prepare-only")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"nbconv: error: {source}: parameters cannot be written in scala (nbconv knows bash, julia, python, r)"]
    assert not (tmp_path / "scala-out.ipynb").exists()


@pytest.mark.parametrize("args, message", [
    (["{nb}"], "give OUTPUT"),
    (["{nb}", "{out}", "-b", "%%%"], "-b: not base64"),
    (["{nb}", "{out}", "-y", "a: [1"], "-y: invalid YAML"),
    (["{nb}", "{out}", "-y", "[1, 2]"], "-y: parameters must be a YAML mapping"),
    (["{nb}", "{out}", "-f", "{dir}/missing.yaml"], "missing.yaml: cannot read parameters"),
    (["{nb}", "{out}", "--execution-timeout", "0"], "--execution-timeout needs a positive number"),
    (["{nb}", "{out}", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args, message):
    source = write(tmp_path / "u.ipynb", code("x = 1", "parameters"))
    argv = [a.format(nb=source, out=tmp_path / "o.ipynb", dir=tmp_path) for a in args]
    result = run_nbconv("run", *argv)
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("nbconv run: error: ") and message in line and line.endswith("(see nbconv run --help)")
    assert not (tmp_path / "o.ipynb").exists()


def test_bad_parameter_name_and_timeout_and_missing_kernel(tmp_path):
    source = write(tmp_path / "t.ipynb", code("x = 1", "parameters"), code("import time\ntime.sleep(60)"))
    result = run_nbconv("run", source, tmp_path / "o.ipynb", "-p", "not a name", "1")
    assert result.returncode == 2 and "'not a name' is not a valid Python variable name" in result.stderr.decode()
    start = time.monotonic()
    result = run_nbconv("run", source, tmp_path / "o.ipynb", "--execution-timeout", "1")
    assert result.returncode == 7, result.stderr.decode()
    assert time.monotonic() - start < 50
    assert read(tmp_path / "o.ipynb")["cells"][3]["metadata"]["papermill"]["status"] == "failed"
    aliases = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else '*a'] * 10)}]\n" for i in range(8))
    result = run_nbconv("run", source, tmp_path / "o.ipynb", "-y", aliases)  # 10**9 values written out
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"nbconv: error: {source}: the parameters hold over 1000000 values"]
    result = run_nbconv("run", source, tmp_path / "k.ipynb", "-k", "no-such-kernel")
    assert result.returncode == 8 and "no kernel named 'no-such-kernel'" in result.stderr.decode()
    assert not (tmp_path / "k.ipynb").exists()



@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_zz_no_kernel_started_by_these_runs_is_left():
    """Runs last in this file: failed, timed-out and interrupted runs stopped their kernels."""
    deadline = time.monotonic() + 10
    while kernels_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernels_alive() == []
