"""The wheel ships the templates and works when installed (issue 2, point 1): build it
from this checkout, unpack it somewhere else, and convert a notebook with the package
imported from there, never from the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
                            capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    (built,) = out.glob("nbconv-*.whl")
    return built


def test_wheel_contains_package_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("converter/__init__.py", "converter/cli.py",
                     "converter/shipped_templates/base/null.j2",
                     "converter/shipped_templates/lab/index.html.j2",
                     "converter/shipped_templates/lab/static/lab.css",
                     "converter/shipped_templates/basic/index.html.j2"):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "templates/")) for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "nbconv = converter.cli:entry" in zipfile.ZipFile(wheel).read(metadata).decode()


def test_installed_wheel_finds_its_templates(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    notebook = work / "tour.ipynb"
    notebook.write_bytes((FIXTURES / "tour.ipynb").read_bytes())
    probe = (
        "import sys, converter, converter.templates as t\n"
        "print(converter.__file__)\n"
        "print(t.shipped_template_dir())\n"
        "from converter.cli import main\n"
        "sys.exit(main(['--to', 'html', 'tour.ipynb', '--template', sys.argv[1]]))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    for template in ("lab", "basic"):
        # -I would drop PYTHONPATH; -P is 3.11+, so run from a directory without the package
        result = subprocess.run([sys.executable, "-c", probe, template], capture_output=True, cwd=work,
                                env=env, timeout=120)
        assert result.returncode == 0, result.stderr.decode()
        module_file, template_dir = result.stdout.decode().split("\n")[:2]
        assert Path(module_file).is_relative_to(site), module_file  # not the checkout (installed editable)
        assert Path(template_dir) == site / "converter" / "shipped_templates"
        page = (work / "tour.html").read_text(encoding="utf-8")
        assert "A tour of nbconv" in page and "ZeroDivisionError" in page
        assert page.startswith("<!DOCTYPE html>") == (template == "lab")
