"""Markdown to reStructuredText: a mistune 3 renderer, so Sphinx builds need no pandoc.

reST is stricter than markdown: inline markup starts and ends only at word boundaries
and cannot nest, a paragraph's first characters can start a list or a directive, and
section adornments must follow one hierarchy through the whole document. The renderer
escapes for those rules. What several snippets of one document share (heading depths,
unique substitution and footnote names) is an ``RSTDocument`` passed in the state's env
as ``rst_document``; without one, each snippet is its own document.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from textwrap import indent
from typing import Any, Iterable

from mistune.core import BaseRenderer

from converter.markdown import resolve_image_token
from converter.markdown.math import is_display, strip_delimiters
from converter.markdown.rst_text import (SPACES, column_width, escape_interpreted, escape_text, guard_block,
                                         may_follow, may_precede, uri)

# Adornment characters by section depth (depth 1 first).
ADORNMENTS = "=-~^\"'+`#*"
INDENT = "   "

_MARKUP = frozenset({"emphasis", "strong", "codespan", "link", "image", "inline_math", "footnote_ref"})
_TRANSPARENT = frozenset({"strikethrough"})  # no reST equivalent: keep the children
@dataclass
class RSTDocument:
    """State shared by the markdown snippets rendered into one reST document."""

    open_levels: list[int] = field(default_factory=list)
    snippets: int = 0

    def section_depth(self, level: int) -> int:
        """The reST depth for a markdown heading level: one below the open heading above it.

        ``# A`` then ``### B`` gives depths 1 and 2, so no level is ever skipped and
        docutils never sees an inconsistent title hierarchy.
        """
        while self.open_levels and self.open_levels[-1] >= level:
            self.open_levels.pop()
        self.open_levels.append(level)
        return len(self.open_levels)

    def new_scope(self) -> int:
        self.snippets += 1
        return self.snippets


def _hang(marker: str, body: str) -> str:
    """``body`` after ``marker``, its later lines indented to line up under the first."""
    first, _, rest = body.partition("\n")
    return marker.rstrip() + (" " + first if first else "") + ("\n" + indent(rest, " " * len(marker)) if rest else "")


def _plain(tokens: Iterable[dict[str, Any]]) -> str:
    """The visible text of inline tokens, markup dropped (reST cannot nest markup)."""
    parts = []
    for token in tokens:
        if "children" in token:
            parts.append(_plain(token["children"]))
        elif token["type"] == "inline_math":
            parts.append(strip_delimiters(token["raw"]))
        elif token["type"] in ("text", "codespan", "escaped_dollar"):  # text decodes &amp; and &#124;
            parts.append(html.unescape(token["raw"]) if token["type"] == "text" else token["raw"])
        elif token["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
    return "".join(parts)


def _directive(name: str, argument: str, body: str = "", options: dict[str, str] | None = None) -> str:
    head = f".. {name}::" + (f" {argument}" if argument else "") + "\n"
    head += "".join(f"{INDENT}:{key}: {value}\n" for key, value in (options or {}).items() if value)
    return head + (f"\n{indent(body, INDENT)}\n" if body else "") + "\n"


class RSTRenderer(BaseRenderer):
    """Each block method returns its text followed by one blank line."""

    NAME = "rst"

    def __call__(self, tokens: Iterable[dict[str, Any]], state: Any) -> str:
        env = state.env
        if "rst_scope" not in env:  # the footnotes hook renders again with the same env
            document = env.setdefault("rst_document", RSTDocument())
            env["rst_scope"] = document.new_scope()
            env["rst_images"] = 0
            env["rst_nested"] = 0
        blocks = [token for token in tokens if token["type"] != "blank_line"]
        for before, token, after in zip([None, *blocks], blocks, [*blocks[1:], None]):
            if token["type"] == "thematic_break":
                token["standalone"] = (
                    before is not None and after is not None
                    and before["type"] not in ("heading", "thematic_break") and after["type"] != "thematic_break"
                )
        text = "".join(self.render_token(token, state) for token in blocks)
        return text.rstrip() + "\n" if text.strip() else ""

    def render_token(self, token: dict[str, Any], state: Any) -> str:
        return super().render_token(resolve_image_token(token, state), state)

    # -- inline ---------------------------------------------------------------

    def inline(self, tokens: list[dict[str, Any]], state: Any, definitions: list[str]) -> str:
        """Inline tokens joined so every piece of markup sits on a word boundary.

        Where markdown's markup touches a word (``foo*bar*``), reST needs an escaped
        space (``foo\\ *bar*``), which reads as nothing. Image substitutions the text
        uses are appended to ``definitions``.
        """
        pieces: list[tuple[str, bool]] = []
        for token in self._flatten(tokens):
            if token["type"] == "image":
                text = self._substitution(token, None, state, definitions)
            elif token["type"] == "link" and self._linked_image(token):
                text = self._substitution(token["children"][0], token["attrs"]["url"], state, definitions)
            else:
                text = self.render_token(token, state)
            if text:
                pieces.append((text, token["type"] in _MARKUP))
        out = ""
        for index, (text, markup) in enumerate(pieces):
            if markup and out and not may_precede(out[-1]):
                out += "\\ "
            out += text
            if markup and index + 1 < len(pieces) and not may_follow(pieces[index + 1][0][0]):
                out += "\\ "
        return out

    def _flatten(self, tokens: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        for token in tokens:
            if token["type"] in _TRANSPARENT:
                yield from self._flatten(token["children"])
            else:
                yield token

    def text(self, token: dict[str, Any], state: Any) -> str:
        return escape_text(html.unescape(token["raw"]))

    escaped_dollar = text  # a literal $; only HTML pages need it kept away from MathJax

    def emphasis(self, token: dict[str, Any], state: Any) -> str:
        return self._wrap("*", token)

    def strong(self, token: dict[str, Any], state: Any) -> str:
        return self._wrap("**", token)

    def _wrap(self, marker: str, token: dict[str, Any]) -> str:
        text = escape_text(_plain(token["children"]).strip())
        return f"{marker}{text}{marker}" if text else ""

    def codespan(self, token: dict[str, Any], state: Any) -> str:
        code = token["raw"].replace("\n", " ").strip()
        if not code:
            return ""
        if "``" in code or code.startswith("`") or code.endswith("`"):
            return ":literal:`" + escape_interpreted(code) + "`"
        return f"``{code}``"

    def inline_math(self, token: dict[str, Any], state: Any) -> str:
        formula = SPACES.sub(" ", strip_delimiters(token["raw"])).strip().replace("`", "\\`")
        return f":math:`{formula}`" if formula else ""

    def link(self, token: dict[str, Any], state: Any) -> str:
        url = token["attrs"]["url"]
        text = escape_interpreted(_plain(token["children"]))
        if not url:
            return escape_text(_plain(token["children"]))
        return f"`{text or escape_interpreted(url)} <{uri(url)}>`__"

    def footnote_ref(self, token: dict[str, Any], state: Any) -> str:
        return f"[#{self._footnote_label(token['raw'], state)}]_"

    def softbreak(self, token: dict[str, Any], state: Any) -> str:
        return " "

    def linebreak(self, token: dict[str, Any], state: Any) -> str:
        return " "  # paragraphs with hard breaks become line blocks before this is reached

    def inline_html(self, token: dict[str, Any], state: Any) -> str:
        return ""  # reST has no inline raw HTML; the text between tags stays

    # -- images ---------------------------------------------------------------

    @staticmethod
    def _linked_image(token: dict[str, Any]) -> bool:
        children = [c for c in token["children"] if not (c["type"] == "text" and not c["raw"].strip())]
        return len(children) == 1 and children[0]["type"] == "image"

    def _image_options(self, image: dict[str, Any], target: str | None) -> dict[str, str]:
        alt = SPACES.sub(" ", _plain(image["children"])).strip()
        return {"alt": alt, "target": uri(target) if target else ""}

    def _substitution(self, image: dict[str, Any], target: str | None, state: Any, definitions: list[str]) -> str:
        image = resolve_image_token(image, state)
        if not image["attrs"]["url"]:
            return ""
        state.env["rst_images"] += 1
        name = f"image{state.env['rst_scope']}-{state.env['rst_images']}"
        definitions.append(_directive(f"|{name}| image", uri(image["attrs"]["url"]), options=self._image_options(image, target)))
        return f"|{name}|"

    def _lone_image(self, children: list[dict[str, Any]], state: Any) -> str | None:
        """An image directive for a paragraph that is one image (or one linked image)."""
        content = [c for c in children if not (c["type"] == "text" and not c["raw"].strip())]
        if len(content) != 1:
            return None
        token, target = content[0], None
        if token["type"] == "link" and self._linked_image(token):
            token, target = token["children"][0], token["attrs"]["url"]
        if token["type"] != "image":
            return None
        token = resolve_image_token(token, state)
        if not token["attrs"]["url"]:
            return None
        return _directive("image", uri(token["attrs"]["url"]), options=self._image_options(token, target))

    # -- blocks ---------------------------------------------------------------

    def paragraph(self, token: dict[str, Any], state: Any) -> str:
        children = token["children"]
        image = self._lone_image(children, state)
        if image:
            return image
        out, run = "", []
        for child in children:  # display math inside a paragraph becomes its own block
            if child["type"] == "inline_math" and is_display(child["raw"]):
                out += self._text_block(run, state) + self._math_block(child["raw"])
                run = []
            else:
                run.append(child)
        return out + self._text_block(run, state)

    def block_text(self, token: dict[str, Any], state: Any) -> str:
        return self.paragraph(token, state)

    def _text_block(self, children: list[dict[str, Any]], state: Any) -> str:
        definitions: list[str] = []
        if any(child["type"] == "linebreak" for child in children):
            lines, line = [], []
            for child in children + [{"type": "linebreak"}]:
                if child["type"] == "linebreak":
                    lines.append(self.inline(line, state, definitions).strip())
                    line = []
                else:
                    line.append(child)
            text = "\n".join(("| " + line).rstrip() for line in lines)
        else:
            text = guard_block(self.inline(children, state, definitions).strip())
        if not text:
            return "".join(definitions)
        return text + "\n\n" + "".join(definitions)

    def heading(self, token: dict[str, Any], state: Any) -> str:
        definitions: list[str] = []
        title = self.inline(token["children"], state, definitions).strip()
        if not title:
            return "".join(definitions)
        if state.env["rst_nested"]:  # sections cannot live in lists or quotes
            return _directive("rubric", title) + "".join(definitions)
        depth = state.env["rst_document"].section_depth(token["attrs"]["level"])
        adornment = ADORNMENTS[min(depth, len(ADORNMENTS)) - 1]
        return f"{title}\n{adornment * max(column_width(title), 4)}\n\n" + "".join(definitions)

    def thematic_break(self, token: dict[str, Any], state: Any) -> str:
        # a transition is only valid between two body elements at the top level
        return "----\n\n" if token.get("standalone") and not state.env["rst_nested"] else ""

    def block_code(self, token: dict[str, Any], state: Any) -> str:
        from converter.filters.highlight import lexer_name

        code = token["raw"].expandtabs().rstrip("\n")
        if not code.strip():
            return ""
        info = (token.get("attrs") or {}).get("info") or ""
        language = lexer_name(info.split()[0]) if info.strip() else None
        return _directive("code-block", language or "text", code)

    def block_math(self, token: dict[str, Any], state: Any) -> str:
        return self._math_block(token["raw"])

    def _math_block(self, raw: str) -> str:
        lines = [line for line in strip_delimiters(raw).splitlines() if line.strip()]  # blank lines split equations
        return _directive("math", "", "\n".join(lines)) if lines else ""

    def block_quote(self, token: dict[str, Any], state: Any) -> str:
        body = self._nested(token["children"], state).rstrip()
        # the empty comment ends a list or quote before, so the indent reads as a new quote
        return "..\n\n" + indent(body, "    ") + "\n\n" if body else ""

    def block_html(self, token: dict[str, Any], state: Any) -> str:
        html = token["raw"].strip("\n")
        return _directive("raw", "html", html) if html.strip() else ""

    def block_error(self, token: dict[str, Any], state: Any) -> str:
        return ""

    def _nested(self, tokens: list[dict[str, Any]], state: Any) -> str:
        state.env["rst_nested"] += 1
        try:
            return "".join(self.render_token(t, state) for t in tokens if t["type"] != "blank_line")
        finally:
            state.env["rst_nested"] -= 1

    def list(self, token: dict[str, Any], state: Any) -> str:
        ordered = token["attrs"].get("ordered")
        number = token["attrs"].get("start") or 1
        items = []
        for item in token["children"]:
            marker = f"{number}. " if ordered else "- "
            number += 1
            body = self._nested(item["children"], state).strip("\n")
            if item["type"] == "task_list_item":
                body = ("[x] " if item["attrs"].get("checked") else "[ ] ") + body
            items.append(_hang(marker, body))
        compact = token.get("tight") and all("\n" not in item for item in items)
        return ("\n" if compact else "\n\n").join(items) + "\n\n"

    # -- tables and footnotes -------------------------------------------------

    def table(self, token: dict[str, Any], state: Any) -> str:
        definitions: list[str] = []
        rows: list[list[str]] = []
        header = 0
        for part in token["children"]:
            part_rows = [part["children"]] if part["type"] == "table_head" else [row["children"] for row in part["children"]]
            header += len(part_rows) if part["type"] == "table_head" else 0
            for cells in part_rows:
                rows.append([guard_block(self.inline(cell["children"], state, definitions).strip()) for cell in cells])
        width = max(len(row) for row in rows)
        body = "\n".join(
            _hang("* ", "\n".join(_hang("- ", cell) for cell in row + [""] * (width - len(row))))
            for row in rows
        )
        return _directive("list-table", "", body, {"header-rows": str(header) if header else ""}) + "".join(definitions)

    def footnotes(self, token: dict[str, Any], state: Any) -> str:
        # rendered after the snippet, whose text ends without a blank line
        return "\n" + "".join(self.render_token(item, state) for item in token["children"])

    def footnote_item(self, token: dict[str, Any], state: Any) -> str:
        body = self._nested(token["children"], state).strip("\n")
        label = self._footnote_label(token["attrs"]["key"], state)
        return _hang(f".. [#{label}] ", body) + "\n\n"

    @staticmethod
    def _footnote_label(key: str, state: Any) -> str:
        """A label unique in the document: footnotes of different snippets never clash."""
        name = re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-").lower() or "note"
        return f"note{state.env['rst_scope']}-{name}"
