"""The viewer's pages: a notebook in the viewer frame, its code as text, the front and error pages.

Everything here is synchronous and CPU-bound; the app runs it off the event loop.
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
        source_url=links.source_url,
        script_href=links.script_href,
        download_href=links.download_href,
    )


def home_page(examples: list[tuple[str, str]]) -> str:
    return render_template("viewer/home.html.j2", examples=examples)


def error_page(status: int, message: str) -> str:
    return render_template("viewer/error.html.j2", status=status, reason=HTTPStatus(status).phrase, message=message)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The one stylesheet of every viewer page: the lab notebook style, highlighting, frame."""
    from converter.filters.highlight import pygments_css
    from converter.templates import shipped_template_dir

    shipped = shipped_template_dir()
    return "\n".join([
        (shipped / "lab" / "static" / "lab.css").read_text(encoding="utf-8"),
        str(pygments_css("default", ".highlight")),
        (shipped / "viewer" / "static" / "viewer.css").read_text(encoding="utf-8"),
    ])
