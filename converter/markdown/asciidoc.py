"""Markdown to AsciiDoc: a mistune 3 renderer for Asciidoctor, beside the HTML, LaTeX and reST ones.

Plain text is escaped by converter.markdown.asciidoc_text, so it shows as written.
Markup that touches a word is written unconstrained (``**x**``). What snippets of one
document share (the section hierarchy, whether the last one ended in a list) is an
``AsciiDocDocument`` in the state's env as ``adoc_document``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from mistune.core import BaseRenderer

from converter.markdown import resolve_image_token
from converter.markdown.asciidoc_text import (bracket_text, delimited, escape_text, guard_line, inline_image_target,
                                              link_target, literal_code, url_target)
from converter.markdown.math import is_display, strip_delimiters

# Deepest section AsciiDoc has: level 5 (``======``); deeper headings become discrete ones.
MAX_SECTION_LEVEL = 5

_SPACES = re.compile(r"\s*\n\s*")
_WORD = re.compile(r"\w")
_PLAIN = ("text", "escaped_dollar")
# Characters next to a constrained mark that stop it pairing, (before, after) for other marks and for
# backticks; < > & count because Asciidoctor has made them &lt; &gt; &amp; (ending in ;) by then.
_BLOCKS_CONSTRAINED = {
    False: (re.compile(r"[\w;:}<>&]"), re.compile(r"\w")),
    True: (re.compile(r"[\w;:}<>&\"'`]"), re.compile(r"[\w\"'`]")),
}
# amsmath environments that make their own display, even when written inside $...$
_DISPLAY_ENVIRONMENT = re.compile(r"\\begin\{(?:equation|align|alignat|flalign|gather|multline|eqnarray)\*?\}")


@dataclass
class AsciiDocDocument:
    """State shared by the markdown snippets rendered into one AsciiDoc document."""

    open_levels: list[int] = field(default_factory=list)
    ends_with_list: bool = False  # a list starting the next snippet would join it

    def section_level(self, level: int) -> int:
        """The AsciiDoc section level for a markdown heading: one below the open heading above it.

        ``# A`` then ``### B`` gives levels 1 and 2, so Asciidoctor never sees a section
        out of sequence.
        """
        while self.open_levels and self.open_levels[-1] >= level:
            self.open_levels.pop()
        self.open_levels.append(level)
        return len(self.open_levels)


def _plain(tokens: Iterable[dict[str, Any]]) -> str:
    """The visible text of inline tokens, markup dropped (for alt text)."""
    parts = []
    for token in tokens:
        if "children" in token:
            parts.append(_plain(token["children"]))
        elif token["type"] == "inline_math":
            parts.append(strip_delimiters(token["raw"]))
        elif token["type"] in ("text", "codespan", "escaped_dollar"):
            parts.append(token["raw"])
        elif token["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
    return "".join(parts)


# inline token type -> its AsciiDoc mark (strikethrough is a role on a highlight mark)
_MARKS = {"emphasis": "_", "strong": "*", "codespan": "`", "strikethrough": "#"}


class AsciiDocRenderer(BaseRenderer):
    """Each block method returns its text followed by one blank line."""

    NAME = "asciidoc"

    def __call__(self, tokens: Iterable[dict[str, Any]], state: Any) -> str:
        env = state.env
        env.setdefault("adoc_document", AsciiDocDocument())
        env.setdefault("adoc_nested", 0)
        env.setdefault("adoc_brackets", 0)
        document = env["adoc_document"]
        blocks = [token for token in tokens if token["type"] != "blank_line"]
        text = self._blocks(blocks, state, after_list=document.ends_with_list and not env["adoc_nested"])
        if not env["adoc_nested"] and blocks:
            document.ends_with_list = blocks[-1]["type"] == "list"
        return text.rstrip() + "\n" if text.strip() else ""

    def _blocks(self, blocks: list[dict[str, Any]], state: Any, after_list: bool = False) -> str:
        """Blocks in order; an empty comment keeps a list apart from the list before it."""
        out = ""
        for token in blocks:
            if token["type"] == "list" and after_list:
                out += "//\n\n"
            out += self.render_token(token, state)
            after_list = token["type"] == "list"
        return out

    def render_token(self, token: dict[str, Any], state: Any) -> str:
        return super().render_token(resolve_image_token(token, state), state)

    # -- inline ---------------------------------------------------------------

    def inline(self, tokens: list[dict[str, Any]], state: Any, nested: bool = False) -> str:
        """Inline tokens joined; a mark touching a word character, or inside another mark, is
        doubled (unconstrained)."""
        pieces: list[tuple[str, dict[str, Any] | None]] = []
        for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None]):
            if token["type"] in _PLAIN:  # the plain text around it, for escapes that span the split
                token["adoc_before"] = before["raw"][-1:] if before and before["type"] in _PLAIN else ""
                token["adoc_after"] = after["raw"][:3] if after and after["type"] in _PLAIN else ""
            if token["type"] in _MARKS:
                pieces.append(("", token))
            else:
                text = self.render_token(token, state)
                if text:
                    pieces.append((text, None))
        out = ""
        for index, (text, token) in enumerate(pieces):
            if token is None:
                out += text
                continue
            following = ""
            if index + 1 < len(pieces):
                text_after, mark_after = pieces[index + 1]
                following = text_after[:1] or ("[" if mark_after["type"] == "strikethrough" else _MARKS[mark_after["type"]])
            before, after = _BLOCKS_CONSTRAINED[token["type"] == "codespan"]
            out += self._marked(token, state, nested or bool(before.match(out[-1:]) or after.match(following)))
        return out

    def _marked(self, token: dict[str, Any], state: Any, unconstrained: bool) -> str:
        if token["type"] == "codespan":
            code = token["raw"].replace("\n", " ")
            return literal_code(code, unconstrained) if code.strip() else ""
        open_marks = state.env.setdefault("adoc_open_marks", [])
        open_marks.append(token["type"])
        try:
            body = self.inline(token["children"], state, nested=True).strip()
        finally:
            open_marks.pop()
        if not body or token["type"] in open_marks:  # the same mark cannot nest in AsciiDoc
            return body
        mark = _MARKS[token["type"]] * (2 if unconstrained else 1)
        role = "[.line-through]" if token["type"] == "strikethrough" else ""
        return f"{role}{mark}{body}{mark}"

    def text(self, token: dict[str, Any], state: Any) -> str:
        env = state.env
        return escape_text(token["raw"], env["adoc_brackets"] > 0, token.get("adoc_before", ""),
                           token.get("adoc_after", ""))

    escaped_dollar = text  # a literal $ is plain text in AsciiDoc

    def softbreak(self, token: dict[str, Any], state: Any) -> str:
        return " "  # one line per paragraph: only its first line can start a block

    def linebreak(self, token: dict[str, Any], state: Any) -> str:
        return " +\n"

    def inline_math(self, token: dict[str, Any], state: Any) -> str:
        formula = _SPACES.sub(" ", strip_delimiters(token["raw"])).strip()
        return "stem:[" + formula.replace("]", "\\]") + "]" if formula else ""

    def inline_html(self, token: dict[str, Any], state: Any) -> str:
        html = token["raw"]
        return "" if "+++" in html else f"+++{html}+++"  # HTML passes to the HTML backend

    def link(self, token: dict[str, Any], state: Any) -> str:
        url = token["attrs"]["url"]
        text = self._bracketed(token["children"], state)
        if not url:
            return text
        target = link_target(url)
        if _plain(token["children"]).strip() == url == target[2:-2]:
            return f"link:{target}[]"  # an autolink: the macro shows its URL
        return f"link:{target}[{bracket_text(text)}]"

    def _bracketed(self, tokens: list[dict[str, Any]], state: Any) -> str:
        state.env["adoc_brackets"] += 1
        try:
            return self.inline(tokens, state)
        finally:
            state.env["adoc_brackets"] -= 1

    def image(self, token: dict[str, Any], state: Any) -> str:
        url = token["attrs"]["url"]
        if not url:
            return ""
        return f"image:{inline_image_target(url)}[{self._alt(token)}]"

    @staticmethod
    def _alt(token: dict[str, Any]) -> str:
        return bracket_text(escape_text(_plain(token["children"]), in_brackets=True), attributes=True)

    def footnote_ref(self, token: dict[str, Any], state: Any) -> str:
        """The note's own text in a ``footnote:[...]`` at the reference, as AsciiDoc writes notes."""
        from converter.markdown import render_markdown

        raw = (state.env.get("ref_footnotes") or {}).get(token["raw"], "")
        env = {"adoc_brackets": 1, "adoc_nested": 1, "adoc_document": AsciiDocDocument()}
        note = render_markdown(raw, "asciidoc", state.env.get("resolve_image"), env)
        note = _SPACES.sub(" ", note.replace(" +\n", " ")).strip()
        return f"footnote:[{note}]" if note else ""

    # -- blocks ---------------------------------------------------------------

    def paragraph(self, token: dict[str, Any], state: Any) -> str:
        children = token["children"]
        image = self._lone_image(children, state)
        if image:
            return image
        out, run = "", []
        for child in children:  # display math inside a paragraph becomes its own block
            if child["type"] == "inline_math" and (is_display(child["raw"]) or
                                                   _DISPLAY_ENVIRONMENT.match(strip_delimiters(child["raw"]))):
                out += self._text_block(run, state) + self._math_block(child["raw"])
                run = []
            else:
                run.append(child)
        return out + self._text_block(run, state)

    def block_text(self, token: dict[str, Any], state: Any) -> str:
        return self.paragraph(token, state)

    def _text_block(self, children: list[dict[str, Any]], state: Any) -> str:
        text = self.inline(children, state).strip()
        if not text:
            return ""
        return "\n".join(guard_line(line.strip()) for line in text.split("\n")) + "\n\n"

    def _lone_image(self, children: list[dict[str, Any]], state: Any) -> str | None:
        """A block image for a paragraph that is one image (or one linked image)."""
        content = [c for c in children if not (c["type"] == "text" and not c["raw"].strip())]
        if len(content) != 1:
            return None
        token, link = content[0], None
        if token["type"] == "link" and len(token["children"]) == 1 and token["children"][0]["type"] == "image":
            token, link = token["children"][0], token["attrs"]["url"]
        if token["type"] != "image":
            return None
        token = resolve_image_token(token, state)
        if not token["attrs"]["url"]:
            return None
        attributes = self._alt(token) + (f',link="{url_target(link)}"' if link else "")
        return f"image::{url_target(token['attrs']['url'])}[{attributes}]\n\n"

    def heading(self, token: dict[str, Any], state: Any) -> str:
        title = self.inline(token["children"], state).replace(" +\n", " ").strip()
        if not title:
            return ""
        if title.endswith("="):  # a trailing = would read as the closing marks of a symmetric title
            title = title[:-1] + "&#61;"
        if state.env["adoc_nested"]:  # sections cannot live in lists or quotes
            return f"[discrete]\n{'=' * min(token['attrs']['level'] + 1, 6)} {title}\n\n"
        level = state.env["adoc_document"].section_level(token["attrs"]["level"])
        if level > MAX_SECTION_LEVEL:
            return f"[discrete]\n{'=' * (MAX_SECTION_LEVEL + 1)} {title}\n\n"
        return f"{'=' * (level + 1)} {title}\n\n"

    def thematic_break(self, token: dict[str, Any], state: Any) -> str:
        return "'''\n\n"

    def block_code(self, token: dict[str, Any], state: Any) -> str:
        code = token["raw"].rstrip("\n")
        if not code.strip():
            return ""
        info = (token.get("attrs") or {}).get("info") or ""
        language = re.sub(r"[^\w+#.-]", "", info.split()[0]) if info.strip() else ""
        return delimited("-", code, f"source,{language}" if language else "source")

    def block_math(self, token: dict[str, Any], state: Any) -> str:
        return self._math_block(token["raw"])

    def _math_block(self, raw: str) -> str:
        lines = [line for line in strip_delimiters(raw).splitlines() if line.strip()]
        return delimited("+", "\n".join(lines), "stem") if lines else ""

    def block_quote(self, token: dict[str, Any], state: Any) -> str:
        body = self._nested(token["children"], state).strip("\n")
        return delimited("_", body) if body else ""

    def block_html(self, token: dict[str, Any], state: Any) -> str:
        html = token["raw"].strip("\n")
        return delimited("+", html) if html.strip() else ""

    def block_error(self, token: dict[str, Any], state: Any) -> str:
        return ""

    def _nested(self, tokens: list[dict[str, Any]], state: Any) -> str:
        state.env["adoc_nested"] += 1
        try:
            return self._blocks([t for t in tokens if t["type"] != "blank_line"], state)
        finally:
            state.env["adoc_nested"] -= 1

    def list(self, token: dict[str, Any], state: Any) -> str:
        """Items marked by depth (``*``, ``**``; ``.``, ``..``); later blocks attached with ``+``."""
        depth = token["attrs"].get("depth", 0) + 1
        ordered = token["attrs"].get("ordered")
        marker = ("." if ordered else "*") * min(depth, 5)
        start = token["attrs"].get("start")
        out = f"[start={start}]\n" if ordered and start not in (None, 1) else ""
        for item in token["children"]:
            blocks = [t for t in item["children"] if t["type"] != "blank_line"]
            check = ""
            if item["type"] == "task_list_item":
                check = "[x] " if item["attrs"].get("checked") else "[ ] "
            parts = []
            for index, block in enumerate(blocks):
                text = self._nested([block], state).strip("\n")
                if not text:
                    continue
                if block["type"] == "list":
                    parts.append(("", text))
                elif not parts and block["type"] in ("paragraph", "block_text") and not text.startswith(("image::", "[")):
                    parts.append(("first", text))
                else:
                    parts.append(("+", text))
            line = f"{marker} {check}"
            if not parts or parts[0][0] != "first":
                line += "{empty}"
            body = ""
            for kind, text in parts:
                if kind == "first":
                    body += text
                elif kind == "+":
                    body += "\n+\n" + text
                else:
                    body += "\n" + text
            out += (line + body).rstrip() + "\n"
        return out + "\n"

    # -- tables and footnotes -------------------------------------------------

    def table(self, token: dict[str, Any], state: Any) -> str:
        rows: list[list[str]] = []
        aligns: list[str | None] = []
        header = False
        for part in token["children"]:
            part_rows = [part["children"]] if part["type"] == "table_head" else [r["children"] for r in part["children"]]
            header = header or part["type"] == "table_head"
            for cells in part_rows:
                if not aligns:
                    aligns = [(cell.get("attrs") or {}).get("align") for cell in cells]
                rows.append([table_cell(self.inline(cell["children"], state)) for cell in cells])
        width = max(len(row) for row in rows)
        aligns += [None] * (width - len(aligns))
        cols = ",".join({"left": "<", "center": "^", "right": ">"}.get(a or "", "") + "1" for a in aligns)
        attributes = f'cols="{cols}"' + (',options="header"' if header else "")
        lines = ["| " + " | ".join(row + [""] * (width - len(row))) for row in rows]
        if header and len(lines) > 1:
            lines.insert(1, "")  # the header row is the first line, followed by a blank line
        return f"[{attributes}]\n|===\n" + "\n".join(lines) + "\n|===\n\n"

    def footnotes(self, token: dict[str, Any], state: Any) -> str:
        return ""  # each note was written where it is referenced

    def footnote_item(self, token: dict[str, Any], state: Any) -> str:
        return ""


def table_cell(text: str) -> str:
    """A cell on one line; every ``|`` escaped, as the table parser reads them before any markup."""
    return text.replace(" +\n", " ").replace("\n", " ").replace("|", "\\|").strip()
