"""Customising output: user templates, template chains, plugins, preprocessors, config."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from conftest import run_nbconv

# A 1x1 PNG, so the notebook has an image output to override.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5fe4c"
    "d10000000049454e44ae426082")).decode()


def write_notebook(path: Path) -> Path:
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Title here"},
            {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1,
             "source": "make_plot()",
             "outputs": [{"output_type": "display_data", "metadata": {},
                          "data": {"image/png": PNG, "text/plain": "<Figure>"}}]},
        ],
    }
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def convert(tmp_path: Path, *args: str, **kwargs) -> str:
    nb = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "html", nb, "--stdout", *args, cwd=tmp_path, **kwargs)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_user_template_overrides_input_and_data_png_of_lab(tmp_path):
    write(tmp_path / "tpl" / "mine" / "index.html.j2", """\
        {%- extends 'lab/index.html.j2' -%}
        {%- block input -%}<pre class="my-input">{{ cell.source }}</pre>{%- endblock input -%}
        {%- block data_png -%}<p class="my-png">{{ output.data['image/png'] | length }} base64 chars</p>{%- endblock data_png -%}
        """)
    page = convert(tmp_path, "--template-path", tmp_path / "tpl", "--template", "mine")
    assert '<pre class="my-input">make_plot()</pre>' in page
    assert f'<p class="my-png">{len(PNG)} base64 chars</p>' in page
    assert "data:image/png" not in page  # the lab image markup was replaced
    assert "<!DOCTYPE html>" in page and "jp-MarkdownCell" in page  # the rest is lab's


def write_all_outputs_notebook(path: Path) -> Path:
    """One code cell with a stream, a display output and an error, plus a raw cell."""
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 7,
             "source": "run()",
             "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": "printed"},
                 {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "shown"}},
                 {"output_type": "error", "ename": "Boom", "evalue": "bad", "traceback": []},
             ]},
            {"cell_type": "raw", "id": "r", "metadata": {}, "source": "raw text"},
        ],
    }
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.mark.parametrize("base, to", [("lab/index.html.j2", "html"), ("basic/index.html.j2", "html"),
                                      ("latex/base.tex.j2", "latex")])
def test_nested_block_overrides_see_cell_output_and_mimetype(tmp_path, base, to):
    """Blocks nested deep in base/null.j2 still get the cell, the output and the mimetype."""
    template = write(tmp_path / f"mine.{to}.j2", """\
        {%- extends '""" + base + """' -%}
        {%- block codecell -%}[codecell {{ cell.id }}]{{ super() }}{%- endblock codecell -%}
        {%- block input_group -%}[input_group {{ cell.execution_count }}]{{ super() }}{%- endblock input_group -%}
        {%- block in_prompt -%}[in_prompt {{ cell.execution_count }}]{%- endblock in_prompt -%}
        {%- block input -%}[input {{ cell.source }}]{%- endblock input -%}
        {%- block outputs -%}[outputs {{ cell.outputs | length }}]{{ super() }}{%- endblock outputs -%}
        {%- block stream -%}[stream {{ output.name }}]{{ super() }}{%- endblock stream -%}
        {%- block stream_stdout -%}[stdout {{ output.text }} of {{ cell.id }}]{%- endblock stream_stdout -%}
        {%- block data_priority -%}[priority {{ output.output_type }}]{{ super() }}{%- endblock data_priority -%}
        {%- block data_text -%}[text {{ mimetype }}={{ output.data[mimetype] }}]{%- endblock data_text -%}
        {%- block error -%}[error {{ output.ename }} in {{ cell.id }}]{%- endblock error -%}
        {%- block rawcell -%}[raw {{ cell.source }}]{%- endblock rawcell -%}
        """)
    nb = write_all_outputs_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", to, nb, "--stdout", "--template-file", template, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    page = result.stdout.decode()
    for piece in ("[codecell c]", "[input_group 7]", "[in_prompt 7]", "[input run()]", "[outputs 3]",
                  "[stream stdout]", "[stdout printed of c]", "[priority display_data]",
                  "[text text/plain=shown]", "[error Boom in c]", "[raw raw text]"):
        assert piece in page, piece


def test_template_file_extending_basic(tmp_path):
    template = write(tmp_path / "one.html.j2", """\
        {%- extends 'basic/index.html.j2' -%}
        {%- block body_header -%}<section class="embedded">{%- endblock body_header -%}
        {%- block body_footer -%}</section>{%- endblock body_footer -%}
        """)
    page = convert(tmp_path, "--template-file", template)
    assert page.lstrip().startswith('<section class="embedded">')
    assert page.rstrip().endswith("</section>")
    assert "<html" not in page  # basic has no page around the body
    assert "Title here" in page


def test_template_chain_three_levels_with_conf_preprocessors(tmp_path):
    """top (conf only) -> middle (a file that extends) -> lab (shipped)."""
    write(tmp_path / "tpl" / "top" / "conf.json", json.dumps(
        {"base_template": "middle", "preprocessors": ["shout_pre:Shout"]}))
    write(tmp_path / "tpl" / "middle" / "conf.toml", 'base_template = "lab"\n')
    write(tmp_path / "tpl" / "middle" / "index.html.j2", """\
        {%- extends 'lab/index.html.j2' -%}
        {%- block markdowncell -%}<div class="middle">{{ super() }}</div>{%- endblock markdowncell -%}
        """)
    write(tmp_path / "mods" / "shout_pre.py", """\
        class Shout:
            def __call__(self, nb, resources):
                for cell in nb.cells:
                    if cell.cell_type == "markdown":
                        cell.source = cell.source.upper()
                return nb, resources
        """)
    page = convert(tmp_path, "--template-path", tmp_path / "tpl", "--template", "top",
                   path=(tmp_path / "mods",))
    assert '<div class="middle">' in page
    assert "TITLE HERE" in page  # the preprocessor named by the top template's conf ran
    assert "<!DOCTYPE html>" in page


def test_search_order_cli_then_env_then_user_dir(tmp_path):
    for where in ("cli", "env", "user/nbconv/templates"):
        write(tmp_path / where / "pick" / "index.html.j2",
              "{%- extends 'basic/index.html.j2' -%}{%- block body_header -%}from "
              + where.split("/")[0] + "{%- endblock body_header -%}")
    env = {"NBCONV_TEMPLATE_PATH": str(tmp_path / "env"), "XDG_DATA_HOME": str(tmp_path / "user")}
    assert "from cli" in convert(tmp_path, "--template", "pick", "--template-path", tmp_path / "cli", env=env)
    assert "from env" in convert(tmp_path, "--template", "pick", env=env)
    assert "from user" in convert(tmp_path, "--template", "pick", env={"XDG_DATA_HOME": str(tmp_path / "user")})


def test_missing_template_names_it(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "html", nb, "--template", "nowhere", cwd=tmp_path)
    assert result.returncode == 5
    assert "template 'nowhere' not found" in result.stderr.decode()
    assert not (tmp_path / "nb.html").exists()


PLUGIN = """\
from pathlib import Path
Path(__file__).with_name("imported.marker").write_text("yes")

from converter.exporters.base import Exporter


class ShoutExporter(Exporter):
    output_extension = ".shout"

    def render(self, nb, resources):
        return "\\n".join(cell.source.upper() for cell in nb.cells) + "\\n"
"""


def install_plugin(site: Path) -> None:
    """A distribution on sys.path, as pip would leave it: module + dist-info with an entry point."""
    write(site / "shoutplugin.py", PLUGIN)
    info = site / "shoutplugin-1.2.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: shoutplugin\nVersion: 1.2\n"
                             "Summary: Notebook cells in capital letters\n")
    write(info / "entry_points.txt", "[nbconv.exporters]\nshout = shoutplugin:ShoutExporter\n")


def test_plugin_exporter_is_listed_without_import_and_usable(tmp_path):
    site = tmp_path / "site"
    install_plugin(site)
    listing = run_nbconv("--list-formats", path=(site,))
    assert listing.returncode == 0, listing.stderr.decode()
    lines = listing.stdout.decode().splitlines()
    assert any(line.startswith("html ") for line in lines)
    shout = [line for line in lines if line.startswith("shout ")]
    assert shout and "Notebook cells in capital letters" in shout[0] and "shoutplugin 1.2" in shout[0]
    assert not (site / "imported.marker").exists(), "listing formats imported the plugin"

    nb = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "shout", nb, path=(site,))
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "nb.shout").read_text() == "# TITLE HERE\nMAKE_PLOT()\n"


def test_exporter_as_module_colon_class(tmp_path):
    site = tmp_path / "site"
    install_plugin(site)
    nb = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "shoutplugin:ShoutExporter", nb, "--stdout", path=(site,))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "# TITLE HERE\nMAKE_PLOT()\n"
    bad = run_nbconv("--to", "shoutplugin:Nope", nb, path=(site,))
    assert bad.returncode == 5 and "has no attribute 'Nope'" in bad.stderr.decode()


def test_custom_preprocessors_from_cli_run_in_order(tmp_path):
    write(tmp_path / "mods" / "steps.py", """\
        from converter.pipeline import Preprocessor

        class AddA(Preprocessor):
            def preprocess_cell(self, cell, resources, index):
                cell.source += " A"

        class AddB(Preprocessor):
            def preprocess_cell(self, cell, resources, index):
                cell.source += " B"
        """)
    page = convert(tmp_path, "--preprocessor", "steps:AddB", "--preprocessor", "steps:AddA",
                   "--clear-output", path=(tmp_path / "mods",))
    assert "Title here B A" in page
    assert "data:image/png" not in page  # the built-in --clear-output ran too


def test_config_precedence_file_then_env_then_cli(tmp_path):
    write(tmp_path / "pyproject.toml", """\
        [tool.nbconv]
        theme = "dark"
        no-prompt = true

        [tool.nbconv.html]
        template = "basic"
        """)
    # file: basic template, dark theme (theme only shows in lab), no prompts
    page = convert(tmp_path)
    assert "<html" not in page and "In&nbsp;[" not in page
    # env beats file
    page = convert(tmp_path, env={"NBCONV_TEMPLATE": "lab", "NBCONV_NO_PROMPT": "false"})
    assert 'data-nbconv-theme="dark"' in page and "In&nbsp;[" in page
    # command line beats env
    page = convert(tmp_path, "--theme", "light", env={"NBCONV_TEMPLATE": "lab"})
    assert 'data-nbconv-theme="light"' in page

    shown = run_nbconv("--show-config", cwd=tmp_path, env={"NBCONV_THEME": "light"})
    text = shown.stdout.decode()
    assert shown.returncode == 0
    assert f"# config file: {tmp_path / 'pyproject.toml'} [tool.nbconv]" in text
    line = {l.split()[0]: l for l in text.splitlines() if not l.startswith("#")}
    assert "'basic'" in line["template"] and "[tool.nbconv.html]" in line["template"]
    assert "'light'" in line["theme"] and "env NBCONV_THEME" in line["theme"]
    assert "true" in line["no-prompt"] and "[tool.nbconv]" in line["no-prompt"]
    assert "default" in line["output-dir"]


def test_nbconv_toml_is_found_from_a_subdirectory(tmp_path):
    write(tmp_path / "nbconv.toml", 'template = "basic"\n')
    (tmp_path / "sub").mkdir()
    shown = run_nbconv("--show-config", cwd=tmp_path / "sub")
    assert f"# config file: {tmp_path / 'nbconv.toml'}" in shown.stdout.decode()


@pytest.mark.parametrize("content, message", [
    ('[tool.nbconv]\nthem = "dark"\n', "unknown key 'them' in {file} [tool.nbconv]"),
    ('[tool.nbconv.html]\nno-inptu = true\n', "unknown key 'no-inptu' in {file} [tool.nbconv.html]"),
    ('[tool.nbconv]\nno-input = "maybe"\n', "{file} [tool.nbconv]: --no-input must be true or false"),
    ('[tool.nbconv]\ntheme = "purple"\n', "--theme must be one of light, dark"),
])
def test_config_errors_name_key_and_file(tmp_path, content, message):
    config = write(tmp_path / "pyproject.toml", content)
    nb = write_notebook(tmp_path / "nb.ipynb")
    result = run_nbconv("--to", "html", nb, cwd=tmp_path)
    assert result.returncode == 2
    assert message.format(file=config) in result.stderr.decode()
    assert not (tmp_path / "nb.html").exists()


@pytest.mark.parametrize("setting", ['timeout = 100', 'notebook-timeout = 100', 'cluster = "local:2"',
                                     'kernel = "python3"', 'log-output = true', 'allow-errors = true',
                                     'cache = "c"', 'cache-size = "5M"', 'retries = 2'])
def test_execution_settings_in_a_config_file_are_unused_without_execute(tmp_path, setting):
    """A project's execution defaults must not break its plain conversions; on the command
    line the same flag without --execute is still refused."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.nbconv]\n{setting}\n")
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print('not run')"}]}))
    result = run_nbconv("--to", "html", nb, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "nb.html").read_text()
    assert "print" in page and "<pre>not run" not in page, "converted, not executed"
    flag = "--" + setting.split(" = ")[0]
    value = [] if setting.endswith("true") else [setting.split(" = ")[1].strip('"')]
    refused = run_nbconv("--to", "html", flag, *value, nb, cwd=tmp_path)
    assert refused.returncode == 2 and f"{flag} only applies with --execute".encode() in refused.stderr
