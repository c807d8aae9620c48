"""PDF through xelatex: the LaTeX exporter's document compiled in a temporary directory.

xelatex runs once, and again only when the log asks for it (cross-references, a
table of contents), with bibtex first when the document cites a bibliography.
Notebook LaTeX is untrusted. Shell escape is off, and the compile reads only its own
folder, which holds copies of the notebook's files (converter.exporters.pdf_inputs),
and TeX's trees: kpathsea's paranoid mode, a check of every file xelatex recorded
reading, and a check of every instruction XeTeX leaves for the PDF driver before
xdvipdfmx runs (converter.exporters.pdf_driver). Pictures from outside are also made
placeholders in the document before compiling (converter.filters.raw_latex).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from converter.notebook import NotebookNode

from converter.errors import LatexError
from converter.exporters import tex_fragments
from converter.exporters.latex import LatexExporter
from converter.exporters.pdf_driver import OutsideRead, allowed_roots, check_recorded_reads, make_pdf
from converter.exporters.pdf_inputs import copy_inputs
from converter.pipeline import Resources
from converter.filters.raw_latex import confine_document
from converter.writer import encode_text, write_side_files

JOB = "notebook"
MAX_RUNS = 4
# Formulas or raw LaTeX outputs shown as source before the document counts as broken.
MAX_FALLBACKS = 20
# The whole fallback (every recompile) may take this many times one xelatex run's limit.
FALLBACK_BUDGET = 3
_LINE_ENDS = re.compile(r"\r\n?")
_CONTEXT_COMMAND = re.compile(r"^l\.\d+ .*?(\\[A-Za-z@]+)$", re.M)
_ERROR_LINE = re.compile(r"^\./" + JOB + r"\.tex:(\d+): ", re.M)
_RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|No file " + JOB + r"\.(toc|lof|lot)")
_LOG_CONTEXT_LINES = 12
_STATISTICS = "Here is how much of TeX's memory you used:"
_UNREADABLE_PICTURE = "Unable to load picture or PDF file"
_IMAGE = re.compile(r"\\nbimage\{[^{}\n]*\}")


def relevant_log_lines(log: str) -> list[str]:
    """The lines of a LaTeX log that explain a failure: each error and what follows it.

    With ``-file-line-error`` errors start with ``./file:LINE:`` (or ``!``); the lines
    after one show the source line (``l.N``) where TeX stopped. Without any error
    line, the end of the log is the best clue (a fatal error or a kill).
    """
    lines = log.splitlines()
    if _STATISTICS in lines:
        lines = lines[:lines.index(_STATISTICS)]
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
    """``--to pdf``: same templates and options as ``--to latex``, plus ``latex_timeout``.

    A formula or raw LaTeX output that xelatex rejects (TeX is stricter than MathJax) is
    shown as its source with a note and a warning, and the rest of the PDF is made;
    ``strict`` makes it an error instead.
    """

    output_extension: ClassVar[str] = ".pdf"
    marks_fragments: ClassVar[bool] = True

    latex_command: str = "xelatex"
    latex_timeout: float = 120.0
    strict: bool = False

    def render(self, nb: NotebookNode, resources: Resources) -> bytes:
        latex = confine_document(super().render(nb, resources),
                                 Path(resources.dir) if resources.dir is not None else None)
        files, resources.outputs = resources.outputs, {}
        xelatex = shutil.which(self.latex_command)
        if xelatex is None:
            raise LatexError(f"{self.latex_command} not found: install the Debian package texlive-xetex "
                             "(apt-get install texlive-xetex) or TeX Live")
        latex = _LINE_ENDS.sub("\n", latex)  # TeX ends a line at a lone CR too: keep line numbers true
        deadline = time.monotonic() + FALLBACK_BUDGET * self.latex_timeout
        with tempfile.TemporaryDirectory(prefix="nbconv-pdf-") as temp:
            directory = Path(temp)
            write_side_files(directory, files)
            if resources.dir is not None:  # after ours: a copy never replaces the exporter's files
                copy_inputs(Path(resources.dir), directory, JOB, resources.warnings)
            for _ in range(MAX_FALLBACKS + 1):
                (directory / f"{JOB}.tex").write_bytes(encode_text(latex))  # lone surrogates become '?'
                try:
                    return self._compile(xelatex, directory, resources)
                except OutsideRead:
                    raise
                except LatexError as error:
                    if time.monotonic() > deadline:
                        raise LatexError(f"{error}\n    (gave up showing failing LaTeX as source after "
                                         f"{FALLBACK_BUDGET * self.latex_timeout:g} s)") from None
                    latex = self._without_failed_fragment(latex, directory, error, resources)
            raise LatexError(f"{resources.name}: more than {MAX_FALLBACKS} kinds of formula or raw LaTeX "
                             f"did not compile (the last: {resources.warnings[-1] if resources.warnings else '?'})")

    def _without_failed_fragment(self, latex: str, directory: Path, error: LatexError,
                                 resources: Resources) -> str:
        """``latex`` with the fragment xelatex failed on shown as source, or ``error``
        raised again (naming the cell) when the failure is elsewhere or ``strict``."""
        log_path = directory / f"{JOB}.log"
        log = log_path.read_text("utf-8", "replace") if log_path.is_file() else ""
        found = _ERROR_LINE.search(log)
        if found is None:
            raise error
        where = tex_fragments.locate(latex, int(found.group(1)))
        cell = tex_fragments.cell_label(where.cell)
        if log.startswith(_UNREADABLE_PICTURE, found.end()):
            unreadable = _without_unreadable_image(latex, int(found.group(1)))
            if unreadable is not None:  # an output's or markdown's image xelatex cannot read
                resources.warnings.append(f"{cell}an image xelatex could not read is shown as a placeholder")
                return unreadable
        if where.fragment is None or self.strict:
            raise LatexError(str(error).replace(": xelatex failed", f": {cell}xelatex failed", 1)) from None
        problem = log[found.end():].split("\n", 1)[0].strip()
        chosen = [where.fragment]
        command = _undefined_command(log[found.end():]) if problem.startswith("Undefined control") else None
        if command is not None:  # every formula using it would fail the same way: all in one pass
            uses = re.compile(re.escape(command) + r"(?![A-Za-z@])")
            chosen += [fragment for fragment in tex_fragments.fragments(latex)
                       if fragment != where.fragment and uses.search(latex, fragment.start, fragment.end)]
        source = " ".join(tex_fragments.without_markers(latex[where.fragment.start:where.fragment.end]).split())
        snippet = source if len(source) <= 60 else source[:57] + "..."
        more = f" (and {len(chosen) - 1} more using {command})" if len(chosen) > 1 else ""
        resources.warnings.append(f"{cell}LaTeX that did not compile ({problem}) is shown as its source: "
                                  f"{snippet}{more}")
        for leftover in directory.glob(f"{JOB}.*"):
            if leftover.suffix != ".tex":
                leftover.unlink()  # a run that stopped early may leave a broken .aux
        return tex_fragments.replace(latex, chosen)

    def _compile(self, xelatex: str, directory: Path, resources: Resources) -> bytes:
        # Only the compile folder (with copies of the notebook's files) and TeX's trees.
        env = {**os.environ, "openin_any": "p", "openout_any": "p", "TEXINPUTS": ".:", "BIBINPUTS": ".:"}
        command = [xelatex, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                   "-no-shell-escape", "-no-pdf", "-recorder", f"{JOB}.tex"]
        log_path = directory / f"{JOB}.log"
        roots = allowed_roots(directory)
        ran_bibtex = False
        for run in range(1, MAX_RUNS + 1):
            self._run(command, directory, env, resources, roots=roots)
            log = log_path.read_text("utf-8", "replace")
            if not ran_bibtex and _cites_bibliography(directory / f"{JOB}.aux"):
                self._run(["bibtex", JOB], directory, env, resources, tool="bibtex")
                ran_bibtex = True
                continue
            if not _RERUN.search(log):
                break
        if not (directory / f"{JOB}.xdv").is_file():
            raise LatexError(f"{resources.name}: xelatex wrote no PDF (the notebook has no printable content?)")
        make_pdf(directory, JOB, env, roots, resources.warnings, resources.name, self.latex_timeout)
        return (directory / f"{JOB}.pdf").read_bytes()

    def _run(self, command: list[str], directory: Path, env: dict, resources: Resources,
             tool: str = "xelatex", roots: tuple[Path, ...] = ()) -> None:
        if shutil.which(command[0]) is None:
            raise LatexError(f"{command[0]} not found: install the Debian package texlive-binaries")
        try:
            done = subprocess.run(command, cwd=directory, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=self.latex_timeout)
        except subprocess.TimeoutExpired:
            raise LatexError(f"{resources.name}: {tool} did not finish within {self.latex_timeout:g} s") from None
        if roots:  # before anything of the run is shown or used, failed runs included
            check_recorded_reads(directory, JOB, roots, resources.name)
        if done.returncode != 0:
            log_file = directory / (f"{JOB}.log" if tool == "xelatex" else f"{JOB}.blg")
            log = log_file.read_text("utf-8", "replace") if log_file.is_file() else done.stdout.decode("utf-8", "replace")
            details = "\n".join("    " + line for line in relevant_log_lines(log))
            raise LatexError(f"{resources.name}: {tool} failed (exit {done.returncode}); from its log:\n{details}")


def _without_unreadable_image(latex: str, line_number: int) -> str | None:
    """``latex`` with the ``\\nbimage`` on line ``line_number`` (1-based) replaced by a
    placeholder, or None when that line shows no image of ours."""
    start = 0
    for _ in range(line_number - 1):
        start = latex.find("\n", start) + 1
        if start == 0:
            return None
    end = latex.find("\n", start)
    end = len(latex) if end < 0 else end
    line, count = _IMAGE.subn(r"\\nbplaceholder{Image not included: its data is not an image xelatex can read}",
                              latex[start:end], count=1)
    return latex[:start] + line + latex[end:] if count else None


def _undefined_command(log_after_error: str) -> str | None:
    """The control sequence an "Undefined control sequence" error is about: the last one
    on the ``l.N`` context line, where TeX stopped reading."""
    found = _CONTEXT_COMMAND.search(log_after_error[:2000])
    return found.group(1) if found else None


def _cites_bibliography(aux: Path) -> bool:
    """Whether the document cites entries of a bibliography file (so bibtex has work)."""
    if not aux.is_file():
        return False
    text = aux.read_text("utf-8", "replace")
    return "\\citation{" in text and "\\bibdata{" in text

