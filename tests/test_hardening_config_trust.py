"""A config file found from the working directory cannot make nbconv run code.

A cloned repository's pyproject.toml is someone else's: its template directory (Jinja
templates are code, as the template below shows by writing a file), preprocessor
imports and ``execute`` are refused unless the user passes --trust-config or sets
NBCONV_TRUST_CONFIG=1. The same settings given as flags are the user's own.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import run_nbconv
from nbbuild import markdown, notebook, write

# Runs a shell-free side effect through Jinja's globals, as a hostile template would.
HOSTILE_TEMPLATE = "{{{{ cycler.__init__.__globals__.os.mkdir('{folder}/ran-template-code') }}}}ok\n"
STEP_MODULE = '''
from pathlib import Path

class Mark:
    def __call__(self, nb, resources):
        Path(resources.dir, "ran-preprocessor-code").mkdir()
        return nb, resources
'''


def _project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    (tmp_path / "tpl" / "evil").mkdir(parents=True)
    (tmp_path / "tpl" / "evil" / "index.html.j2").write_text(HOSTILE_TEMPLATE.format(folder=tmp_path), encoding="utf-8")
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "steps.py").write_text(STEP_MODULE, encoding="utf-8")
    write(notebook(markdown("hello")), tmp_path / "nb.ipynb")
    return tmp_path


def _convert(project: Path, *flags: str, env: dict | None = None):
    return run_nbconv("--to", "html", "nb.ipynb", *flags, cwd=project, env=env, path=(project / "mods",))


CODE_CONFIGS = {
    "template-path": ('[tool.nbconv]\ntemplate-path = ["tpl"]\ntemplate = "evil"\n', "ran-template-code"),
    "template-file": ('[tool.nbconv]\ntemplate-file = "tpl/evil/index.html.j2"\n', "ran-template-code"),
    "template": ('[tool.nbconv]\ntemplate = "../../tpl/evil"\n', None),
    "preprocessor": ('[tool.nbconv]\npreprocessor = ["steps:Mark"]\n', "ran-preprocessor-code"),
}


@pytest.mark.parametrize("key", CODE_CONFIGS)
def test_found_config_cannot_run_code(tmp_path, key):
    config, marker = CODE_CONFIGS[key]
    project = _project(tmp_path, config)
    result = _convert(project)
    message = result.stderr.decode()
    assert result.returncode == 2, message
    assert f"{project / 'pyproject.toml'}: {key}" in message and "--trust-config" in message
    assert message.count("\n") == 1  # one line
    assert not (project / "nb.html").exists()
    assert marker is None or not (project / marker).exists()


@pytest.mark.parametrize("key", ["template-path", "template-file", "preprocessor"])
@pytest.mark.parametrize("how", ["flag", "env"])
def test_trusted_config_runs_its_code(tmp_path, key, how):
    config, marker = CODE_CONFIGS[key]
    project = _project(tmp_path, config)
    if how == "flag":
        result = _convert(project, "--trust-config")
    else:
        result = _convert(project, env={"NBCONV_TRUST_CONFIG": "1"})
    assert result.returncode == 0, result.stderr.decode()
    assert (project / marker).is_dir()  # the code did run: the refusal above matters
    assert (project / "nb.html").exists()


def test_found_config_cannot_turn_on_execution(tmp_path):
    project = _project(tmp_path, "[tool.nbconv]\nexecute = true\n")
    result = _convert(project)
    assert result.returncode == 2
    assert "execute would let this file run code" in result.stderr.decode()


def test_the_same_settings_as_flags_are_trusted(tmp_path):
    project = _project(tmp_path, '[tool.nbconv]\ntheme = "dark"\n')
    result = _convert(project, "--template-path", "tpl", "--template", "evil")
    assert result.returncode == 0, result.stderr.decode()
    assert (project / "ran-template-code").is_dir()


def test_data_settings_and_shipped_template_names_need_no_trust(tmp_path):
    project = _project(tmp_path, '[tool.nbconv]\ntheme = "dark"\nno-prompt = true\n[tool.nbconv.html]\ntemplate = "basic"\n')
    result = _convert(project)
    assert result.returncode == 0, result.stderr.decode()
    page = (project / "nb.html").read_text()
    assert "<html" not in page and "hello" in page


def test_trust_cannot_be_granted_by_the_file_itself(tmp_path):
    project = _project(tmp_path, '[tool.nbconv]\ntrust-config = true\npreprocessor = ["steps:Mark"]\n')
    result = _convert(project)
    assert result.returncode == 2
    assert "unknown key 'trust-config'" in result.stderr.decode()
    assert not (project / "ran-preprocessor-code").exists()


def test_the_users_own_config_file_is_trusted_and_below_the_project(tmp_path):
    """~/.config/nbconv/config.toml (XDG_CONFIG_HOME) is the user's: its template path runs
    without --trust-config, relative to its own folder; a project's file overrides it."""
    (tmp_path / "project").mkdir()
    project = _project(tmp_path / "project", '[tool.nbconv]\ntheme = "dark"\n')
    user = tmp_path / "xdg" / "nbconv"
    (user / "mine" / "own").mkdir(parents=True)
    (user / "mine" / "own" / "index.html.j2").write_text(
        "{%- extends 'lab/index.html.j2' -%}{%- block header -%}<meta name='from' content='my own template'>"
        "{{ super() }}{%- endblock header -%}")
    (user / "config.toml").write_text('template-path = ["mine"]\ntemplate = "own"\ntheme = "light"\n'
                                      '[html]\nno-prompt = true\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    result = _convert(project, "--show-config", env=env)
    assert result.returncode == 0, result.stderr.decode()
    shown = {line.split("=")[0].strip(): line for line in result.stdout.decode().splitlines() if "=" in line}
    assert "'dark'" in shown["theme"] and str(project / "pyproject.toml") in shown["theme"]  # project wins
    assert str(user / "config.toml") in shown["template-path"] and str(user / "mine") in shown["template-path"]
    assert "[html]" in shown["no-prompt"]
    result = _convert(project, "--stdout", env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert b"<meta name='from' content='my own template'>" in result.stdout
    assert not (project / "ran-template-code").exists()
