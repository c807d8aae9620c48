"""The synthetic notebooks, generated deterministically (same seed, same bytes).

``scale`` shrinks every notebook proportionally: 1.0 is the size the issue asks for,
a small value gives the smoke test a notebook of the same shape in milliseconds.
"""

from __future__ import annotations

import base64
import json
import random
import struct
import zlib
from pathlib import Path
from typing import Any, Callable

SEED = 20261124
WORDS = (
    "notebook kernel cell output markdown render convert template value array frame "
    "matrix vector plot figure result model data table index series sample mean error "
    "function module import return class object string number list dict tuple loop"
).split()


def _sized(count: int, scale: float) -> int:
    return max(1, round(count * scale))


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    for index, cell in enumerate(cells):
        cell["id"] = f"c{index:05d}"
        cell.setdefault("metadata", {})
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _code(source: str, count: int, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": count, "source": source, "outputs": outputs}


def _markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "source": source}


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def big_outputs(scale: float = 1.0) -> dict[str, Any]:
    """2,000 code cells, each with a short source, a stdout stream and a small HTML result."""
    cells = []
    for i in range(_sized(2000, scale)):
        cells.append(_code(
            f"x{i} = {i} * 2\nprint('value', x{i})\nshow(x{i})",
            i + 1,
            [
                {"output_type": "stream", "name": "stdout", "text": f"value {i * 2}\n"},
                {
                    "output_type": "execute_result",
                    "execution_count": i + 1,
                    "metadata": {},
                    "data": {"text/html": f"<b>{i * 2}</b> <i>units</i>", "text/plain": str(i * 2)},
                },
            ],
        ))
    return _notebook(cells)


def png(width: int, height: int, rng: random.Random) -> bytes:
    """A valid RGB PNG whose pixels are seeded noise, so it hardly compresses."""
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def images(scale: float = 1.0) -> dict[str, Any]:
    """200 PNG outputs of about 50 KB each (128x128 noise)."""
    rng = random.Random(SEED)
    cells = []
    for i in range(_sized(200, scale)):
        data = base64.b64encode(png(128, 128, rng)).decode("ascii")
        cells.append(_code(
            f"plot(figure={i})", i + 1,
            [{"output_type": "display_data", "metadata": {},
              "data": {"image/png": data, "text/plain": "<Figure size 128x128>"}}],
        ))
    return _notebook(cells)


def _markdown_section(rng: random.Random, index: int) -> str:
    parts = [f"## Section {index}\n", _sentence(rng, 40) + " Inline math $a_{%d} + b^2 = c$ and *emphasis* "
             "with `code` and a [link](https://example.org/%d)." % (index, index)]
    parts.append("\n".join(f"- {_sentence(rng, 8)} $x_{j}$" for j in range(5)))
    parts.append("1. " + _sentence(rng, 6) + "\n2. " + _sentence(rng, 6) + "\n   - nested **item**")
    parts.append("```python\n" + "\n".join(f"def f{index}_{j}(x):\n    return x * {j}" for j in range(3)) + "\n```")
    parts.append("$$\n\\int_0^{%d} x^2 \\, dx = \\frac{%d^3}{3}\n$$" % (index, index))
    parts.append(_sentence(rng, 60))
    return "\n\n".join(parts) + "\n\n"


def long_markdown(scale: float = 1.0) -> dict[str, Any]:
    """One markdown cell of about 1 MB: paragraphs, lists, code blocks, inline and display math."""
    rng = random.Random(SEED)
    target = _sized(1_000_000, scale)
    chunks, size, index = [], 0, 0
    while size < target:
        section = _markdown_section(rng, index)
        chunks.append(section)
        size += len(section)
        index += 1
    return _notebook([_markdown("# A long document\n\n" + "".join(chunks))])


def small(index: int) -> dict[str, Any]:
    """A 10-cell notebook of markdown and code with outputs; no two notebooks share a cell."""
    rng = random.Random(SEED + index)
    cells = []
    for i in range(10):
        if i % 3 == 0:
            cells.append(_markdown(f"### Step {i}\n\n{_sentence(rng, 20)} $y = {i}x$"))
        else:
            cells.append(_code(
                f"y = [{i} * k + {index} for k in range(10)]\nprint(sum(y))\ny[:3]", i,
                [{"output_type": "stream", "name": "stdout", "text": f"{i * 45 + 10 * index}\n"},
                 {"output_type": "execute_result", "execution_count": i, "metadata": {},
                  "data": {"text/plain": f"[{index}, {i + index}, {2 * i + index}]"}}],
            ))
    return _notebook(cells)


SINGLE: dict[str, Callable[[float], dict[str, Any]]] = {
    "big_outputs": big_outputs,
    "images": images,
    "long_markdown": long_markdown,
}
MANY_SMALL = 200


def _write(path: Path, nb: dict[str, Any]) -> Path:
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def generate(cache: Path, scale: float = 1.0) -> tuple[dict[str, Path], list[Path]]:
    """Write the synthetic notebooks under ``cache`` (reused when unchanged).

    Returns the single notebooks by name and the ``many_small`` paths.
    """
    folder = cache / f"notebooks-{scale:g}"
    (folder / "many_small").mkdir(parents=True, exist_ok=True)
    singles = {name: _write(folder / f"{name}.ipynb", make(scale)) for name, make in SINGLE.items()}
    many = [_write(folder / "many_small" / f"small_{i:03d}.ipynb", small(i))
            for i in range(_sized(MANY_SMALL, scale))]
    return singles, many


def parameterised() -> dict[str, Any]:
    """A small report with a parameters cell, as papermill runs them (issue 13's run case)."""
    cells = [
        _markdown("# Daily report"),
        _code("day = 1\nscale = 1.0\nlabel = 'default'", None, []),
        _code("values = [i * scale for i in range(day * 100)]\nprint(label, len(values))", None, []),
        _code("total = sum(values)\ntotal", None, []),
        _markdown("## Summary"),
        _code("print(f'{label}: day {day}, total {total:.1f}')", None, []),
    ]
    cells[1]["metadata"] = {"tags": ["parameters"]}
    return _notebook(cells)


def run_notebook(cache: Path) -> Path:
    """Write the notebook of the ``run:small`` case."""
    folder = cache / "notebooks-run"
    folder.mkdir(parents=True, exist_ok=True)
    return _write(folder / "parameterised.ipynb", parameterised())
