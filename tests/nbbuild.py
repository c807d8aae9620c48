"""Helpers for tests that build notebooks in code and look at the HTML they become."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import html5lib
from nbformat import v4

from converter import HTMLExporter


def notebook(*cells: Any, **metadata: Any):
    """A v4 notebook with the given cells and notebook metadata."""
    nb = v4.new_notebook(cells=list(cells), metadata=metadata)
    return nb


def code(source: str, outputs: list | None = None, count: int | None = 1, **metadata: Any):
    return v4.new_code_cell(source, outputs=outputs or [], execution_count=count, metadata=metadata)


def markdown(source: str, **fields: Any):
    return v4.new_markdown_cell(source, **fields)


def raw(source: str, **metadata: Any):
    return v4.new_raw_cell(source, metadata=metadata)


def write(nb: Any, path: Path) -> Path:
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def render(nb: Any, **options: Any) -> str:
    """The HTML body of ``nb`` through the library API."""
    body, _ = HTMLExporter(**options).from_notebook_node(nb)
    return body


def parse(page: str) -> ET.Element:
    """The page as an element tree, parsed as a browser does (html5lib)."""
    return html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)


def parse_strict(page: str) -> tuple[ET.Element, list]:
    """The tree and html5lib's list of parse errors ((line, col), code, details)."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    tree = parser.parse(page)
    return tree, list(parser.errors)


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if name in classes(element)]


def elements(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(tag))


def text(element: ET.Element, skip: tuple[str, ...] = ("script", "style", "head")) -> str:
    """The text a reader sees inside ``element`` (script and style contents left out)."""
    return "".join(_texts(element, skip))


def _texts(element: ET.Element, skip: tuple[str, ...]) -> Iterator[str]:
    if element.tag in skip:
        return
    if element.text and isinstance(element.tag, str):
        yield element.text
    for child in element:
        yield from _texts(child, skip)
        if child.tail:
            yield child.tail


def scripts(root: ET.Element) -> list[ET.Element]:
    """Every <script> element, wherever the parser put it (head, body, inside SVG)."""
    return [element for element in root.iter() if isinstance(element.tag, str) and element.tag.split("}")[-1] == "script"]
