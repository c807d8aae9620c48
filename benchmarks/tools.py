"""The two tools under test and the venvs they run in.

Each tool runs in its own venv made from the same interpreter, holding only what it
needs, so neither pays for the other's site-packages: nbconvert (plus pandoc from
``pypandoc_binary`` once nbconv has LaTeX or reST), and nbconv's own dependencies with
this checkout on ``PYTHONPATH`` (so edits are measured without reinstalling).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENVS = Path(__file__).resolve().parent / ".venv"

# The script pip writes for nbconv's console entry point, run as ``python -c``.
NBCONV_LAUNCHER = "import sys; from converter.cli import main; sys.exit(main())"


@dataclass
class Tool:
    """How to run one tool: its CLI prefix, its interpreter and its environment."""

    name: str
    cli: list[str]
    python: str
    env: dict[str, str] = field(default_factory=dict)

    def command(self, *args: str) -> list[str]:
        return [*self.cli, *args]


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def _ensure_venv(venv: Path, packages: list[str], log) -> Path:
    """Create ``venv`` with ``packages`` once; a stamp file records what was installed."""
    stamp = venv / "installed.txt"
    installed = set(stamp.read_text().split("\n")) if stamp.exists() else set()
    if set(packages) <= installed:
        return venv
    log(f"setting up {venv} ({', '.join(packages)}) ...")
    if not _bin(venv, "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(_bin(venv, "python")), "-m", "pip", "install", "-q", *packages], check=True)
    stamp.write_text("\n".join(sorted(installed | set(packages))))
    return venv


def _nbconv_dependencies() -> list[str]:
    """The ``dependencies`` list of pyproject.toml, and the ``webpdf`` extra (playwright)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    found = []
    for name in ("dependencies", "webpdf"):
        block = re.search(rf"^{name} = \[(.*?)^\]", text, re.S | re.M)
        found += re.findall(r'"([^"]+)"', block.group(1)) if block else []
    return found


def nbconv(python: str | None = None, log=print) -> Tool:
    """nbconv from this checkout; in its own venv unless ``python`` is given."""
    if python is None:
        venv = _ensure_venv(VENVS / "nbconv", _nbconv_dependencies(), log)
        python = str(_bin(venv, "python"))
    # pip compiles an installed package's bytecode; a checkout run with
    # PYTHONDONTWRITEBYTECODE set would otherwise recompile every module on every run.
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "converter")], check=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return Tool("nbconv", [python, "-c", NBCONV_LAUNCHER], python, env)


def nbconvert(with_pandoc: bool, log=print, webpdf: bool = False) -> Tool:
    """Jupyter's nbconvert, run as users type it: ``jupyter nbconvert``."""
    packages = ["nbconvert"] + (["pypandoc_binary"] if with_pandoc else []) + (["playwright"] if webpdf else [])
    venv = _ensure_venv(VENVS / "nbconvert", packages, log)
    python = str(_bin(venv, "python"))
    if with_pandoc:
        _link_pandoc(venv, python)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = str(_bin(venv, "")) + os.pathsep + env.get("PATH", "")
    if webpdf:
        env["PLAYWRIGHT_BROWSERS_PATH"] = str(_system_chromium_for_playwright(python, env))
    return Tool("nbconvert", [str(_bin(venv, "jupyter")), "nbconvert"], python, env)


def _link_pandoc(venv: Path, python: str) -> None:
    """Put the pandoc binary that pypandoc_binary ships on the venv's PATH."""
    link = _bin(venv, "pandoc")
    if link.exists():
        return
    found = subprocess.run(
        [python, "-c", "import pypandoc; print(pypandoc.get_pandoc_path())"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    link.symlink_to(found)


def papermill(log=print) -> Tool:
    """papermill, run as users type it, with its own ipykernel (issue 13's ``run`` case)."""
    venv = _ensure_venv(VENVS / "papermill", ["papermill", "ipykernel"], log)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = str(_bin(venv, "")) + os.pathsep + env.get("PATH", "")
    return Tool("papermill", [str(_bin(venv, "papermill"))], str(_bin(venv, "python")), env)


SYSTEM_CHROMIUM = "/usr/bin/chromium"


def _system_chromium_for_playwright(python: str, env: dict[str, str]) -> Path:
    """A playwright browsers folder whose Chromium is the system's (a symlink), never a download.

    nbconvert's webpdf launches playwright's own Chromium and has no option for another
    one; playwright names the file it expects when it is missing, and that path becomes a
    link to /usr/bin/chromium, so both tools print with the same browser.
    """
    folder = VENVS / "playwright-browsers"
    probe = ("from playwright.sync_api import sync_playwright\n"
             "with sync_playwright() as p:\n"
             "    try:\n        p.chromium.launch(args=['--no-sandbox']).close()\n"
             "    except Exception as e:\n        print(str(e).splitlines()[0])\n")
    said = subprocess.run([python, "-c", probe], env={**env, "PLAYWRIGHT_BROWSERS_PATH": str(folder)},
                          capture_output=True, text=True, timeout=120).stdout
    missing = re.search(r"Executable doesn't exist at (\S+)", said)
    if missing:
        expected = Path(missing.group(1))
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.symlink_to(SYSTEM_CHROMIUM)
    return folder
