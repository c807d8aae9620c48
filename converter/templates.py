"""The Jinja environment: where templates are found, how they escape, which filters they see.

Templates are named '<template>/<file>', e.g. 'lab/index.html.j2'. The search path is:
directories given by the caller (``--template-path``), ``NBCONV_TEMPLATE_PATH``, the
user data directory, then the shipped templates. A template directory may hold a
``conf.json`` or ``conf.toml`` naming its ``base_template`` and the ``preprocessors`` it
needs. One environment is built per search path and kept, so each template is compiled
once per process.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import jinja2
from markupsafe import Markup

from converter.filters import ansi, highlight, images, latex, mime, sanitize, text_blocks
from converter.markdown.math import strip_delimiters

# Formats whose templates must not HTML-escape what they print.
_UNESCAPED_SUFFIXES = (".tex.j2", ".rst.j2", ".md.j2", ".txt.j2", ".py.j2", ".asciidoc.j2")


def shipped_template_dir() -> Path:
    """templates/ inside the installed package, or beside it in a source checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "shipped_templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"nbconv's templates are missing (looked in {package})")


def _autoescape(name: str | None) -> bool:
    return name is None or not name.endswith(_UNESCAPED_SUFFIXES)


@jinja2.pass_context
def _markdown2html(context: Any, source: str, attachments: dict | None = None) -> Markup:
    from converter.markdown import render_markdown

    directory = context.get("resources").dir if context.get("embed_images") else None

    def resolve(url: str) -> str | None:
        found = images.attachment_uri(url, attachments)
        if found is None and directory is not None:
            found = images.local_image_uri(url, directory)
        return found

    return Markup(render_markdown(source, "html", resolve))


@jinja2.pass_context
def _markdown2rst(context: Any, source: str, attachments: dict | None = None, cell_index: int = 0) -> str:
    """reST for a markdown cell; its attachments become side files of the document."""
    from converter.markdown import render_markdown
    from converter.preprocessors.extract_outputs import extract_attachment

    resources = context.get("resources")
    document = context.get("rst_document")
    return render_markdown(
        source, "rst",
        lambda url: extract_attachment(url, attachments, resources, cell_index),
        {"rst_document": document} if document is not None else None,
    )


_ATTACHMENT_URL = re.compile(r"attachment:[^\s()<>\"']+")


@jinja2.pass_context
def _extract_attachments(context: Any, source: str, attachments: dict | None = None, cell_index: int = 0) -> str:
    """Markdown whose ``attachment:NAME`` images point at extracted side files (code left as is)."""
    from converter.preprocessors.extract_outputs import extract_attachment

    if not attachments:
        return source
    resources = context.get("resources")
    from converter.markdown.code_ranges import CodeRanges

    code = CodeRanges(source)  # where an attachment URL is an example, not an image

    def replace(match: re.Match) -> str:
        if match.start() in code:
            return match.group(0)
        return extract_attachment(match.group(0), attachments, resources, cell_index) or match.group(0)

    return _ATTACHMENT_URL.sub(replace, source)


def _tex_compatible(tex: str) -> str:
    """LaTeX a notebook output carries for MathJax, made TeX (see filters.tex_compat)."""
    from converter.filters.mime import is_latex_math
    from converter.filters.tex_compat import tex_compatible

    # Only math: a document fragment's \renewcommand is meant for it, not made global.
    return tex_compatible(tex) if is_latex_math(tex) else tex


@jinja2.pass_context
def _markdown2latex(context: Any, source: str, attachments: dict | None = None) -> str:
    """Markdown as LaTeX; its images are extracted through the exporter's ``latex_files``."""
    from converter.markdown import render_markdown

    files = context.get("latex_files")
    resolve = (lambda url: files.markdown_image(url, attachments)) if files else None
    document = context.get("latex_document")
    return render_markdown(_join_text(source), "latex", resolve,
                           {"latex_document": document} if document is not None else None)


@jinja2.pass_context
def _notebook_html(context: Any, html: str) -> Markup:
    """HTML a notebook carries, cleaned first when the page is to be sanitized."""
    if isinstance(html, list):
        html = "".join(html)
    if not context.get("sanitize_html"):
        return Markup(html)
    return Markup(sanitize.sanitize_html(html, bool(context.get("block_remote_content"))))


def _json_script(value: Any) -> Markup:
    """JSON that cannot close the <script> element it is placed in."""
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _script_text(code: str) -> Markup:
    """Notebook JavaScript for an inline <script>: only its end tag is neutralised."""
    if isinstance(code, list):
        code = "".join(code)
    return Markup(code.replace("</", "<\\/"))


def _css_token(value: Any) -> str:
    """A tag or name made into one CSS class token."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(value))


def _join_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)



def _ipython2python(code: str) -> str:
    from converter.filters.magics import ipython2python  # ~4 ms with tokenize: only for scripts

    return ipython2python(code)


def _rst_uri(url: str) -> str:
    from converter.markdown.rst import uri  # ~9 ms of regexes at import: only for reST

    return uri(url)

FILTERS = {
    "markdown2html": _markdown2html,
    "notebook_html": _notebook_html,
    "highlight_code": highlight.highlight_code,
    "ansi2html": ansi.ansi_to_html,
    "strip_ansi": ansi.strip_ansi,
    "choose_mimetype": mime.choose_mimetype,
    "data_uri": mime.data_uri,
    "image_size": mime.image_size,
    "is_unconfined": mime.is_unconfined,
    "extracted_file": mime.extracted_file,
    "json_script": _json_script,
    "script_text": _script_text,
    "css_token": _css_token,
    "join_text": _join_text,
    "markdown2rst": _markdown2rst,
    "extract_attachments": _extract_attachments,
    "strip_math_delimiters": strip_delimiters,
    "lexer_name": highlight.lexer_name,
    "rst_uri": _rst_uri,
    "fenced": text_blocks.fenced,
    "comment_lines": text_blocks.comment_lines,
    "ipython2python": _ipython2python,

    "markdown2latex": _markdown2latex,
    "escape_latex": latex.escape_latex,
    "tex_compatible": _tex_compatible,
    "escape_verbatim": latex.escape_verbatim,
    "ansi2latex": ansi.ansi_to_latex,
    "highlight_latex": highlight.highlight_latex,
}

GLOBALS = {"pygments_css": highlight.pygments_css, "pygments_latex_defs": highlight.pygments_latex_defs}


@lru_cache(maxsize=32)
def environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    """The environment for one search path (user directories first, shipped last)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search_path)),
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        undefined=jinja2.ChainableUndefined,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env


@lru_cache(maxsize=1)
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept on disk, so a new process skips compiling them (see converter.cache).

    Jinja checks each entry against the template's current source, so edited templates
    are compiled again.
    """
    from converter.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    (folder / "jinja").mkdir(exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder / "jinja"))


def user_template_dir() -> Path | None:
    """Where a user keeps templates, by platform convention (XDG on Linux); None without a home."""
    from converter.user_dirs import home, xdg_folder

    if sys.platform == "win32":
        base = Path(os.environ["APPDATA"]) if os.environ.get("APPDATA") else None
    elif sys.platform == "darwin":
        base = home() / "Library" / "Application Support" if home() is not None else None
    else:
        base = xdg_folder("XDG_DATA_HOME", ".local", "share")
    return base / "nbconv" / "templates" if base is not None else None


def search_path(extra_dirs: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """The template directories, most specific first: given, env, user, shipped."""
    env_dirs = [d for d in os.environ.get("NBCONV_TEMPLATE_PATH", "").split(os.pathsep) if d]
    dirs = [*extra_dirs, *env_dirs]
    user = user_template_dir()
    if user is not None and user.is_dir():
        dirs.append(user)
    dirs.append(shipped_template_dir())
    return tuple(dict.fromkeys(str(Path(d)) for d in dirs))


@dataclass(frozen=True)
class TemplateChoice:
    """The file to render for a template name, and the preprocessors its chain asks for."""

    name: str
    preprocessors: tuple[str, ...]


def template_conf(directory: Path) -> dict[str, Any]:
    """A template directory's conf.json / conf.toml, or {} when it has none."""
    from converter.errors import ExportError

    for conf in (directory / "conf.json", directory / "conf.toml"):
        if not conf.is_file():
            continue
        try:
            if conf.suffix == ".json":
                data = json.loads(conf.read_text(encoding="utf-8"))
            else:
                import tomllib

                data = tomllib.loads(conf.read_text(encoding="utf-8"))
        except (ValueError, OSError) as error:
            raise ExportError(f"{conf}: cannot read template configuration: {error}") from None
        unknown = set(data) - {"base_template", "preprocessors", "description"}
        if not isinstance(data, dict) or unknown:
            raise ExportError(f"{conf}: unknown key(s) {', '.join(sorted(unknown))}")
        return data
    return {}


def choose_template(template: str, entry: str, path: Sequence[str]) -> TemplateChoice:
    """Follow ``base_template`` links from ``template`` until a directory has ``entry``.

    Preprocessors are collected base first, so a derived template's run last.
    """
    from converter.errors import ExportError

    preprocessors: list[str] = []
    seen: list[str] = []
    name = template
    while True:
        if name in seen:
            raise ExportError(f"template {template!r}: base_template loop ({' -> '.join(seen + [name])})")
        seen.append(name)
        directory = next((Path(d) / name for d in path if (Path(d) / name).is_dir()), None)
        if directory is None:
            raise ExportError(f"template {name!r} not found (searched {', '.join(path)})")
        conf = template_conf(directory)
        preprocessors[:0] = conf.get("preprocessors", [])
        if (directory / entry).is_file() or not conf.get("base_template"):
            return TemplateChoice(f"{name}/{entry}", tuple(preprocessors))
        name = conf["base_template"]
