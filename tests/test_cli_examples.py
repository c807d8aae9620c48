"""Every command block in CLI.md marked ``<!-- runnable -->`` works as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO

BLOCK = re.compile(r"<!-- (runnable|file: ([^>]+?)) -->\n```[a-z]*\n(.*?)```", re.S)
NOTEBOOKS = ("nb", "a", "b", "analysis", "untrusted", "reports/one", "reports/two", "docs/one")
RUNNABLE_NOTEBOOKS = ("run", "runs/first", "runs/second")


def runnable_notebook() -> dict:
    """A small Python notebook that executes cleanly, with a cell tagged ``parameters``."""
    def code(index: int, source: str, tags: list | None = None) -> dict:
        return {"cell_type": "code", "id": f"c{index}", "metadata": {"tags": tags or []}, "source": source,
                "outputs": [], "execution_count": None}

    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [code(0, "alpha = 0.1\nregion = 'south'", ["parameters"]),
                      code(1, "print(alpha, region)")]}


def marked_blocks() -> list[tuple[str, str | None, str]]:
    return [(m.group(1), m.group(2), m.group(3)) for m in BLOCK.finditer((REPO / "CLI.md").read_text())]


def runnable_commands() -> list:
    return [pytest.param(body, id=body.splitlines()[0][:60]) for kind, _, body in marked_blocks() if kind == "runnable"]


def test_cli_md_has_runnable_examples():
    assert len(runnable_commands()) >= 2


@pytest.mark.parametrize("script", runnable_commands())
def test_runnable_example(script, tmp_path):
    for notebook in NOTEBOOKS:
        target = tmp_path / f"{notebook}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "tour.ipynb", target)
    for notebook in RUNNABLE_NOTEBOOKS:
        target = tmp_path / f"{notebook}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(runnable_notebook()), encoding="utf-8")
    for kind, path, body in marked_blocks():
        if kind != "runnable":
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(body)
    shim = f'nbconv() {{ "{sys.executable}" -m converter "$@"; }}\nset -e\n'
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(["bash", "-c", shim + script], cwd=tmp_path, env=env,
                            capture_output=True, timeout=300)
    assert result.returncode == 0, f"{script}\n{result.stderr.decode()}"
