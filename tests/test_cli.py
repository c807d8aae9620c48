"""The ``nbconv`` command (issue 2, point 5): inputs, outputs, templates, flags, exit
codes, and a --version that imports nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat import v4

from conftest import REPO, run_nbconv
from nbbuild import by_class, code, elements, markdown, notebook, parse, text, write


def sample(word: str):
    return notebook(markdown(f"# About {word}"),
                    code(f"print('{word}')", [v4.new_output("stream", name="stdout", text=f"{word} out\n")], count=2))


def make(directory: Path, *names: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [write(sample(name), directory / f"{name}.ipynb") for name in names]


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr.decode()
    return result


def page_text(path: Path) -> str:
    return text(parse(path.read_text(encoding="utf-8")))


def test_several_notebooks_and_a_quoted_glob(tmp_path: Path) -> None:
    a, b = make(tmp_path, "alpha", "beta")
    make(tmp_path / "more", "gamma", "delta")
    result = ok(run_nbconv("--to", "html", a, b, str(tmp_path / "more" / "*.ipynb")))
    for path in (tmp_path / "alpha.html", tmp_path / "beta.html",
                 tmp_path / "more" / "gamma.html", tmp_path / "more" / "delta.html"):
        assert path.is_file()
        assert f"{path.stem} out" in page_text(path)
    report = result.stderr.decode()
    assert report.count(" -> ") == 4 and "gamma.html" in report


def test_recursive_glob_and_default_format(tmp_path: Path) -> None:
    make(tmp_path / "a" / "b", "deep")
    ok(run_nbconv(str(tmp_path / "**" / "*.ipynb")))  # --to html is the default
    assert (tmp_path / "a" / "b" / "deep.html").is_file()


def test_glob_matching_nothing(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "real")
    result = run_nbconv(path, str(tmp_path / "none-*.ipynb"))
    assert result.returncode == 3
    assert "none-*.ipynb: no file matches this pattern" in result.stderr.decode()
    assert (tmp_path / "real.html").is_file()  # the others still convert


def test_output_name(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "source")
    ok(run_nbconv(path, "--output", "renamed"))
    assert (tmp_path / "renamed.html").is_file() and not (tmp_path / "source.html").exists()
    ok(run_nbconv(path, "-o", "given.html"))
    assert (tmp_path / "given.html").is_file() and not (tmp_path / "given.html.html").exists()


def test_output_dir_is_created(tmp_path: Path) -> None:
    a, b = make(tmp_path / "in", "one", "two")
    out = tmp_path / "site" / "nested"
    ok(run_nbconv(a, b, "--output-dir", out))
    assert sorted(p.name for p in out.iterdir()) == ["one.html", "two.html"]
    assert not (tmp_path / "in" / "one.html").exists()
    ok(run_nbconv(a, "--output-dir", out, "--output", "named"))
    assert (out / "named.html").is_file()


def test_output_with_several_notebooks_is_a_usage_error(tmp_path: Path) -> None:
    a, b = make(tmp_path, "one", "two")
    result = run_nbconv(a, b, "--output", "x")
    assert result.returncode == 2 and b"--output" in result.stderr
    assert not list(tmp_path.glob("*.html"))


def test_stdout(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "printed")
    result = ok(run_nbconv(path, "--stdout"))
    assert result.stdout.startswith(b"<!DOCTYPE html>")
    assert "printed out" in text(parse(result.stdout.decode()))
    assert list(tmp_path.glob("*.html")) == []


def test_stdin(tmp_path: Path) -> None:
    data = json.dumps(sample("piped")).encode()
    result = ok(run_nbconv("-", stdin=data, cwd=tmp_path))
    assert "piped out" in text(parse(result.stdout.decode()))
    assert list(tmp_path.iterdir()) == []  # stdin goes to stdout by default
    ok(run_nbconv("-", "--output-dir", tmp_path / "o", stdin=data, cwd=tmp_path))
    assert (tmp_path / "o" / "notebook.html").is_file()
    bad = run_nbconv("-", stdin=b"{not json", cwd=tmp_path)
    assert bad.returncode == 3 and b"<stdin>: invalid JSON at line 1" in bad.stderr


def test_stdin_twice_is_a_usage_error(tmp_path: Path) -> None:
    assert run_nbconv("-", "-", stdin=b"{}").returncode == 2


def test_templates_basic_and_lab(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "tmpl")
    lab = ok(run_nbconv(path, "--stdout")).stdout.decode()
    lab_explicit = ok(run_nbconv(path, "--stdout", "--template", "lab")).stdout.decode()
    basic = ok(run_nbconv(path, "--stdout", "--template", "basic")).stdout.decode()
    assert lab == lab_explicit
    assert lab.startswith("<!DOCTYPE html>") and "<style>" in lab and "<title>tmpl</title>" in lab
    assert "<html" not in basic and "<head" not in basic and "<style" not in basic
    assert basic.lstrip().startswith('<div class="jp-Notebook"')
    # the lab page holds the basic body
    assert basic.strip() in lab
    missing = run_nbconv(path, "--template", "nope")
    assert missing.returncode == 5 and b"template 'nope' not found" in missing.stderr


def test_dark_theme(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "dark")
    page = ok(run_nbconv(path, "--stdout", "--theme", "dark")).stdout.decode()
    assert elements(parse(page), "body")[0].get("data-nbconv-theme") == "dark"
    assert run_nbconv(path, "--theme", "pink").returncode == 2


def test_template_file_extending_lab(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "custom")
    template = tmp_path / "tpl" / "mine.html.j2"
    template.parent.mkdir()
    template.write_text(
        "{% extends 'lab/index.html.j2' %}\n"
        "{% block body_header %}<header id=\"banner\">Report {{ title }}</header>{{ super() }}{% endblock body_header %}\n"
        "{% block stream_stdout %}<pre class=\"my-stdout\">{{ output.text }}</pre>{% endblock stream_stdout %}\n",
        encoding="utf-8")
    tree = parse(ok(run_nbconv(path, "--stdout", "--template-file", template)).stdout.decode())
    assert [text(h) for h in elements(tree, "header")] == ["Report custom"]
    assert [text(p) for p in by_class(tree, "my-stdout")] == ["custom out\n"]
    assert by_class(tree, "jp-Notebook") and elements(tree, "style")  # the rest is lab's
    missing = run_nbconv(path, "--template-file", tmp_path / "absent.j2")
    assert missing.returncode == 5 and b"absent.j2: template file not found" in missing.stderr
    broken = tmp_path / "broken.j2"
    broken.write_text("{% block x %}never closed", encoding="utf-8")
    result = run_nbconv(path, "--template-file", broken)
    assert result.returncode == 5 and b"template syntax error" in result.stderr
    assert not (tmp_path / "custom.html").exists()


def test_clear_output(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "cleared")
    before = path.read_bytes()
    body = text(parse(ok(run_nbconv(path, "--stdout", "--clear-output")).stdout.decode()))
    assert "print('cleared')" in body and "cleared out" not in body and "In\xa0[ ]:" in body
    assert path.read_bytes() == before  # the input is not rewritten


def test_no_input_and_no_prompt_flags(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "flags")
    no_input = text(parse(ok(run_nbconv(path, "--stdout", "--no-input")).stdout.decode()))
    assert "print('flags')" not in no_input and "flags out" in no_input and "About flags" in no_input
    no_prompt = text(parse(ok(run_nbconv(path, "--stdout", "--no-prompt")).stdout.decode()))
    assert "In\xa0[" not in no_prompt and "print('flags')" in no_prompt


def test_one_failure_does_not_stop_the_others(tmp_path: Path) -> None:
    first, last = make(tmp_path, "first", "last")
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"nbformat": 4, "cells": [', encoding="utf-8")
    missing = tmp_path / "missing.ipynb"
    result = run_nbconv(first, broken, missing, last)
    assert result.returncode == 3
    assert (tmp_path / "first.html").is_file() and (tmp_path / "last.html").is_file()
    assert not (tmp_path / "broken.html").exists()
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith("nbconv: error:")]
    assert len(errors) == 2 and "broken.ipynb: invalid JSON" in errors[0] and "missing.ipynb: no such file" in errors[1]


def test_output_directory_that_is_a_file(tmp_path: Path) -> None:
    (good,) = make(tmp_path, "good")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    result = run_nbconv(good, "--output-dir", blocker)
    assert result.returncode == 4 and b"cannot create output directory" in result.stderr
    assert blocker.read_text() == "a file, not a directory"


def test_output_into_a_missing_directory(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "nb")
    result = run_nbconv(path, "--output", "missing/dir/out")
    assert result.returncode == 4
    assert result.stderr.decode().strip().startswith(f"nbconv: error: {tmp_path / 'missing/dir/out.html'}: cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]


def test_refuses_to_overwrite_the_input(tmp_path: Path) -> None:
    path = write(sample("self"), tmp_path / "self.html")  # a notebook with an .html name
    before = path.read_bytes()
    result = run_nbconv(path, "--output", "self.html")
    assert result.returncode == 4 and b"refusing to overwrite the input notebook" in result.stderr
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["self.html"]
    # without --output the default name steps aside, as nbconvert's does
    assert run_nbconv(path).returncode == 0
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["self.html", "self.nbconvert.html"]


def test_usage_errors(tmp_path: Path) -> None:
    assert run_nbconv().returncode == 2
    assert run_nbconv("--no-such-flag", "x.ipynb").returncode == 2
    unknown = run_nbconv("--to", "docx", "x.ipynb")
    assert unknown.returncode == 5 and b"unknown format 'docx'" in unknown.stderr


def test_help_and_version() -> None:
    from converter import __version__

    help_text = ok(run_nbconv("--help")).stdout.decode()
    for flag in ("--to", "--output", "--output-dir", "--stdout", "--template", "--template-file",
                 "--clear-output", "--no-input", "--no-prompt", "--sanitize-html", "--embed-images",
                 "--debug", "--version"):
        assert flag in help_text, flag
    assert ok(run_nbconv("--version")).stdout.decode().strip() == f"nbconv {__version__}"


HEAVY = ("jinja2", "pygments", "bleach", "nbformat", "jupyter_client", "mistune", "starlette",
         "nbclient", "converter.exporters", "converter.notebook")


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(flag: str) -> None:
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['nbconv', '{flag}']\n"
        "try:\n"
        "    runpy.run_module('converter', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert result.stderr.decode().strip().endswith("[]"), result.stderr.decode()
    assert b"nbconv" in result.stdout


def test_importtime_of_version() -> None:
    """Cross-check with ``python -X importtime``: the heavy packages never load."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "converter", "--version"],
                            capture_output=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert result.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.decode().splitlines() if "|" in line}
    assert "converter.cli" in imported
    assert not imported & set(HEAVY)


ONLY_WHEN_ASKED = ("converter.preprocessors.parameters", "converter.preprocessors.tag_remove",
                   "converter.preprocessors.clear_metadata", "converter.filters.magics")


def _modules_loaded_by(*args: str) -> list[str]:
    """Which of ONLY_WHEN_ASKED a whole ``nbconv ARGS`` process imported."""
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['nbconv', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('converter', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "import json\n"
        f"sys.stderr.write(json.dumps(sorted(m for m in {ONLY_WHEN_ASKED!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stderr.decode().strip().splitlines()[-1])


def test_plain_conversion_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Preprocessors and the magics translator load only for the options that need them."""
    (path,) = make(tmp_path, "nb")
    assert _modules_loaded_by("--to", "html", str(path), "--stdout") == []
    assert _modules_loaded_by("--to", "html", str(path), "--stdout", "-p", "alpha", "1") == [
        "converter.preprocessors.parameters"]
    assert _modules_loaded_by("--to", "python", str(path), "--stdout") == ["converter.filters.magics"]


def test_failed_render_keeps_the_old_result(tmp_path: Path) -> None:
    (path,) = make(tmp_path, "nb")
    previous = tmp_path / "nb.html"
    previous.write_text("previous result", encoding="utf-8")
    template = tmp_path / "fails.html.j2"
    template.write_text("{% extends 'lab/index.html.j2' %}{% block markdowncell %}{{ no_such_function() }}"
                        "{% endblock %}", encoding="utf-8")
    result = run_nbconv(path, "--template-file", template)
    assert result.returncode == 5
    line = result.stderr.decode().strip()
    assert line.startswith(f"nbconv: error: {path}: template") and "no_such_function" in line
    assert previous.read_text(encoding="utf-8") == "previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fails.html.j2", "nb.html", "nb.ipynb"]
