"""Footnotes: mistune's plugin, with lazy continuation lines and no definition ever lost.

``[^1]: first line`` followed by ``second line.`` (not indented) is one footnote, as in
GitHub's markdown: mistune's own rule would make the second line a paragraph of the
text. A definition that nothing in its cell refers to (the reference is often in
another cell) still comes out, as a footnote after the referenced ones.
"""

from __future__ import annotations

from typing import Any

from mistune.plugins import footnotes as mistune_footnotes

# A definition: its first line, lines that continue it (anything but a blank line or
# the start of another block), then paragraphs indented under it.
_LAZY_LINE = r"\n(?![ \t]*(?:\n|$)| {0,3}(?:\[\^|#|>|```|~~~|[-*+][ \t]|\d{1,9}[.)][ \t]))[^\n]*"
REF_FOOTNOTE = (
    r"^(?P<footnote_lead> {0,4})"
    r"\[\^(?P<footnote_key>" + mistune_footnotes._FOOTNOTE_LABEL + r")]:[ \t\n]"
    r"(?P<footnote_text>[^\n]*(?:" + _LAZY_LINE + r")*(?:\n+|$)"
    r"(?:(?P=footnote_lead) {1,4}(?! )[^\n]*\n+)*"
    r")"
)


def _keep_unreferenced(md: Any, result: Any, state: Any) -> Any:
    """Add the definitions no reference used to the cell's footnotes, then render them."""
    defined = state.env.get("ref_footnotes") or {}
    used = state.env.get("footnotes") or []
    unused = [key for key in defined if key not in used]
    if unused:
        state.env["footnotes"] = [*used, *unused]
    return mistune_footnotes.md_footnotes_hook(md, result, state)


def footnotes(md: Any) -> None:
    """mistune's footnotes plugin with the definition rule and render hook above."""
    mistune_footnotes.footnotes(md)
    md.block.register("ref_footnote", REF_FOOTNOTE, mistune_footnotes.parse_ref_footnote, before="ref_link")
    hooks = md.after_render_hooks
    hooks[hooks.index(mistune_footnotes.md_footnotes_hook)] = _keep_unreferenced
