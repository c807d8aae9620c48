"""Warms the render processes: importing this module renders a sample notebook once.

The render pool's forkserver imports it before forking, so every render process starts
with what a first render would otherwise load on a visitor's time: the templates compiled,
the markdown and math code, and pygments lexers for the languages notebooks use most
(a lexer compiles its regular expressions on first use: 10-30 ms each). Measured on the
corpus notebook Working_With_Markdown_Cells: a first render took 110 ms against 25 ms for
the next ones without this.
"""

from __future__ import annotations

import json

from converter.filters.highlight import highlight_code
from converter.viewer.pages import Links, render_body

# Fence and kernel languages seen most in notebooks (python and ipython3 are separate lexers).
COMMON_LANGUAGES = ("python", "python3", "ipython3", "javascript", "bash", "shell", "console", "json",
                    "html", "css", "latex", "r", "julia", "sql", "yaml", "c", "cpp", "java", "markdown", "text")

# A page with each kind of content: markdown with math, a table and a fence; a code
# cell with a stream, a rich result and a traceback.
WARM_UP = json.dumps({
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                 "language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    "cells": [
        {"cell_type": "markdown", "id": "m", "metadata": {},
         "source": "# warm *up*\n\n$x^2$ and $$\\frac{a}{b}$$\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                   "```python\nprint(1)\n```\n- [link](https://example.org)"},
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1,
         "source": "import os\n%time print(os.sep)",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "/\n"},
                     {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/plain": "1", "text/html": "<table><tr><td>1</td></tr></table>"}},
                     {"output_type": "error", "ename": "E", "evalue": "e",
                      "traceback": ["\u001b[0;31mE\u001b[0m: e"]}]},
    ],
}).encode()


def _warm() -> None:
    for language in COMMON_LANGUAGES:
        highlight_code("x = 1", language)
    render_body(WARM_UP, "warm-up", "html", Links("", "", ""), "warm-up")


_warm()
