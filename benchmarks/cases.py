"""The benchmark cases: what each tool runs, and the target ratios from issues #7 and #4.

A case is run by both tools the same way: as a whole process (``version``, ``html:...``,
``latex:...``) or as a warm in-process ``from_notebook_node`` call (``inproc-html:...``).
"""

from __future__ import annotations

import fnmatch
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmarks.tools import Tool

# Formats timed besides HTML, once nbconv's get_exporter knows them.
OTHER_FORMATS = ("latex", "rst", "slides")
# Timed on the typical notebook only (issue 16); webpdf is mostly a browser start.
TYPICAL_ONLY_FORMATS = ("webpdf", "asciidoc")
# Extra arguments per tool and format: nbconvert prints on letter paper and, as root, needs no sandbox.
FORMAT_ARGS = {("nbconv", "webpdf"): ["--paper", "letter"], ("nbconvert", "webpdf"): ["--disable-chromium-sandbox"]}
# Cases left out of the default set (name them in --cases): nbconvert needs minutes per run
# for long_markdown (two pandoc calls per cell), and images adds little to the PNG cases.
SLOW = ("latex:long_markdown", "rst:long_markdown", "latex:images", "rst:images")
QUICK = ("version", "html:typical", "html:big_outputs", "html:batch", "inproc-html:typical")


@dataclass
class Target:
    """What the issue asks of a case: a minimum speed ratio, maybe a memory ceiling."""

    speedup: float
    max_memory_share: float | None = None

    def describe(self) -> str:
        text = f">={self.speedup:g}x"
        return text + (f", <=1/{round(1 / self.max_memory_share)} mem" if self.max_memory_share else "")


# Issue #7's targets, and issue #4's for LaTeX (against nbconvert with pandoc).
TARGETS = {
    "version": Target(8),
    "html:typical": Target(6),
    "html:big_outputs": Target(10, 1 / 3),
    "html:long_markdown": Target(10),
    "html:images": Target(4),
    "html:batch": Target(10),
    "inproc-html:typical": Target(5),
    "latex:typical": Target(5),
    "latex:big_outputs": Target(5),
    "run:small": Target(1.5),  # issue 13: nbconv run against papermill
}


@dataclass
class Comparison:
    """nbconv against itself: the median of ``case`` over that of ``reference`` (issue 16:
    ``--math mathml`` costs at most 30% over ``--math mathjax``), with a ceiling if any."""

    name: str
    case: str
    reference: str
    max_ratio: float | None = None

    def describe(self) -> str:
        return f"<={self.max_ratio:g}x" if self.max_ratio else ""


# The math-heavy corpus notebook, by path under the corpus folder (its cases are left out without it).
MATH_NOTEBOOK = ("notebook-docs", "Typesetting_Equations.ipynb")
MATHML_NOTEBOOKS = ("math", "typical", "long_markdown")


def comparisons(cases: list[Case]) -> list[Comparison]:
    """MathML against MathJax, whole process and in-process, for every notebook timed both ways."""
    names = {case.name for case in cases}
    found = []
    for prefix in ("", "inproc-"):
        for name in MATHML_NOTEBOOKS:
            case, reference = f"{prefix}html-mathml:{name}", f"{prefix}html:{name}"
            if case in names and reference in names:
                # Issue 16's target is on what a command costs, on the typical corpus notebook;
                # the math-heavy one is held to it too. In-process figures are shown as found.
                target = 1.30 if not prefix and name in ("typical", "math") else None
                found.append(Comparison(f"{prefix}mathml/mathjax:{name}", case, reference, target))
    return found


@dataclass
class Case:
    name: str
    description: str
    notebooks: int
    # process cases: the argv for a tool and an output directory
    argv: Callable[[Tool, Path], list[str]] | None = None
    # in-process cases: format and notebook for benchmarks/inprocess.py
    inprocess: tuple[str, Path] | None = None
    # the tool nbconv is compared with: "nbconvert" or "papermill" (benchmarks/tools.py)
    baseline: str = "nbconvert"

    @property
    def target(self) -> Target | None:
        return TARGETS.get(self.name)


def nbconv_formats(tool: Tool) -> list[str]:
    """The formats of OTHER_FORMATS that this checkout's ``get_exporter`` knows."""
    script = "from converter.exporters import BUILTIN; print(' '.join(BUILTIN))"
    known = subprocess.run([tool.python, "-c", script], env=tool.env, check=True,
                           capture_output=True, text=True).stdout.split()
    return [fmt for fmt in OTHER_FORMATS + TYPICAL_ONLY_FORMATS if fmt in known]


def _convert(fmt: str, paths: list[Path], jobs: int | None = None) -> Callable[[Tool, Path], list[str]]:
    def argv(tool: Tool, out: Path) -> list[str]:
        parallel = ["-j", str(jobs)] if jobs and tool.name == "nbconv" else []
        parallel += FORMAT_ARGS.get((tool.name, fmt), [])
        return tool.command("--to", fmt, *parallel, *map(str, paths), "--output-dir", str(out))

    return argv


def _mathml(path: Path) -> Callable[[Tool, Path], list[str]]:
    def argv(tool: Tool, out: Path) -> list[str]:
        math = ["--math", "mathml"] if tool.name == "nbconv" else []
        return tool.command("--to", "html", *math, str(path), "--output-dir", str(out))

    return argv


def build_cases(singles: dict[str, Path], batch: list[Path], formats: list[str], jobs: int,
                math: Path | None = None) -> list[Case]:
    """Every case, in table order; ``singles`` maps a case suffix to one notebook; ``math``
    is the math-heavy notebook, timed as HTML with MathJax and with MathML only."""
    cases = [Case("version", "print the version", 0, argv=lambda tool, out: tool.command("--version"))]
    for fmt in ["html", *formats]:
        for name, path in singles.items():
            if fmt in TYPICAL_ONLY_FORMATS and name != "typical":
                continue
            cases.append(Case(f"{fmt}:{name}", f"--to {fmt} {path.name}", 1, argv=_convert(fmt, [path])))
        if fmt == "html":
            cases.append(Case("html:batch", f"--to html, {len(batch)} notebooks in one command (nbconv -j {jobs})",
                              len(batch), argv=_convert(fmt, batch, jobs)))
    if math:
        cases.append(Case("html:math", f"--to html {math.name}", 1, argv=_convert("html", [math])))
    mathml = {**singles, "math": math} if math else singles
    for name in MATHML_NOTEBOOKS:  # issue 16: --math mathml against the same page with MathJax
        if name in mathml:
            cases.append(Case(f"html-mathml:{name}", f"--to html --math mathml {mathml[name].name} "
                              "(nbconvert: --to html)", 1, argv=_mathml(mathml[name])))
    for name in ("typical", "big_outputs", "long_markdown", "images"):
        if name in singles:
            cases.append(Case(f"inproc-html:{name}", f"warm from_notebook_node, {singles[name].name}", 1,
                              inprocess=("html", singles[name])))
    if math:
        cases.append(Case("inproc-html:math", f"warm from_notebook_node, {math.name}", 1, inprocess=("html", math)))
        cases.append(Case("inproc-html-mathml:math", f"warm from_notebook_node, math='mathml', {math.name} "
                          "(nbconvert: html)", 1, inprocess=("html-mathml", math)))
    return cases


def run_cases(notebook: Path) -> list[Case]:
    """``nbconv run`` against ``papermill``: one parameterised notebook, whole process."""
    def argv(tool: Tool, out: Path) -> list[str]:
        args = [str(notebook), str(out / "out.ipynb"), "-p", "day", "3", "-p", "label", "benchmark"]
        return tool.command("run", *args) if tool.name == "nbconv" else tool.command(*args)

    return [Case("run:small", f"run {notebook.name} with -p (vs papermill)", 1, argv=argv, baseline="papermill")]


def select(cases: list[Case], patterns: list[str] | None, quick: bool) -> list[Case]:
    """Cases matching any pattern (fnmatch); by default all but the slow ones. A case that a
    comparison divides by another brings that other case along, so the ratio can be computed."""
    if patterns:
        chosen = {c.name for c in cases if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)}
    elif quick:
        chosen = {c.name for c in cases if c.name in QUICK}
    else:
        chosen = {c.name for c in cases if c.name not in SLOW}
    for comparison in comparisons(cases):
        if comparison.case in chosen:
            chosen.add(comparison.reference)
    return [c for c in cases if c.name in chosen]
