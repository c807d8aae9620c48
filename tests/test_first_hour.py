"""The first hour of a new user (issue 18, items 15-18 and 20-24): each problem they met."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat import v4

from conftest import FIXTURES, REPO, run_nbconv
from nbbuild import code, markdown, notebook, write

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nbconv: error: "), lines
    return lines[0]


def small_notebook(directory: Path, name: str = "nb") -> Path:
    image = v4.new_output("display_data", data={"image/png": base64.b64encode(PNG).decode(), "text/plain": "fig"})
    return write(notebook(markdown("# Title"), code("plot()", [image])), directory / f"{name}.ipynb")


# 15. A glob that matches nothing, on the parallel (-j) path.

def test_glob_matching_nothing_in_parallel_is_one_line_and_exit_3(tmp_path):
    result = run_nbconv("--to", "html", "-j", "2", "nope/*.ipynb", cwd=tmp_path)
    assert result.returncode == 3
    assert one_error_line(result) == "nbconv: error: nope/*.ipynb: no file matches this pattern"


# 16. A plain clone (no ../shared beside it) passes the test that needs the corpus.

def test_refusal_test_passes_on_a_plain_clone(tmp_path):
    clone = tmp_path / "clone"
    for part in ("converter", "templates", "tests"):
        shutil.copytree(REPO / part, clone / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", clone)
    assert not (tmp_path / "shared").exists()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-rs",
         "tests/test_viewer_refusals.py"],
        cwd=clone, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PYTHONPATH": str(clone), "NBCONV_REQUIRE_TOOLS": "0"},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "shared is absent" in result.stdout  # skipped, saying why


# 17. Side files cannot go with a result on standard output.

def test_extract_outputs_with_stdout_is_refused(tmp_path):
    path = small_notebook(tmp_path)
    result = run_nbconv("--to", "html", "--extract-outputs", "--stdout", path)
    assert result.returncode == 5
    assert "--extract-outputs" in one_error_line(result)
    assert result.stdout == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]


# 18. Cells are counted from 1 in every message.

def test_schema_errors_count_cells_from_one(tmp_path):
    cells = [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "x"},
             {"cell_type": "code", "id": "b", "metadata": {}, "source": "", "outputs": [], "execution_count": "7"}]
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    result = run_nbconv("--to", "html", path)
    assert result.returncode == 3
    assert "invalid notebook: cell 2 of 2 (code), field execution_count" in one_error_line(result)
    cli_md = (REPO / "CLI.md").read_text(encoding="utf-8")
    assert "cell 3 of 12" in cli_md and not re.search(r"cell \d+/\d+", cli_md)


# 20. A reader that stops early (``| head -1``) ends nbconv quietly.

@pytest.mark.parametrize("args", [("--show-config",), ("--to", "html", "--stdout", str(FIXTURES / "tour.ipynb"))])
def test_closed_standard_output_gives_no_traceback(args):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "converter", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    process.stdout.close()  # nobody reads: every write meets a broken pipe
    _, err = process.communicate(timeout=120)
    assert err == b"", err.decode()[-2000:]
    assert process.returncode == 141


# 21. The config file: paths from its own folder, suggestions, TOML booleans.

def test_config_file_paths_are_relative_to_its_folder(tmp_path):
    (tmp_path / "nbconv.toml").write_text('output-dir = "site"\n')
    work = tmp_path / "notebooks"
    work.mkdir()
    small_notebook(work)
    result = run_nbconv("nb.ipynb", cwd=work)
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "site" / "nb.html").is_file()
    assert not (work / "site").exists()


def test_config_file_template_path_is_relative_to_its_folder(tmp_path):
    (tmp_path / "nbconv.toml").write_text('template-path = ["tpl"]\ntemplate = "mine"\n')
    mine = tmp_path / "tpl" / "mine"
    mine.mkdir(parents=True)
    (mine / "index.html.j2").write_text("{%- extends 'lab/index.html.j2' -%}\n"
                                       "{%- block input -%}<p>from the project's template</p>{%- endblock input -%}\n")
    work = tmp_path / "notebooks"
    work.mkdir()
    small_notebook(work)
    result = run_nbconv("nb.ipynb", "--stdout", "--trust-config", cwd=work)
    assert result.returncode == 0, result.stderr.decode()
    assert b"<p>from the project's template</p>" in result.stdout


@pytest.mark.parametrize("line, expected", [
    ('outptu-dir = "x"', "unknown key 'outptu-dir' in nbconv.toml; did you mean 'output-dir'?"),
    ('execute = "yes"', "--execute must be true or false, got 'yes'"),
    ("execute = 1", "--execute must be true or false, got 1"),
])
def test_config_file_mistakes(tmp_path, line, expected):
    (tmp_path / "nbconv.toml").write_text(line + "\n")
    small_notebook(tmp_path)
    result = run_nbconv("nb.ipynb", cwd=tmp_path)
    assert result.returncode == 2
    assert one_error_line(result).removesuffix("; see nbconv --help").endswith(
        expected.replace("nbconv.toml", str(tmp_path / "nbconv.toml")))
    assert not (tmp_path / "nb.html").exists()


# 22. --help names the subcommands and the formats.

def test_help_lists_subcommands_and_formats():
    result = run_nbconv("--help")
    assert result.returncode == 0
    out = result.stdout.decode()
    for command in ("nbconv serve", "nbconv run", "nbconv cache"):
        assert command in out
    formats = re.search(r"formats for --to: ([^;]+);", out).group(1).split(", ")
    assert {"html", "pdf", "latex", "markdown", "rst", "script", "notebook"} <= set(formats)
    assert "--list-formats" in out


# 23. --embed-images also embeds <img src> written as HTML, under the same rules.

def test_embed_images_embeds_html_img_inside_the_folder_only(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "local.png").write_bytes(PNG)
    (tmp_path / "outside.png").write_bytes(PNG)
    path = write(notebook(markdown('<img src="local.png" width="20">\n\n'
                                   'and <img src="../outside.png"> <img src="/etc/passwd">')), folder / "nb.ipynb")
    result = run_nbconv("--to", "html", "--embed-images", "--stdout", path)
    assert result.returncode == 0, result.stderr.decode()
    page = result.stdout.decode()
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert f'<img src="{uri}" width="20">' in page
    assert '<img src="../outside.png">' in page and '<img src="/etc/passwd">' in page
    plain = run_nbconv("--to", "html", "--stdout", path).stdout.decode()
    assert '<img src="local.png" width="20">' in plain  # only when asked


# 24. The README's first command leaves the checkout clean.

def test_readme_first_command_leaves_the_clone_clean(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)\n```", readme, re.S).group(1)
    command = first.split("&&")[-1].split()
    assert command[0] == "nbconv"
    clone = tmp_path / "clone"
    (clone / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(FIXTURES / "tour.ipynb", clone / "tests" / "fixtures")
    shutil.copy(REPO / ".gitignore", clone)
    quiet = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
             "GIT_COMMITTER_EMAIL": "t@t"}
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "clone"]):
        subprocess.run([git, *step], cwd=clone, check=True, env=quiet)
    result = run_nbconv(*command[1:], cwd=clone)
    assert result.returncode == 0, result.stderr.decode()
    assert "tour" in result.stderr.decode()  # it did write the page somewhere
    status = subprocess.run([git, "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_a_user_without_a_home_folder_can_convert(tmp_path):
    """A container user with no passwd entry and no HOME: no user config, templates or
    cache folder, and the conversion works (Path.home() would raise)."""
    from conftest import REPO, need

    need(shutil.which("unshare") is not None, "unshare not installed (util-linux)")
    small_notebook(tmp_path)
    env = {key: value for key, value in os.environ.items()
           if key not in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "NBCONV_CACHE_DIR")}
    env["PYTHONPATH"] = str(REPO)
    probe = subprocess.run(["unshare", "--user", "--map-user=54321", "true"], capture_output=True)
    need(probe.returncode == 0, "user namespaces are not available here")
    result = subprocess.run(["unshare", "--user", "--map-user=54321", sys.executable, "-m", "converter",
                             "nb.ipynb", "--stdout"], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert b"<!DOCTYPE html>" in result.stdout and not result.stderr
