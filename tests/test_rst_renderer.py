"""The markdown-to-reST renderer, one construct at a time.

Each test renders markdown, parses the reST back with docutils (which must report no
warning or error) and checks the document tree means what the markdown meant, with
reST's special characters (``*``, backquote, ``|``, ``_`` at word ends) in the text.
"""

from __future__ import annotations

import io

import pytest

docutils_core = pytest.importorskip("docutils.core")
from docutils import nodes  # noqa: E402

from converter.markdown import render_markdown  # noqa: E402
from converter.markdown.rst import RSTDocument  # noqa: E402


def to_rst(markdown: str, **env) -> str:
    return render_markdown(markdown, "rst", env=env or None)


def parse(rst: str) -> nodes.document:
    """The docutils tree of ``rst``; any warning, error or severe message fails the test."""
    messages = io.StringIO()
    tree = docutils_core.publish_doctree(
        rst, settings_overrides={"warning_stream": messages, "report_level": 2, "halt_level": 5, "doctitle_xform": False}
    )
    assert messages.getvalue() == "", f"docutils complained about:\n{rst}\n{messages.getvalue()}"
    return tree


def tree_of(markdown: str) -> nodes.document:
    return parse(to_rst(markdown))


def all_of(tree: nodes.Node, kind: type) -> list:
    return list(tree.findall(kind))


def shown_images(tree: nodes.Node) -> list:
    """Images in the text (not the substitution definitions they were copied from)."""
    return [image for image in tree.findall(nodes.image)
            if not isinstance(image.parent, nodes.substitution_definition)]


def test_special_characters_in_text_stay_text():
    tree = tree_of(r"5 \* 3 is \`odd\`, |pipe|, name_ and \_\_init\_\_ and snake_case, [1]_ too")
    assert tree.astext() == "5 * 3 is `odd`, |pipe|, name_ and __init__ and snake_case, [1]_ too"
    for kind in (nodes.emphasis, nodes.literal, nodes.reference, nodes.substitution_reference, nodes.footnote_reference):
        assert all_of(tree, kind) == []
    assert "snake_case" in to_rst("snake_case"), "underscores inside words need no escape"


def test_escaped_dollars_are_literal_dollars():
    tree = tree_of(r"costs \$5 and *\$6*")
    assert tree.astext() == "costs $5 and $6"
    assert [node.astext() for node in all_of(tree, nodes.emphasis)] == ["$6"]
    assert all_of(tree, nodes.math) == []


def test_emphasis_and_strong_inside_words_and_with_specials():
    tree = tree_of("foo*bar*baz, **st|ro*ng** and *a `code` b_*")
    emphasis = [node.astext() for node in all_of(tree, nodes.emphasis)]
    assert emphasis == ["bar", "a code b_"]
    assert [node.astext() for node in all_of(tree, nodes.strong)] == ["st|ro*ng"]
    assert tree.astext() == "foobarbaz, st|ro*ng and a code b_"


def test_inline_literals_keep_their_text():
    tree = tree_of("run `x*y_|z` then `` a`b `` and ``` ``c`` ``` end")
    assert [node.astext() for node in all_of(tree, nodes.literal)] == ["x*y_|z", "a`b", "``c``"]


def test_links_with_special_characters_in_text_and_url():
    tree = tree_of("see [a *b* `c`_ | d\\<e>](http://example.com/x_) and "
                   "[spaced](<http://example.com/a b>) and <http://example.com/y_>")
    refs = all_of(tree, nodes.reference)
    assert [(ref.astext(), ref["refuri"]) for ref in refs] == [
        ("a b c_ | d<e>", "http://example.com/x_"),
        ("spaced", "http://example.com/a%20b"),
        ("http://example.com/y_", "http://example.com/y_"),
    ]


def test_lone_inline_and_linked_images():
    tree = tree_of("![alt *x* |y|](pic_.png)\n\ntext ![icon](i.png) more\n\n"
                   "[![badge](https://ci/b.svg)](https://ci/job_)")
    images = shown_images(tree)
    assert [(image["uri"], image.get("alt")) for image in images] == [
        ("pic_.png", "alt x |y|"), ("i.png", "icon"), ("https://ci/b.svg", "badge"),
    ]
    assert isinstance(images[1].parent, nodes.paragraph), "an image inside text stays inside its paragraph"
    assert images[2].parent["refuri"] == "https://ci/job_"


def test_image_urls_go_through_the_resolver():
    rst = render_markdown("![a](attachment:x.png) and ![b](other.png)", "rst",
                          lambda url: "nb_files/x.png" if url == "attachment:x.png" else None)
    assert [image["uri"] for image in shown_images(parse(rst))] == ["nb_files/x.png", "other.png"]


def test_heading_adornments_follow_levels_without_skipping():
    tree = tree_of("# A *x*\n\ntext\n\n### B_\n\ntext\n\n## C\n\n# D |e|\n\n### E\n")
    def outline(node, depth=0):
        for section in node.children:
            if isinstance(section, nodes.section):
                yield depth, section[0].astext()
                yield from outline(section, depth + 1)
    assert list(outline(tree)) == [(0, "A x"), (1, "B_"), (1, "C"), (0, "D |e|"), (1, "E")]


def test_headings_share_one_hierarchy_across_snippets_of_a_document():
    document = RSTDocument()
    first = to_rst("# Title", rst_document=document)
    second = to_rst("intro\n\n### Sub", rst_document=document)
    assert first == "Title\n=====\n"
    assert second.endswith("Sub\n----\n")
    assert [s[0].astext() for s in all_of(parse(first + "\n" + second), nodes.section)] == ["Title", "Sub"]


def test_wide_titles_and_headings_in_lists():
    tree = tree_of("# 日本語のタイトル\n\n- item\n\n  ## inner heading\n")
    assert all_of(tree, nodes.title)[0].astext() == "日本語のタイトル"
    assert [r.astext() for r in all_of(tree, nodes.rubric)] == ["inner heading"]


def test_code_blocks_name_their_language():
    tree = tree_of("```python\nx = '*|_'\n\tindented\n```\n\n```nosuchlanguage\nplain `text`\n```\n\n```\nno info\n```")
    blocks = all_of(tree, nodes.literal_block)
    assert [block.astext() for block in blocks] == ["x = '*|_'\n        indented", "plain `text`", "no info"]
    assert "python" in blocks[0]["classes"]
    assert "python" not in blocks[1]["classes"] and "nosuchlanguage" not in blocks[1]["classes"]


def test_nested_and_ordered_lists():
    tree = tree_of("3. three *x*\n4. four_\n   - nested |a|\n   - nested `b`\n\n     more\n5. five\n")
    outer = all_of(tree, nodes.enumerated_list)[0]
    assert outer["start"] == 3
    assert [item[0].astext() for item in outer.children] == ["three x", "four_", "five"]
    inner = all_of(outer, nodes.bullet_list)[0]
    assert [item.astext() for item in inner.children] == ["nested |a|", "nested b\n\nmore"]


def test_task_list_items_keep_their_boxes():
    tree = tree_of("- [x] done\n- [ ] open\n")
    assert [item.astext() for item in all_of(tree, nodes.list_item)] == ["[x] done", "[ ] open"]


def test_tables_with_special_characters_in_cells():
    tree = tree_of("| a \\| b | *c* |\n|---|---|\n| x_ | - y |\n| `*` | [l](http://e/_) |\n")
    rows = [[entry.astext() for entry in row.children] for row in all_of(tree, nodes.row)]
    assert rows == [["a | b", "c"], ["x_", "- y"], ["*", "l"]]
    assert all_of(tree, nodes.thead), "the markdown header row is the table header"
    assert all_of(tree, nodes.bullet_list) == [], "'- y' stays text"


def test_footnotes_resolve():
    tree = tree_of("text[^n] and more[^2]\n\n[^n]: the *note* |x|\n[^2]: second")
    references = all_of(tree, nodes.footnote_reference)
    footnotes = all_of(tree, nodes.footnote)
    assert len(references) == 2 and all(ref.get("refid") for ref in references)
    assert [note.children[-1].astext() for note in footnotes] == ["the note |x|", "second"]


def test_block_quote_after_a_list():
    tree = tree_of("- item\n\n> quoted *x*_\n> - inner\n")
    quotes = all_of(tree, nodes.block_quote)
    assert len(quotes) == 1
    assert quotes[0][0].astext() == "quoted x_"
    assert len(all_of(tree, nodes.bullet_list)) == 2


def test_math_inline_display_and_in_paragraph():
    tree = tree_of("Let $a_1 * b|c$ be, with $$x^2$$ inside.\n\n$$\n\\sum_i x_i\n\n= y\n$$\n")
    assert [node.astext() for node in all_of(tree, nodes.math)] == ["a_1 * b|c"]
    assert [node.astext() for node in all_of(tree, nodes.math_block)] == ["x^2", "\\sum_i x_i\n= y"]
    assert [p.astext() for p in all_of(tree, nodes.paragraph)] == ["Let a_1 * b|c be, with", "inside."]


def test_raw_html_blocks_stay_html():
    tree = tree_of("<div class='x'>\n*not emphasis*\n</div>\n\ntext <b>bold</b> here")
    raws = all_of(tree, nodes.raw)
    assert [(raw["format"], raw.astext()) for raw in raws] == [("html", "<div class='x'>\n*not emphasis*\n</div>")]
    assert all_of(tree, nodes.paragraph)[-1].astext() == "text bold here"


def test_paragraph_starts_that_reST_reads_as_blocks_stay_paragraphs():
    source = "1\\. not a list\n\n\\- not a bullet\n\n\\.. not a comment\n\n:not: a field\n\n(a) not enumerated\n\nends with::\n\n\\====\n"
    tree = tree_of(source)
    assert [p.astext() for p in all_of(tree, nodes.paragraph)] == [
        "1. not a list", "- not a bullet", ".. not a comment", ":not: a field", "(a) not enumerated", "ends with::", "====",
    ]
    assert all_of(tree, nodes.literal_block) == []


def test_hard_line_breaks_become_line_blocks():
    tree = tree_of("first *line*  \nsecond | line\\\nthird_")
    lines = all_of(tree, nodes.line)
    assert [line.astext() for line in lines] == ["first line", "second | line", "third_"]


def test_transitions_only_between_body_elements():
    tree = tree_of("one\n\n---\n\ntwo")
    assert len(all_of(tree, nodes.transition)) == 1
    assert "----" not in to_rst("---\n\nonly after")
    assert "----" not in to_rst("# Title\n\n---\n\nafter a title")


def test_strikethrough_keeps_its_text():
    assert tree_of("~~gone~~ kept").astext() == "gone kept"
