"""The pipeline (issue 2, point 3): ordered steps, user callables anywhere, the
ClearOutputPreprocessor, one notebook object flowing through (no copies) and a single
validation per conversion."""

from __future__ import annotations

from pathlib import Path

import converter.notebook
from converter import (ClearOutputPreprocessor, HTMLExporter, Pipeline, Preprocessor,
                       Resources, export, get_exporter, read_notebook)
from nbbuild import code, markdown, notebook, write
from nbformat import v4


def _sample():
    return notebook(
        markdown("# Title", metadata={"tags": ["keep"], "collapsed": True}),
        code("print(1)", [v4.new_output("stream", name="stdout", text="1\n")], count=4,
             collapsed=True, scrolled=True, ExecuteTime={"start": "x"}, tags=["t"],
             execution={"iopub.status.busy": "x"}),
        code("2", [v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=5)], count=5),
    )


class Recorder(Preprocessor):
    """Marks every cell so later steps can see this one ran first."""

    def __init__(self, name: str, log: list) -> None:
        self.name, self.log = name, log

    def preprocess_cell(self, cell, resources, index) -> None:
        cell.metadata.setdefault("seen", []).append(self.name)
        self.log.append((self.name, index))


def test_steps_run_in_order_with_user_callables_anywhere() -> None:
    log: list = []
    seen_ids: list = []

    def user_step(nb, resources):
        # runs between the two recorders: the first one has marked every cell already
        assert all(cell.metadata["seen"] == ["first"] for cell in nb.cells)
        seen_ids.append(id(nb))
        log.append(("user", None))
        resources.extra["user_ran"] = True
        return nb, resources

    pipeline = Pipeline([Recorder("first", log), Recorder("last", log)])
    pipeline.steps.insert(1, user_step)
    nb = _sample()
    out_nb, resources = pipeline(nb, Resources(name="sample"))
    assert [entry[0] for entry in log] == ["first"] * 3 + ["user"] + ["last"] * 3
    assert out_nb is nb and seen_ids == [id(nb)]
    assert [cell.metadata["seen"] for cell in nb.cells] == [["first", "last"]] * 3
    assert resources["user_ran"] is True and resources["name"] == "sample"
    assert len(pipeline) == 3


def test_step_may_replace_the_notebook() -> None:
    replacement = notebook(markdown("replaced"))
    nb, _ = Pipeline([lambda nb, res: (replacement, res)])(_sample(), Resources())
    assert nb is replacement


def test_exporter_runs_its_preprocessors_on_the_same_object() -> None:
    objects: list = []

    def spy(nb, resources):
        objects.append(nb)
        return nb, resources

    def add_cell(nb, resources):
        nb.cells.append(markdown("added by a user step"))
        return nb, resources

    nb = _sample()
    body, resources = HTMLExporter(preprocessors=[spy, add_cell, spy]).from_notebook_node(nb)
    assert objects == [nb, nb] and objects[0] is nb and objects[1] is nb
    assert "added by a user step" in body
    assert resources.output_extension == ".html"


def test_clear_output_preprocessor() -> None:
    nb = _sample()
    nb, _ = ClearOutputPreprocessor()(nb, Resources())
    first, second, third = nb.cells
    assert second.outputs == [] and third.outputs == []
    assert second.execution_count is None and third.execution_count is None
    assert second.metadata == {"tags": ["t"]}
    # markdown cells have no outputs, but run-time metadata goes from them too
    assert first.metadata == {"tags": ["keep"]}
    # the notebook still validates after clearing
    converter.notebook.validate_notebook(nb, "cleared")


def test_clear_output_selected_metadata() -> None:
    nb = _sample()
    ClearOutputPreprocessor(remove_metadata_fields=frozenset({"tags"}))(nb, Resources())
    assert "tags" not in nb.cells[1].metadata
    assert nb.cells[1].metadata["scrolled"] is True  # only the selected fields go


def test_clear_output_in_the_page(tmp_path: Path) -> None:
    body, _ = HTMLExporter(template="basic", preprocessors=[ClearOutputPreprocessor()]).from_notebook_node(_sample())
    assert "print" in body
    assert "jp-OutputArea" not in body and "Out[" not in body
    assert "In&nbsp;[ ]:" in body and "In&nbsp;[4]" not in body


def test_validation_happens_once(tmp_path: Path, monkeypatch) -> None:
    calls: list = []
    original = converter.notebook.validate_notebook

    def counting(nb, label):
        calls.append(label)
        return original(nb, label)

    monkeypatch.setattr(converter.notebook, "validate_notebook", counting)
    path = write(_sample(), tmp_path / "nb.ipynb")
    steps = [ClearOutputPreprocessor(), lambda nb, r: (nb, r), ClearOutputPreprocessor()]
    HTMLExporter(preprocessors=steps).from_filename(path)
    assert calls == [str(path)]
    calls.clear()
    export("html", read_notebook(path), preprocessors=steps)
    assert len(calls) == 1


def test_no_deep_copy_per_step(monkeypatch) -> None:
    import copy

    copies: list = []
    original = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda *a, **k: copies.append(a) or original(*a, **k))
    steps = [ClearOutputPreprocessor() for _ in range(5)]
    HTMLExporter(preprocessors=steps).from_notebook_node(_sample())
    assert copies == []


def test_resources_carry_name_and_directory(tmp_path: Path) -> None:
    seen: dict = {}

    def look(nb, resources):
        seen.update(name=resources.name, dir=resources["dir"])
        return nb, resources

    path = write(_sample(), tmp_path / "My Report.ipynb")
    body, resources = HTMLExporter(preprocessors=[look]).from_filename(path)
    assert seen == {"name": "My Report", "dir": tmp_path.resolve()}
    assert resources.outputs == {} and resources.get("missing", 7) == 7
    assert "<title>My Report</title>" in body


def test_library_api_entry_points(tmp_path: Path) -> None:
    path = write(_sample(), tmp_path / "nb.ipynb")
    assert get_exporter("html") is get_exporter("HTML") is HTMLExporter
    by_name, _ = HTMLExporter().from_filename(str(path))
    with path.open("rb") as handle:
        by_file, _ = HTMLExporter().from_file(handle)
    by_export, _ = export("html", read_notebook(path))
    assert by_name.startswith("<!DOCTYPE html>")
    # the same notebook gives the same page whichever door it came in by (the title
    # falls back to the resource name, which only from_filename knows)
    assert by_file == by_export
    assert by_name.replace("<title>nb</title>", "<title>notebook</title>") == by_export


def test_unknown_format_is_an_export_error() -> None:
    import pytest
    from converter import ExportError

    with pytest.raises(ExportError, match="unknown format 'nope'"):
        get_exporter("nope")


def test_no_html_reparse_after_rendering(tmp_path: Path) -> None:
    """nbconvert re-parses every page with BeautifulSoup; a conversion here loads no HTML
    parser at all, and no bleach unless --sanitize-html asks for it."""
    import os
    import subprocess
    import sys

    from conftest import FIXTURES, REPO

    probe = (
        "import sys\n"
        "from converter import HTMLExporter\n"
        "sanitize = sys.argv[2] == 'sanitize'\n"
        "body, _ = HTMLExporter(sanitize_html=sanitize).from_filename(sys.argv[1])\n"
        "assert 'ZeroDivisionError' in body\n"
        "parsers = ('bs4', 'html5lib', 'lxml', 'html.parser', 'bleach')\n"
        "print(sorted(m for m in parsers if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    loaded = {}
    for mode in ("plain", "sanitize"):
        result = subprocess.run([sys.executable, "-c", probe, str(FIXTURES / "tour.ipynb"), mode],
                                capture_output=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr.decode()
        loaded[mode] = result.stdout.decode().strip()
    assert loaded["plain"] == "[]"
    assert "'bleach'" in loaded["sanitize"] and "bs4" not in loaded["sanitize"]  # bleach brings its own parser
