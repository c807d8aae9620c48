"""nbconvert's documented library usage, run on nbconv with only the import changed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from nbbuild import code, markdown, notebook, raw

import converter
from converter import (CellExecutionError, ClearOutputPreprocessor, ExecutePreprocessor, ExportError,
                       ExtractOutputPreprocessor, FilesWriter, HTMLExporter, LatexExporter, MarkdownExporter,
                       NotebookExporter, Preprocessor, RegexRemovePreprocessor, ScriptExporter,
                       TagRemovePreprocessor)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def sample():
    image = {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"}, "metadata": {}}
    result = {"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": "'the answer'"},
              "metadata": {"tags": ["drop"]}}
    return notebook(
        markdown("a markdown paragraph"),
        code("source_of_cell_two = 2", [result], 1, tags=["hide"]),
        code("draw()", [image], 2),
        raw("a raw cell"),
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        language_info={"name": "python"},
    )


def executable(*sources: str):
    return notebook(*(code(source, count=None) for source in sources),
                    kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"})


# -- execution, as nbconvert's docs show it ------------------------------------------------

def test_execute_preprocessor_runs_in_metadata_path(tmp_path: Path) -> None:
    work = tmp_path / "notebooks"
    work.mkdir()
    (work / "data.txt").write_text("read from the notebook's folder")
    nb = executable("import os\nprint(os.getcwd())", "print(open('data.txt').read())")
    ep = ExecutePreprocessor(timeout=600, kernel_name="python3")
    resources = {"metadata": {"path": str(work)}}
    out_nb, out_resources = ep.preprocess(nb, resources)
    assert out_nb is nb and out_resources is resources
    assert nb.cells[0].outputs[0]["text"].strip() == str(work.resolve())
    assert nb.cells[1].outputs[0]["text"].strip() == "read from the notebook's folder"
    assert nb.cells[1].execution_count == 2


def test_cell_execution_error_carries_the_traceback(tmp_path: Path) -> None:
    nb = executable("x = 1", "def explode():\n    return 1 / 0\nexplode()", "never = True")
    ep = ExecutePreprocessor(timeout=600, kernel_name="python3")
    assert converter.execute.CellExecutionError is CellExecutionError
    with pytest.raises(CellExecutionError) as caught:
        ep.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    error = caught.value
    message = str(error)
    assert "ZeroDivisionError" in message and "explode()" in message and "return 1 / 0" in message
    assert "\x1b[" not in message, "the traceback text has no terminal colour codes"
    assert error.ename == "ZeroDivisionError" and "division by zero" in error.evalue
    assert isinstance(error, converter.ExecutionError) and error.exit_code == 6
    assert "\n" not in error.summary and error.summary.startswith("cell 2 of 3")
    assert nb.cells[1].outputs[-1]["output_type"] == "error", "the partly run notebook keeps the error"
    assert nb.cells[2].execution_count is None


def test_allow_errors_and_timeout_keywords(tmp_path: Path) -> None:
    nb = executable("1 / 0", "print('after')")
    ExecutePreprocessor(timeout=-1, allow_errors=True, kernel_name="python3").preprocess(nb, {})
    assert nb.cells[0].outputs[0]["ename"] == "ZeroDivisionError" and nb.cells[1].outputs[0]["text"] == "after\n"
    assert "execution" in nb.cells[1].metadata, "cell timings are recorded by default"
    nb = executable("1 / 0", "print('after')")
    ExecutePreprocessor(allow_error_names=["ZeroDivisionError"], record_timing=False).preprocess(nb)
    assert nb.cells[1].outputs[0]["text"] == "after\n" and "execution" not in nb.cells[1].metadata
    with pytest.raises(CellExecutionError):
        ExecutePreprocessor(allow_error_names=["KeyError"]).preprocess(executable("1 / 0"))
    assert ExecutePreprocessor(timeout=-1).timeout is None, "nbconvert's -1 means no limit"


# -- exporters ---------------------------------------------------------------------------

def test_exporters_take_nbconvert_keyword_names() -> None:
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(sample())
    assert not body.startswith("<!DOCTYPE") and "jp-Notebook" in body
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(sample())
    assert "source_of_cell_two" not in body and "the answer" in body
    body, _ = HTMLExporter(exclude_output=True, exclude_markdown=True, exclude_raw=True).from_notebook_node(sample())
    assert "source_of_cell_two" in body and "the answer" not in body
    assert "a markdown paragraph" not in body and "a raw cell" not in body
    body, _ = HTMLExporter(exclude_code_cell=True).from_notebook_node(sample())
    assert "source_of_cell_two" not in body and "a markdown paragraph" in body
    body, _ = HTMLExporter(exclude_input_prompt=True).from_notebook_node(sample())
    assert "In\xa0[" not in body.replace("&nbsp;", "\xa0") and "Out[1]" in body
    body, _ = HTMLExporter(exclude_output_prompt=True).from_notebook_node(sample())
    assert "Out[1]" not in body and "In&nbsp;[1]" in body
    latex, _ = LatexExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(sample())
    assert "\\nbprompt" not in latex.split("\\begin{document}")[1]
    script, _ = ScriptExporter(exclude_input_prompt=True, exclude_markdown=True).from_notebook_node(sample())
    assert "In[" not in script and "markdown paragraph" not in script and "draw()" in script


def test_options_set_after_construction_take_effect() -> None:
    exporter = HTMLExporter()
    exporter.template_name = "basic"
    exporter.exclude_input = True
    assert exporter.template == "basic" and exporter.no_input is True
    assert exporter.template_name == "basic" and exporter.exclude_input is True
    body, _ = exporter.from_notebook_node(sample())
    assert not body.startswith("<!DOCTYPE") and "source_of_cell_two" not in body
    exporter.exclude_input = False
    body, _ = exporter.from_notebook_node(sample())
    assert "source_of_cell_two" in body
    exporter.theme = "dark"
    body, _ = HTMLExporter(theme="light").from_notebook_node(sample())
    exporter.template_name = "lab"
    assert 'data-nbconv-theme="dark"' in exporter.from_notebook_node(sample())[0]
    exporter.theme = "pink"
    with pytest.raises(ExportError, match="pink"):
        exporter.from_notebook_node(sample())
    assert HTMLExporter().file_extension == ".html"


def test_unknown_options_raise() -> None:
    with pytest.raises(TypeError, match="anchor_link_text"):
        HTMLExporter(anchor_link_text="#")
    exporter = HTMLExporter()
    with pytest.raises(AttributeError, match="exclude_inputs"):
        exporter.exclude_inputs = True
    with pytest.raises(TypeError, match="exclude_input"):
        NotebookExporter(exclude_input=True)  # nbconvert's NotebookExporter has no template options
    with pytest.raises(TypeError, match="kernel_manager_class"):
        ExecutePreprocessor(kernel_manager_class="x")
    step = TagRemovePreprocessor()
    with pytest.raises(AttributeError, match="remove_tags"):
        step.remove_tags = {"x"}


def test_resources_dict_in_from_notebook_node_and_files_writer(tmp_path: Path) -> None:
    resources = {"metadata": {"name": "report"}, "output_files_dir": "images"}
    body, returned = MarkdownExporter().from_notebook_node(sample(), resources=resources)
    assert returned is resources and resources["output_extension"] == ".md"
    assert list(resources["outputs"]) == ["images/report_2_0.png"] and "(images/report_2_0.png)" in body
    written = FilesWriter(build_directory=str(tmp_path / "site")).write(body, resources, notebook_name="report")
    assert written == str(tmp_path / "site" / "report.md")
    assert (tmp_path / "site" / "report.md").read_text() == body
    assert (tmp_path / "site" / "images" / "report_2_0.png").read_bytes() == base64.b64decode(PNG)
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["images", "report.md"], "no temporary files"


def test_files_writer_with_exporter_resources(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(sample()))
    body, resources = HTMLExporter(preprocessors=[ExtractOutputPreprocessor()]).from_filename(str(path))
    writer = FilesWriter()
    writer.build_directory = str(tmp_path / "out")
    target = Path(writer.write(body, resources, notebook_name="nb"))
    assert target == tmp_path / "out" / "nb.html" and target.read_text() == body
    assert (tmp_path / "out" / "nb_files" / "nb_2_0.png").is_file()
    assert 'src="nb_files/nb_2_0.png"' in body


# -- preprocessors -----------------------------------------------------------------------

def test_every_preprocessor_has_preprocess_and_takes_a_dict() -> None:
    nb = sample()
    cleared, resources = ClearOutputPreprocessor().preprocess(nb, {"metadata": {"name": "x"}})
    assert cleared is nb and all(not c.get("outputs") for c in nb.cells) and resources["metadata"]["name"] == "x"
    nb = sample()
    TagRemovePreprocessor(remove_cell_tags={"hide"}).preprocess(nb, {})
    assert [c.source for c in nb.cells if c.cell_type == "code"] == ["draw()"]
    nb = sample()
    TagRemovePreprocessor(remove_all_outputs_tags=["hide"], remove_cell_tags=()).preprocess(nb, {})
    assert nb.cells[1].outputs == [] and nb.cells[2].outputs
    nb = sample()
    TagRemovePreprocessor(remove_single_output_tags={"drop"}, remove_cell_tags=()).preprocess(nb, {})
    assert nb.cells[1].outputs == []
    nb = sample()
    RegexRemovePreprocessor(patterns=["^draw"]).preprocess(nb, None)
    assert [c.source for c in nb.cells if c.cell_type == "code"] == ["source_of_cell_two = 2"]
    nb = sample()
    _, resources = ExtractOutputPreprocessor().preprocess(nb, {"metadata": {"name": "nb"}, "outputs": {}})
    assert list(resources["outputs"]) == ["nb_files/nb_2_0.png"]


def test_disabled_steps_and_nbconvert_style_subclasses() -> None:
    class Shout(Preprocessor):  # nbconvert's way: preprocess_cell returns (cell, resources)
        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "markdown":
                cell.source = cell.source.upper()
            return cell, resources

    class Count(Preprocessor):
        def preprocess(self, nb, resources):
            resources["cells"] = self.seen = len(nb.cells)  # a user's class may add attributes
            return nb, resources

    body, resources = MarkdownExporter(preprocessors=[Shout(), Count(), ClearOutputPreprocessor(enabled=False)]
                                       ).from_notebook_node(sample())
    assert "A MARKDOWN PARAGRAPH" in body and "'the answer'" in body and resources["cells"] == 4
    counter = Count()
    _, resources = counter.preprocess(sample(), {"metadata": {}})
    assert resources["cells"] == counter.seen == 4


def test_executed_notebook_round_trip_with_notebook_exporter(tmp_path: Path) -> None:
    """nbconvert's 'execute then save' pattern, ending in a notebook file."""
    nb = executable("print('saved')")
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    body, resources = NotebookExporter().from_notebook_node(nb)
    FilesWriter(build_directory=str(tmp_path)).write(body, resources, notebook_name="executed")
    saved = json.loads((tmp_path / "executed.ipynb").read_text())
    assert "".join(saved["cells"][0]["outputs"][0]["text"]) == "saved\n"


def test_nbconvert_import_paths_are_one_word_away() -> None:
    from converter.exporters import HTMLExporter as exporters_html
    from converter.preprocessors import CellExecutionError as pre_error
    from converter.preprocessors import ExecutePreprocessor as pre_execute
    from converter.writer import FilesWriter as writer

    assert exporters_html is HTMLExporter and pre_execute is ExecutePreprocessor
    assert pre_error is CellExecutionError and writer is FilesWriter


def test_traitlets_config_as_in_nbconvert_docs(tmp_path: Path) -> None:
    """``HTMLExporter(config=c)`` with a traitlets Config: exporter traits, listed and
    enabled preprocessors, each configured from its own section."""
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = ("remove_cell",)
    c.TagRemovePreprocessor.remove_all_outputs_tags = ("remove_output",)
    c.HTMLExporter.preprocessors = ["TagRemovePreprocessor"]
    c.ExecutePreprocessor.enabled = True
    c.ExecutePreprocessor.kernel_name = "python3"
    c.TemplateExporter.exclude_input_prompt = True
    c.HTMLExporter.template_name = "basic"
    nb = executable("import os\nprint('ran in', os.getcwd())", "print('removed cell')", "print('removed output')")
    nb.cells[1].metadata["tags"] = ["remove_cell"]
    nb.cells[2].metadata["tags"] = ["remove_output"]
    body, _ = HTMLExporter(config=c).from_notebook_node(nb, {"metadata": {"path": str(tmp_path)}})
    assert f"ran in {tmp_path.resolve()}" in body and "In&nbsp;[" not in body and not body.startswith("<!DOCTYPE")
    assert "removed cell" not in body and "removed output" in body
    assert "<pre>ran in" in body and "<pre>removed output" not in body, "its output is removed after execution"
    with pytest.raises(TypeError, match="anchor_link_text"):
        HTMLExporter(config={"HTMLExporter": {"anchor_link_text": "#"}})
    with pytest.raises(TypeError, match="SVG2PDFPreprocessor"):
        HTMLExporter(config={"HTMLExporter": {"preprocessors": ["nbconvert.preprocessors.SVG2PDFPreprocessor"]}})


# -- slides: nbconvert's reveal_* traits -----------------------------------------------------

@pytest.mark.parametrize("trait, value, flags", [
    ("reveal_url_prefix", "reveal.js", ["--reveal-prefix", "reveal.js"]),
    ("reveal_theme", "black", ["--reveal-theme", "black"]),
    ("reveal_transition", "fade", ["--reveal-transition", "fade"]),
    ("reveal_scroll", True, ["--reveal-scroll"]),
    ("reveal_number", "c/t", ["--reveal-number", "c/t"]),
])
def test_slides_exporter_takes_nbconvert_reveal_traits(tmp_path: Path, trait: str, value, flags: list[str]) -> None:
    """As a keyword and in ``config=``, each gives the page the native flag gives."""
    from conftest import run_nbconv
    from nbbuild import write

    from converter import SlidesExporter

    path = write(sample(), tmp_path / "deck.ipynb")
    native = run_nbconv("--to", "slides", *flags, "--stdout", path)
    default = run_nbconv("--to", "slides", "--stdout", path)
    assert native.returncode == 0 and native.stdout != default.stdout, native.stderr
    by_keyword, _ = SlidesExporter(**{trait: value}).from_filename(path)
    by_config, _ = SlidesExporter(config={"SlidesExporter": {trait: value}}).from_filename(path)
    assert by_keyword.encode() == by_config.encode() == native.stdout
