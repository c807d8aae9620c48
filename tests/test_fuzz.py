"""Property-based fuzzing: hostile notebooks through every exporter.

Each generated notebook is serialised to JSON and read like a file: reading either
succeeds or raises NotebookError; then every exporter either succeeds or raises our own
ConversionError, within a time bound. CI runs a fixed-seed, bounded number of
examples; for a longer run:

    NBCONV_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import json
import os
import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.errors import ConversionError
from converter.exporters import BUILTIN, get_exporter
from converter.notebook import parse_notebook

EXAMPLES = int(os.environ.get("NBCONV_FUZZ_EXAMPLES", "40"))
SECONDS_PER_EXPORT = 20
# PDF runs xelatex: covered by the LaTeX exporter here, by its own tests for compilation.
# webpdf prints the HTML exporter's page in Chromium: covered by html here, by tests/test_webpdf.py.
FORMATS = sorted(name for name in BUILTIN if name not in ("pdf", "webpdf"))

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</textarea></title></style>",
    "javascript:alert(1)", '"><svg onload=alert(1)>', "{{ 7*7 }}", "{% raw %}", "{#",
    "\\begin{document}", "\\input{/etc/passwd}", "\\end{verbatim}", "\\", "}", "{", "%", "#", "&", "~", "^",
    "$", "$$", "$x_1$", "\\[", "\\begin{align}", "`", "```", "~~~", "|", "|sub|", "_", "*", "**", ".. raw:: html",
    ".. code-block::", "::", "--", "===", "\n\n", "\t", "\x00", "\x07", "\x1b[31m", "\x1b[38;5;999m", "\x1b[",
    "\r", "\b", "\u202e", "\ufeff", "\ud800", "\udfff", "\U0001f600", "[x]:", "[^1]", "[^1]:", "![a](b)",
    "![a](attachment:../x.png)", "<!--", "-->", "<![CDATA[", "%%bash", "!ls", "%matplotlib inline", "?", "??",
]

nested = st.one_of(
    st.integers(1, 300).map(lambda n: "> " * n + "deep"),
    st.integers(1, 300).map(lambda n: "".join("  " * i + "- item\n" for i in range(n))),
    st.integers(1, 2000).map(lambda n: "[" * n + "x" + "]" * n),
    st.integers(1, 2000).map(lambda n: "*" * n + "x" + "*" * n),
    st.integers(1, 2000).map(lambda n: "_" * n),
    st.integers(1, 500).map(lambda n: "<div>" * n),
    st.integers(1, 200).map(lambda n: "{" * n + "}" * n),
)
long_line = st.integers(1_000, 200_000).map(lambda n: "a" * n)
fragment = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=40), nested, long_line)
text = st.lists(fragment, max_size=6).map("".join)
short = st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=10)), max_size=3).map("".join)
json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | short,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short, inner, max_size=3),
                          max_leaves=8)

MIMETYPES = ["text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml", "image/png",
             "image/jpeg", "application/pdf", "application/javascript", "text/x-rst",
             "application/vnd.jupyter.widget-view+json", "application/x-unknown"]


@st.composite
def mime_bundle(draw):
    data = {}
    for mimetype in draw(st.lists(st.sampled_from(MIMETYPES), min_size=1, max_size=4, unique=True)):
        if mimetype == "application/vnd.jupyter.widget-view+json":
            data[mimetype] = draw(st.dictionaries(short, json_value, max_size=3))
        elif mimetype.startswith(("image/png", "image/jpeg", "application/pdf")):
            data[mimetype] = draw(st.one_of(st.just("iVBORw0KGgo="), st.binary(max_size=64).map(
                lambda b: __import__("base64").b64encode(b).decode()), short))
        else:
            data[mimetype] = draw(text)
    return data


@st.composite
def output(draw):
    kind = draw(st.sampled_from(["stream", "error", "display_data", "execute_result"]))
    if kind == "stream":
        return {"output_type": "stream", "name": draw(st.sampled_from(["stdout", "stderr"])), "text": draw(text)}
    if kind == "error":
        return {"output_type": "error", "ename": draw(short), "evalue": draw(short),
                "traceback": draw(st.lists(text, max_size=3))}
    result = {"output_type": kind, "data": draw(mime_bundle()),
              "metadata": draw(st.dictionaries(st.sampled_from(MIMETYPES + ["width", "height"]), json_value, max_size=2))}
    if kind == "execute_result":
        result["execution_count"] = draw(st.none() | st.integers(0, 10**6))
    return result


@st.composite
def cell(draw, index: int):
    kind = draw(st.sampled_from(["markdown", "code", "raw"]))
    metadata = draw(st.fixed_dictionaries({}, optional={
        "tags": st.lists(st.text(min_size=1, max_size=20).filter(lambda t: "," not in t), max_size=3, unique=True),
        "raw_mimetype": st.sampled_from(["text/html", "text/markdown", "text/latex", "text/restructuredtext", "", "x/y"]),
        "title": short,
    }))
    base = {"cell_type": kind, "id": f"cell-{index}", "metadata": metadata, "source": draw(text)}
    if kind == "code":
        base["outputs"] = draw(st.lists(output(), max_size=3))
        base["execution_count"] = draw(st.none() | st.integers(0, 10**6))
    elif draw(st.booleans()):
        base["attachments"] = draw(st.dictionaries(short.filter(bool), mime_bundle(), max_size=2))
    return base


@st.composite
def notebook(draw):
    cells = [draw(cell(i)) for i in range(draw(st.integers(0, 5)))]
    metadata = draw(st.fixed_dictionaries({}, optional={
        "title": short,
        "authors": st.lists(st.fixed_dictionaries({"name": short}), max_size=2),
        "language_info": st.fixed_dictionaries({"name": short}, optional={
            "pygments_lexer": short, "file_extension": short, "mimetype": short}),
        "kernelspec": st.fixed_dictionaries({"name": short, "display_name": short}, optional={"language": short}),
        "widgets": st.fixed_dictionaries({"application/vnd.jupyter.widget-state+json": json_value}),
    }))
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int, what: str):
    def on_alarm(signum, frame):
        raise Hang(f"{what} took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_every_format_is_fuzzed():
    assert "html" in FORMATS


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(notebook())
def test_hostile_notebook_through_every_exporter(nb):
    serialized = json.dumps(nb, ensure_ascii=False)
    try:
        parsed = parse_notebook(serialized, "fuzz.ipynb")
    except ConversionError:
        return  # rejected with our own error: allowed
    for name in FORMATS:
        exporter = get_exporter(name)()
        with time_limit(SECONDS_PER_EXPORT, f"--to {name}"):
            try:
                body, resources = exporter.from_notebook_node(copy.deepcopy(parsed))
            except ConversionError:
                continue
        assert isinstance(body, (str, bytes))
        for filename in resources.outputs:
            assert ".." not in filename.replace("\\", "/").split("/"), filename
            assert not filename.startswith("/"), filename
