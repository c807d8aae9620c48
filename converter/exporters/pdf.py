"""PDF through xelatex: the LaTeX exporter's document compiled in a temporary directory.

xelatex runs once, and again only when the log asks for it (cross-references, a
table of contents), with bibtex first when the document cites a bibliography.
Notebook LaTeX is untrusted: shell escape is off and TeX may only open files below
the working directory and the notebook's folder (kpathsea's paranoid mode); pictures,
which XeTeX and its PDF driver open without that check, are confined to the notebook's
folder in the document before compiling (converter.filters.raw_latex).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from converter.notebook import NotebookNode

from converter.errors import LatexError
from converter.exporters.latex import LatexExporter
from converter.pipeline import Resources
from converter.filters.raw_latex import confine_document
from converter.writer import encode_text, write_side_files

JOB = "notebook"
MAX_RUNS = 4
_RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|No file " + JOB + r"\.(toc|lof|lot)")
_LOG_CONTEXT_LINES = 12


def relevant_log_lines(log: str) -> list[str]:
    """The lines of a LaTeX log that explain a failure: each error and what follows it.

    With ``-file-line-error`` errors start with ``./file:LINE:`` (or ``!``); the lines
    after one show the source line (``l.N``) where TeX stopped. Without any error
    line, the end of the log is the best clue (a fatal error or a kill).
    """
    lines = log.splitlines()
    picked: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^\.?/?[^:\s]*\.tex:\d+: ", line):
            for following in lines[index:index + _LOG_CONTEXT_LINES]:
                if following.strip() == "" and picked and picked[-1] == "":
                    break
                picked.append(following)
                if re.match(r"^l\.\d+", following):
                    break
            break  # -halt-on-error: the first error is the one that matters
    if not picked:
        picked = [line for line in lines[-_LOG_CONTEXT_LINES:] if line.strip()]
    return [line for line in picked if line.strip()]


@dataclass
class PDFExporter(LatexExporter):
    """``--to pdf``: same templates and options as ``--to latex``, plus ``latex_timeout``."""

    output_extension: ClassVar[str] = ".pdf"

    latex_command: str = "xelatex"
    latex_timeout: float = 120.0

    def render(self, nb: NotebookNode, resources: Resources) -> bytes:
        latex = confine_document(super().render(nb, resources),
                                 Path(resources.dir) if resources.dir is not None else None)
        files, resources.outputs = resources.outputs, {}
        xelatex = shutil.which(self.latex_command)
        if xelatex is None:
            raise LatexError(f"{self.latex_command} not found: install the Debian package texlive-xetex "
                             "(apt-get install texlive-xetex) or TeX Live")
        with tempfile.TemporaryDirectory(prefix="nbconv-pdf-") as temp:
            directory = Path(temp)
            (directory / f"{JOB}.tex").write_bytes(encode_text(latex))  # lone surrogates become '?'
            write_side_files(directory, files)
            return self._compile(xelatex, directory, resources)

    def _compile(self, xelatex: str, directory: Path, resources: Resources) -> bytes:
        env = {**os.environ, "openin_any": "p", "openout_any": "p"}
        if resources.dir is not None:  # a user's .bib or \input beside the notebook
            env["TEXINPUTS"] = env["BIBINPUTS"] = f".:{resources.dir}:"
        command = [xelatex, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                   "-no-shell-escape", f"{JOB}.tex"]
        log_path = directory / f"{JOB}.log"
        ran_bibtex = False
        for run in range(1, MAX_RUNS + 1):
            self._run(command, directory, env, resources)
            log = log_path.read_text("utf-8", "replace")
            if not ran_bibtex and _cites_bibliography(directory / f"{JOB}.aux"):
                self._run(["bibtex", JOB], directory, env, resources, tool="bibtex")
                ran_bibtex = True
                continue
            if not _RERUN.search(log):
                break
        pdf = directory / f"{JOB}.pdf"
        if not pdf.is_file():
            raise LatexError(f"{resources.name}: xelatex wrote no PDF (the notebook has no printable content?)")
        return pdf.read_bytes()

    def _run(self, command: list[str], directory: Path, env: dict, resources: Resources,
             tool: str = "xelatex") -> None:
        if shutil.which(command[0]) is None:
            raise LatexError(f"{command[0]} not found: install the Debian package texlive-binaries")
        try:
            done = subprocess.run(command, cwd=directory, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=self.latex_timeout)
        except subprocess.TimeoutExpired:
            raise LatexError(f"{resources.name}: {tool} did not finish within {self.latex_timeout:g} s") from None
        if done.returncode != 0:
            log_file = directory / (f"{JOB}.log" if tool == "xelatex" else f"{JOB}.blg")
            log = log_file.read_text("utf-8", "replace") if log_file.is_file() else done.stdout.decode("utf-8", "replace")
            details = "\n".join("    " + line for line in relevant_log_lines(log))
            raise LatexError(f"{resources.name}: {tool} failed (exit {done.returncode}); from its log:\n{details}")


def _cites_bibliography(aux: Path) -> bool:
    """Whether the document cites entries of a bibliography file (so bibtex has work)."""
    if not aux.is_file():
        return False
    text = aux.read_text("utf-8", "replace")
    return "\\citation{" in text and "\\bibdata{" in text

