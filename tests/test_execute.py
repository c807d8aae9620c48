"""Execution on a real ipykernel: outputs, tags, parameters, failures, batches, clean-up.

Every kernel these tests start carries NBCONV_TEST_SESSION in its environment; the last
test checks that none of them is still alive.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import REPO, kernels_alive, run_nbconv
from converter.errors import CellTimeoutError, ExecutionError, KernelNotFoundError
from converter.execute import ExecutePreprocessor, choose_kernel
from converter.pipeline import Pipeline, Resources
from converter.preprocessors import InjectParametersPreprocessor

pytest.importorskip("ipykernel")
pytest.importorskip("nbclient")



def code(source: str, *tags: str):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def write(path: Path, *cells, **metadata) -> Path:
    nb = new_notebook(cells=list(cells))
    nb.metadata.update(metadata)
    nbformat.write(nb, path)
    return path


def test_kernel_outputs_tags_parameters_and_working_directory(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# A report"),
        code("alpha = 1\nlabel = 'default'", "parameters"),
        # every piece flushed in order: ipykernel flushes stdout and stderr on their own timers,
        # so an unflushed stderr line may land between two stdout ones (a third output)
        code("import sys\nprint('a')\nsys.stdout.flush()\nprint('b')\nsys.stdout.flush()\n"
             "print(f'{alpha} {label}')\nsys.stdout.flush()\nprint('c', file=sys.stderr)\nsys.stderr.flush()"),
        code("from IPython.display import display, HTML, update_display, clear_output\n"
             "display(HTML('<b>bold</b>'))\nhandle = display('first', display_id='d1')"),
        code("update_display('second', display_id='d1')"),
        code("print('gone')\nclear_output(wait=True)\nprint('kept')"),
        code("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"),
        code("raise SystemExit('a skipped cell ran')", "skip-execution"),
        code("1 / 0", "raises-exception"),
        code("import os\nos.getcwd(), os.environ['NBCONV_EXTRA']"),
        code("6 * 7"),
        code("from ipykernel.comm import Comm\n"  # what an ipywidgets slider sends on creation
             "slider = Comm(target_name='jupyter.widget', data={'state': {'_model_name': 'IntSliderModel',"
             " '_model_module': '@jupyter-widgets/controls', '_model_module_version': '2.0.0', 'value': 7},"
             " 'buffer_paths': []})"),
    ])
    seen = []
    pipeline = Pipeline([
        InjectParametersPreprocessor({"alpha": 5, "label": "from CLI"}),
        ExecutePreprocessor(env={"NBCONV_EXTRA": "yes"},
                            on_cell=lambda res, index, count, elapsed: seen.append((index, count))),
    ])
    nb, _ = pipeline(nb, Resources(name="report", dir=tmp_path))
    cells = nb.cells
    injected = cells[2]
    assert injected.metadata.tags == ["injected-parameters"]
    assert injected.source == "# Parameters\nalpha = 5\nlabel = 'from CLI'"

    streams = {o.name: o.text for o in cells[3].outputs}
    assert streams == {"stdout": "a\nb\n5 from CLI\n", "stderr": "c\n"}  # pieces coalesced
    assert [o.output_type for o in cells[3].outputs].count("stream") == 2

    html, shown = cells[4].outputs
    assert html.data["text/html"] == "<b>bold</b>"
    assert shown.data["text/plain"] == "'second'"  # updated from the next cell by display_id
    assert cells[5].outputs == []  # update_display shows nothing where it is called
    assert [o.text for o in cells[6].outputs] == ["kept\n"]

    (png,) = [o for o in cells[7].outputs if o.output_type == "display_data"]
    assert base64.b64decode(png.data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")

    assert cells[8].outputs == [] and cells[8].execution_count is None  # skip-execution
    (error,) = cells[9].outputs
    assert (error.output_type, error.ename) == ("error", "ZeroDivisionError")

    (result,) = cells[10].outputs
    assert result.data["text/plain"] == repr((str(tmp_path), "yes"))
    assert cells[11].outputs[0].data["text/plain"] == "42"
    counts = [c.execution_count for c in cells if c.cell_type == "code" and c.execution_count]
    assert counts == list(range(1, 12))  # 12 code cells, one skipped

    assert nb.metadata.language_info.name == "python"
    assert nb.metadata.kernelspec.name == "python3"
    assert seen == [(i, len(cells)) for i in range(len(cells))]
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    (widget,) = state.values()
    assert (widget["model_name"], widget["state"]["value"]) == ("IntSliderModel", 7)


def test_interrupted_timeout_with_allow_errors_goes_on_in_the_same_kernel(tmp_path):
    nb = new_notebook(cells=[code("x = 'alive'"), code("import time\ntime.sleep(60)"), code("print(x)")])
    ExecutePreprocessor(timeout=1, interrupt_on_timeout=True, allow_errors=True)(nb, Resources(dir=tmp_path))
    assert nb.cells[2].outputs[0].text == "alive\n"  # interrupted, not restarted


def test_library_error_names_cell_and_exception_and_keeps_partial_results(tmp_path):
    nb = new_notebook(cells=[code("print('first')"), code("raise ValueError('bad value\\nsecond line')"),
                             code("print('never')")])
    with pytest.raises(ExecutionError) as caught:
        ExecutePreprocessor()(nb, Resources(dir=tmp_path))
    assert str(caught.value).splitlines()[0] == "cell 2 of 3: ValueError: bad value"  # then the traceback, as nbconvert
    assert caught.value.exit_code == 6
    assert nb.cells[0].outputs[0].text == "first\n"
    assert nb.cells[1].outputs[0].ename == "ValueError"
    assert nb.cells[2].outputs == []


def test_kernel_choice_by_name_then_language_then_missing():
    python = new_notebook(metadata={"kernelspec": {"name": "no-such-env", "display_name": "Env", "language": "python"}})
    assert choose_kernel(python).name == "python3"
    assert choose_kernel(new_notebook()).name == "python3"
    fortran = new_notebook(metadata={"kernelspec": {"name": "fortran9", "display_name": "F", "language": "fortran"}})
    with pytest.raises(KernelNotFoundError, match="kernel 'fortran9' \\(language fortran\\), which is not installed"):
        choose_kernel(fortran)
    with pytest.raises(KernelNotFoundError, match="no kernel named 'nope' is installed \\(installed: .*python3"):
        choose_kernel(python, "nope")


# --- the command line -------------------------------------------------------------


def one_error_line(result) -> str:
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("nbconv: error: ")
    return lines[0]


def test_cli_failing_cell_writes_partial_notebook_when_output_asked(tmp_path):
    source = write(tmp_path / "fails.ipynb", code("print('ran')"), code("{}['missing']"), code("print('not run')"))
    result = run_nbconv("--execute", "--to", "notebook", source, "--output", "executed")
    assert result.returncode == 6
    line = one_error_line(result)
    assert f"{source}: cell 2 of 3: KeyError: 'missing'" in line
    assert "partly executed notebook written to" in line
    partial = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    assert partial.cells[0].outputs[0].text == "ran\n"
    assert partial.cells[1].outputs[0].ename == "KeyError"
    assert partial.cells[2].outputs == [] and partial.cells[2].execution_count is None


def test_cli_inplace_failure_leaves_the_file_byte_for_byte(tmp_path):
    source = write(tmp_path / "nb.ipynb", code("print(1)"), code("1 / 0"))
    source.write_bytes(source.read_bytes().replace(b'"cells"', b'"cells"  '))  # not how we would write it
    before = source.read_bytes()
    result = run_nbconv("--execute", "--to", "notebook", "--inplace", source)
    assert result.returncode == 6
    assert "cell 2 of 2: ZeroDivisionError: division by zero" in one_error_line(result)
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]  # no temporary left


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_cli_inplace_success_replaces_the_notebook(tmp_path):
    source = write(tmp_path / "nb.ipynb", code("print('hello')"))
    result = run_nbconv("--execute", "--to", "notebook", "--inplace", source)
    assert result.returncode == 0, result.stderr
    executed = nbformat.read(source, as_version=4)
    assert executed.cells[0].outputs[0].text == "hello\n"
    assert source.read_text(encoding="utf-8").endswith("}\n")
    # stderr is not a terminal here, and --progress was not given: only the result line
    assert result.stderr.decode() == f"{source} -> {source}\n"


def test_cli_inplace_keeps_the_notebooks_permissions(tmp_path):
    source = write(tmp_path / "nb.ipynb", code("print('hello')"))
    source.chmod(0o640)
    result = run_nbconv("--execute", "--to", "notebook", "--inplace", source)
    assert result.returncode == 0, result.stderr
    assert nbformat.read(source, as_version=4).cells[0].outputs[0].text == "hello\n"
    assert source.stat().st_mode & 0o777 == 0o640
    # a new file still gets the usual mode for the umask
    assert run_nbconv("--to", "notebook", "--output", "copy.ipynb", source).returncode == 0
    assert (tmp_path / "copy.ipynb").stat().st_mode & 0o777 == 0o666 & ~current_umask()


@pytest.mark.parametrize("source, code_, needle", [
    ("import time\ntime.sleep(60)", 7, "cell 1 of 1 timed out after 1 s and was interrupted"),
    ("import os\nos._exit(1)", 9, "cell 1 of 1: the kernel (python3) died"),
    ("name = input('name? ')", 6, "cell 1 of 1 asked for input()"),
], ids=["timeout", "dying-kernel", "input"])
def test_cli_failures_end_in_one_line_and_their_exit_code(tmp_path, source, code_, needle):
    notebook = write(tmp_path / "nb.ipynb", code(source))
    result = run_nbconv("--execute", "--timeout", "1", notebook)
    assert result.returncode == code_, result.stderr
    assert needle in one_error_line(result)
    assert not (tmp_path / "nb.html").exists()


def test_cli_missing_kernelspec(tmp_path):
    notebook = write(tmp_path / "nb.ipynb", code("1"), kernelspec={"name": "julia-9", "language": "julia",
                                                                   "display_name": "Julia"})
    result = run_nbconv("--execute", notebook)
    assert result.returncode == 8
    assert "kernel 'julia-9' (language julia), which is not installed" in one_error_line(result)
    result = run_nbconv("--execute", "--kernel", "no-such-kernel", notebook)
    assert result.returncode == 8
    assert "no kernel named 'no-such-kernel'" in one_error_line(result)
    assert not (tmp_path / "nb.html").exists()


def test_cli_kernel_that_cannot_start(tmp_path, monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "raise SystemExit(3)", "{connection_file}"],
        "display_name": "Broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    notebook = write(tmp_path / "nb.ipynb", code("1"))
    result = run_nbconv("--execute", "--kernel", "broken", notebook)
    assert result.returncode == 9
    assert "the kernel (broken) did not start: its process exited before answering kernel_info" in one_error_line(result)


def test_cli_batch_reports_each_notebook_and_parameters(tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"count": 3, "who": "json"}))
    for name in ("a", "b"):
        write(tmp_path / f"{name}.ipynb", code("count = 0\nwho = 'nobody'", "parameters"),
              code("print(count * 2, who)"))
    write(tmp_path / "c.ipynb", code("assert False, 'c is broken'"))
    result = run_nbconv("--execute", "--to", "notebook", "--output-dir", tmp_path / "out", "-j", "2",
                        "--progress", "--parameters", params, "-p", "who", "cli",
                        *(tmp_path / f"{n}.ipynb" for n in "abc"))
    assert result.returncode == 6
    err = result.stderr.decode()
    assert f"{tmp_path / 'a.ipynb'} -> {tmp_path / 'out' / 'a.ipynb'}" in err
    assert f"{tmp_path / 'b.ipynb'} -> {tmp_path / 'out' / 'b.ipynb'}" in err
    assert f"nbconv: error: {tmp_path / 'c.ipynb'}: cell 2 of 2: AssertionError: c is broken" in err
    assert "a: cell 3 of 3" in err and "b: cell 3 of 3" in err  # progress, asked for explicitly
    for name in ("a", "b"):
        executed = nbformat.read(tmp_path / "out" / f"{name}.ipynb", as_version=4)
        assert executed.cells[1].source == "# Parameters\ncount = 3\nwho = 'cli'"
        assert executed.cells[2].outputs[0].text == "6 cli\n"


def test_cli_ctrl_c_stops_and_leaves_no_kernel(tmp_path):
    notebook = write(tmp_path / "slow.ipynb", code("import time\ntime.sleep(120)"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "converter", "--execute", "--progress", notebook],
                               stderr=subprocess.PIPE, env=env)
    try:
        assert process.stderr.readline().startswith(b"slow: cell 1 of 1, ")  # the cell is running
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err.decode().strip() == "nbconv: interrupted"
    assert not (tmp_path / "slow.html").exists()



@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_zz_no_kernel_started_by_these_tests_is_left():
    """Runs last in this file: every kernel above was shut down, failed runs included."""
    deadline = time.monotonic() + 10  # a kernel told to stop may take a moment to exit
    while kernels_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernels_alive() == []


def test_kernels_exit_gracefully_so_atexit_and_open_files_complete(tmp_path):
    """After the last cell each kernel is asked to stop and left to exit on its own (not
    killed): its atexit handlers run and files the notebook left open are flushed."""
    folders = []
    for index in range(4):
        folder = tmp_path / f"nb{index}"
        folder.mkdir()
        write(folder / "nb.ipynb", code("import atexit, pathlib\n"
                                        "atexit.register(lambda: pathlib.Path('atexit.txt').write_text('ran'))\n"
                                        "f = open('buffered.txt', 'w')\nf.write('kept')"))
        folders.append(folder)
    result = run_nbconv("--execute", "--to", "notebook", "-j", "2", *(f / "nb.ipynb" for f in folders), timeout=300)
    assert result.returncode == 0, result.stderr
    outcomes = [((f / "atexit.txt").exists() and (f / "atexit.txt").read_text(),
                 (f / "buffered.txt").exists() and (f / "buffered.txt").read_text()) for f in folders]
    assert outcomes == [("ran", "kept")] * 4
