"""The benchmark harness itself (benchmarks/), on tiny notebooks and without nbconvert.

No timing is asserted: these check that the machinery measures what it claims to.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest

from benchmarks import notebooks
from benchmarks.__main__ import main as run_benchmarks
from converter import read_notebook


def _png_size(data: bytes) -> tuple[int, int]:
    """Check the PNG chunk CRCs and the pixel data length; return (width, height)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = body
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    return width, height


def test_synthetic_notebooks_are_valid_deterministic_and_scaled(tmp_path: Path) -> None:
    singles, many = notebooks.generate(tmp_path / "a", scale=0.01)
    again, _ = notebooks.generate(tmp_path / "b", scale=0.01)
    for name, path in singles.items():
        assert path.read_bytes() == again[name].read_bytes(), name
        read_notebook(path)  # schema-valid, or this raises
    assert len(read_notebook(singles["big_outputs"]).cells) == 20
    assert len(many) == 2 and len(read_notebook(many[0]).cells) == 10
    image_cells = read_notebook(singles["images"]).cells
    png = base64.b64decode(image_cells[0].outputs[0].data["image/png"])
    assert _png_size(png) == (128, 128)
    assert len(png) > 45_000  # noise hardly compresses: about 50 KB as the issue asks
    markdown = read_notebook(singles["long_markdown"]).cells[0].source
    assert len(markdown) >= 10_000 and "$$" in markdown and "```python" in markdown


def test_harness_runs_a_tiny_case_and_writes_json(tmp_path: Path, capsys) -> None:
    results = tmp_path / "results.json"
    status = run_benchmarks([
        "--no-baseline", "--current-python", "--runs", "2", "--scale", "0.005",
        "--cache-dir", str(tmp_path / "cache"), "--json", str(results),
        "--cases", "version,html:big_outputs,inproc-html:big_outputs",
    ])
    assert status == 0
    data = json.loads(results.read_text())
    cases = {case["case"]: case for case in data["cases"]}
    assert list(cases) == ["version", "html:big_outputs", "inproc-html:big_outputs"]
    for case in cases.values():
        timing = case["nbconv"]
        assert len(timing["runs_s"]) == 2 and timing["median_s"] > 0
        # a whole Python process, measured by itself (not the benchmark's own size)
        assert 5 < timing["peak_mib"] < 500
        assert "nbconvert" not in case and "ratio" not in case
    assert data["machine"]["cores"] >= 1
    table = capsys.readouterr().out
    assert "| html:big_outputs" in table and "| nbconv " in table


def test_unknown_case_pattern_is_a_usage_error(tmp_path: Path) -> None:
    status = run_benchmarks(["--no-baseline", "--current-python", "--scale", "0.005",
                             "--cache-dir", str(tmp_path), "--cases", "no-such-case"])
    assert status == 2


def test_viewer_load_measures_every_combination_it_is_asked_for():
    """benchmarks/viewer_load.py against a real viewer on loopback, with tiny counts: a line
    per phase with no failures, for each server/render worker combination, and the ratios."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, str(repo / "benchmarks" / "viewer_load.py"),
         "--notebook", str(repo / "tests" / "fixtures" / "tour.ipynb"),
         "--requests", "20", "--cold", "8", "--concurrency", "4", "--workers", "1", "--render-workers", "1", "2"],
        capture_output=True, text=True, timeout=180, cwd=repo)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum("render workers 1" in line for line in lines if line.startswith("viewer from")) == 1
    assert sum(line.startswith("cold ") and "failures 0" in line for line in lines) == 2
    assert sum(line.startswith("cached ") and "failures 0" in line for line in lines) == 2
    assert any(line.startswith("cold throughput, 2 render workers against 1 (1 server worker(s)):") for line in lines)


def test_mathml_against_mathjax_is_a_derived_row_with_its_target(tmp_path: Path, capsys) -> None:
    """Issue 16: nbconv's --math mathml over its own MathJax page on the math notebook, whole
    process and in-process; naming the MathML cases brings the MathJax ones along."""
    docs = tmp_path / "corpus" / "notebook-docs"
    docs.mkdir(parents=True)
    cells = [{"cell_type": "markdown", "id": f"m{i}", "metadata": {},
              "source": f"$$\\begin{{align}} x_{i} &= \\frac{{a}}{{b}} \\\\ y &= {i} \\end{{align}}$$"} for i in range(3)]
    (docs / "Typesetting_Equations.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    results = tmp_path / "results.json"
    status = run_benchmarks([
        "--no-baseline", "--current-python", "--runs", "2", "--scale", "0.005", "--corpus", str(tmp_path / "corpus"),
        "--cache-dir", str(tmp_path / "cache"), "--json", str(results),
        "--cases", "html-mathml:math,inproc-html-mathml:math",
    ])
    assert status == 0
    data = json.loads(results.read_text())
    assert [case["case"] for case in data["cases"]] == [
        "html:math", "html-mathml:math", "inproc-html:math", "inproc-html-mathml:math"]
    medians = {case["case"]: case["nbconv"]["median_s"] for case in data["cases"]}
    derived = {row["comparison"]: row for row in data["comparisons"]}
    assert list(derived) == ["mathml/mathjax:math", "inproc-mathml/mathjax:math"]
    for row in derived.values():
        # the JSON's medians are rounded to 0.1 ms, so tiny in-process times only agree roughly
        assert row["ratio"] == pytest.approx(medians[row["case"]] / medians[row["reference"]], rel=0.15)
    whole = derived["mathml/mathjax:math"]
    assert whole["target"] == "<=1.3x" and whole["meets_target"] == (whole["ratio"] <= 1.3)
    assert "target" not in derived["inproc-mathml/mathjax:math"]  # in-process: shown, no target
    table = capsys.readouterr().out
    assert "| mathml/mathjax:math " in table and "| inproc-mathml/mathjax:math " in table


def test_without_the_math_notebook_its_cases_are_left_out(tmp_path: Path, capsys) -> None:
    status = run_benchmarks(["--list", "--current-python", "--scale", "0.005", "--corpus", str(tmp_path / "none"),
                             "--cache-dir", str(tmp_path / "cache")])
    listed = capsys.readouterr().out
    assert status == 0 and "html-mathml:long_markdown" in listed
    assert ":math" not in listed and "mathml/mathjax:long_markdown" in listed
