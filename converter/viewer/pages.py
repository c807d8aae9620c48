"""The viewer's pages: a notebook in the viewer frame, its code as text, the front and error pages.

Everything here is synchronous; notebooks are rendered in render processes (render_pool.py),
the small front and error pages in the server process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from markupsafe import Markup
from nbformat import NotebookNode

from converter import __version__


@dataclass(frozen=True)
class Links:
    """Where the page's header points: the upstream URL and our own alternatives."""

    source_url: str
    script_href: str
    download_href: str
    slides_href: str = ""
    view_url: str = ""        # the file's page on its forge
    view_label: str = ""
    binder_url: str = ""
    breadcrumbs: tuple[tuple[str, str], ...] = ()
    base: str = ""            # --base-url without its trailing slash


@lru_cache(maxsize=1)
def _body_exporter() -> Any:
    from converter.exporters.html import HTMLExporter

    return HTMLExporter(template="basic", sanitize_html=True)


def render_template(name: str, **context: Any) -> str:
    from converter.templates import environment, search_path

    return environment(search_path()).get_template(name).render(version=__version__, **context)


def notebook_page(nb: NotebookNode, name: str, links: Links) -> str:
    """The sanitized notebook body, math as MathML, inside the viewer frame."""
    from converter.pipeline import Resources
    from converter.filters.mathml import render_math

    body, _ = _body_exporter().from_notebook_node(nb, Resources(name=name))
    title = nb.metadata.get("title")
    return render_template(
        "viewer/notebook.html.j2",
        title=title if isinstance(title, str) and title else name,
        body=Markup(render_math(body)),
        toc=table_of_contents(body),
        links=links,
        base=links.base,
    )


def listing_page(listing: Any, base: str) -> str:
    """A folder, a user's repositories or a gist's files."""
    return render_template("viewer/listing.html.j2", listing=listing, base=base)


def render_body(data: bytes, url: str, kind: str, links: Links, name: str) -> bytes:
    """The response body of ``kind`` for notebook bytes; a ``NotebookError`` when they are not one.

    Runs in a render process (see render_pool), never in the server's event loop.
    """
    from converter.notebook import read_notebook

    nb = read_notebook(data, name=url)
    if kind == "download":
        return data
    if kind == "script":
        from converter.exporters.script import ScriptExporter

        script, _ = ScriptExporter().from_notebook_node(nb)
        return script.encode("utf-8")
    if kind == "slides":
        return slides_page(nb, name).encode("utf-8")
    return notebook_page(nb, name, links).encode("utf-8")


def slides_page(nb: NotebookNode, name: str) -> str:
    """The notebook as reveal.js slides: sanitized, math as MathML, the pinned reveal.js
    (a theme without web fonts). Its own inline scripts are allowed by hash (see app)."""
    from converter.exporters.slides import SlidesExporter
    from converter.pipeline import Resources

    body, _ = SlidesExporter(sanitize_html=True, math="mathml", reveal_theme="white").from_notebook_node(
        nb, Resources(name=name))
    return body


def home_page(examples: list[tuple[str, str]], base: str = "") -> str:
    return render_template("viewer/home.html.j2", examples=examples, base=base)


def error_page(status: int, message: str, base: str = "") -> str:
    return render_template("viewer/error.html.j2", status=status, reason=HTTPStatus(status).phrase,
                           message=message, base=base)


def table_of_contents(body: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of the body's headings, in order; see toc.py."""
    from converter.viewer.toc import headings

    return headings(body)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The one stylesheet of every viewer page: the lab notebook style, highlighting, frame."""
    from converter.filters.highlight import pygments_css
    from converter.templates import shipped_template_dir

    shipped = shipped_template_dir()
    return "\n".join([
        (shipped / "lab" / "static" / "lab.css").read_text(encoding="utf-8"),
        str(pygments_css("default", ".highlight")),
        "@media (prefers-color-scheme: dark) {\n" + str(pygments_css("monokai", ".highlight")) + "\n}",
        (shipped / "viewer" / "static" / "viewer.css").read_text(encoding="utf-8"),
    ])
