"""A notebook carrying every injection class known against notebook renderers.

Each payload, if it ever runs, calls ``alert('<name>')`` or requests
``https://evil.invalid/<name>``, so a browser test sees exactly which one got through.
``ESCAPE_CASES`` are strings that no renderer may ever interpret, sanitized or not;
``TRUSTED_CASES`` are active content a notebook may carry on purpose (raw HTML,
JavaScript), which only ``--sanitize-html`` must neutralise.
"""

from __future__ import annotations

import base64
import json

EVIL = "https://evil.invalid"


def alert(name: str) -> str:
    return f"alert('{name}')"


def script(name: str) -> str:
    return f"<script>{alert(name)}</script>"


PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5fe4c"
    "d10000000049454e44ae426082")).decode()


def _code(index: int, source: str, outputs: list, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "id": f"code-{index}", "metadata": metadata or {},
            "source": source, "outputs": outputs, "execution_count": index}


def _display(data: dict, metadata: dict | None = None) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": metadata or {}}


def escape_cases() -> dict:
    """Strings that must stay text in every mode: tags, metadata, JSON, names."""
    breakout = '"><img src=x onerror="' + alert("attr") + '">'
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "title": "</title>" + script("title"),
            "language_info": {"name": "python", "pygments_lexer": '"><script>' + alert("lexer") + "</script>"},
            "kernelspec": {"name": "x", "display_name": script("kernel"), "language": "python"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {
                "version_major": 2, "version_minor": 0,
                # saved under the view's model id, so the view is rendered (and must stay inert)
                "state": {"</script>" + script("widget-view"): {"model_name": "</script>" + script("widget-state")}}}},
        },
        "cells": [
            {"cell_type": "markdown", "id": "md-tags", "metadata": {"tags": ['"><script>' + alert("tag") + "</script>", "a b"]},
             "source": "# Heading \"quoted' onmouseover=" + alert("heading") + "\n\n```\"><script>" + alert("fence") + "</script>\nx\n```\n"
                       "\n![att](attachment:" + breakout.replace(" ", "%20") + ")\n",
             "attachments": {breakout: {"image/png": PNG_1PX}}},
            _code(1, "print('" + script("source") + "')", [
                {"output_type": "stream", "name": "stdout", "text": script("stream") + "\n"},
                {"output_type": "error", "ename": script("ename"), "evalue": script("evalue"),
                 "traceback": ["\x1b[31m" + script("traceback") + "\x1b[0m"]},
                _display({"image/png": PNG_1PX}, {"image/png": {"width": breakout, "height": '1" onload="' + alert("height") + '"'}}),
                _display({"image/png": PNG_1PX}, {"width": breakout, "unconfined": breakout}),
                _display({"text/plain": script("plain")}),
                _display({"text/latex": "</div>" + script("latex")}),
                _display({"application/vnd.jupyter.widget-view+json": {"model_id": "</script>" + script("widget-view"), "version_major": 2}}),
                _display({"application/x-unknown-" + "<script>": "x"}),
            ], metadata={"tags": ["ok", "'" + breakout]}),
            {"cell_type": "raw", "id": "raw-latex", "metadata": {"raw_mimetype": "text/latex"}, "source": script("raw-latex")},
        ],
    }


def trusted_cases() -> dict:
    """Active content a notebook may carry; inert only under --sanitize-html."""
    cells = [
        {"cell_type": "markdown", "id": "md-raw", "metadata": {}, "source": "\n\n".join([
            script("md-script"),
            f'<img src="x" onerror="{alert("md-img")}">',
            f'<a href="javascript:{alert("md-href")}">click</a>',
            f"[md link](javascript:{alert('md-link')})",
            f'<iframe src="javascript:{alert("md-iframe")}"></iframe>',
            f'<svg onload="{alert("md-svg")}"><circle r="4"/></svg>',
            f'<object data="{EVIL}/md-object"></object><embed src="{EVIL}/md-embed">',
            f'<link rel="stylesheet" href="{EVIL}/md-link.css">',
            f'<style>@import url("{EVIL}/md-import.css");</style>',
            f'<meta http-equiv="refresh" content="0;url={EVIL}/md-refresh">',
            f'<form action="{EVIL}/md-form"><input type="submit"></form>',
            f'<div style="background-image: url({EVIL}/md-style.png)">styled</div>',
            f'<base href="{EVIL}/">',
            "<table><tr><th>kept</th></tr><tr><td>cell</td></tr></table>",
            "## A kept heading\n\n- kept list",
        ])},
        _code(1, "show()", [
            _display({"text/html": script("html-script") + f'<img src="x" onerror="{alert("html-img")}"><b>kept bold</b>'
                      f'<span style="color: red">red</span>'}),
            _display({"image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" onload="{alert("svg-onload")}">'
                      f'{script("svg-script")}<circle r="4"/></svg>'}),
            _display({"application/javascript": alert("javascript")}),
            _display({"text/markdown": script("output-md")}),
        ]),
        {"cell_type": "raw", "id": "raw-html", "metadata": {"raw_mimetype": "text/html"}, "source": script("raw-html")},
    ]
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}}, "cells": cells}


def write(path, nb: dict) -> None:
    path.write_text(json.dumps(nb), encoding="utf-8")
