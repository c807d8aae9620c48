"""The faster lexers give pygments' own tokens, and the LaTeX code formatter its bytes.

Every comparison is against an untouched pygments lexer or formatter on the same input;
``INDEX_AFTER`` is lowered so the first-character index is the one under test.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import format as format_tokens
from pygments.formatters import LatexFormatter
from pygments.lexer import RegexLexer, default, include
from pygments.lexers import get_lexer_by_name
from pygments.token import Token

from converter import lexing
from converter.filters.highlight import notebook_language
from converter.filters.latex_code import LatexCodeFormatter
from tests.conftest import CORPUS, corpus_notebooks

# Languages of notebooks and markdown fences; a mix of accelerated and left-alone lexers.
LANGUAGES = ["python", "javascript", "bash", "julia", "r", "html", "css", "latex", "sql", "rust",
             "go", "java", "toml", "markdown", "ini", "diff", "c", "ruby", "yaml", "json"]
FENCE = re.compile(r"^```[ \t]*(\w+)[^\n]*\n(.*?)^```", re.M | re.S)


@pytest.fixture(autouse=True)
def index_at_once(monkeypatch):
    monkeypatch.setattr(lexing, "INDEX_AFTER", 1)


def pair(language: str):
    """(pygments' lexer, an accelerated lexer of its own) for ``language``."""
    return get_lexer_by_name(language), lexing.accelerate(get_lexer_by_name(language))


def sources(path) -> list[tuple[str, str]]:
    """(language, code) for every code cell and every fenced markdown block of a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    language = notebook_language(nb.get("metadata", {})).replace("ipython3", "python")
    found = []
    for cell in nb.get("cells", []):
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "code":
            found.append((language, text))
        elif cell["cell_type"] == "markdown":
            found.extend((lang.lower(), code) for lang, code in FENCE.findall(text) if lang.lower() in LANGUAGES)
    return found


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_code_lexes_to_pygments_tokens(path):
    checked = 0
    for language, code in sources(path):
        plain, fast = pair(language)
        assert list(fast.get_tokens(code)) == list(plain.get_tokens(code)), (language, code[:200])
        checked += 1
    assert checked or not sources(path)


def test_busy_states_are_indexed():
    plain, fast = pair("python")
    code = "def f(x):\n    return 'a' + str(x)  # note\n" * 20
    assert list(fast.get_tokens(code)) == list(plain.get_tokens(code))
    states = fast.get_tokens_unprocessed.args[1]  # the _States the lexer was given
    assert states["root"].firsts is not None


@pytest.mark.parametrize("language", ["c", "ruby", "yaml", "json", "php"])
def test_lexers_with_their_own_token_loop_are_left_alone(language):
    lexer = get_lexer_by_name(language)
    assert lexing.accelerate(lexer) is lexer
    assert "get_tokens_unprocessed" not in vars(lexer)


CODE_CHARS = st.sampled_from(list("abcdefxyz_019 \t\n\\\"'`#$%&()[]{}<>=+-*/.,:;!?@|^~") + ["def ", "class ",
                             "import ", "return ", "<div>", "</", "<!--", "-->", "/*", "*/", '"""', "'''",
                             "f'", "r\"", "\\begin{x}", "$$", "```", "[[", "]]", "0x1F", "1e-3", "{%", "%}"])


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(text=st.lists(CODE_CHARS, max_size=60).map("".join), language=st.sampled_from(LANGUAGES))
def test_random_text_lexes_to_pygments_tokens(text, language):
    plain, fast = pair(language)
    assert list(fast.get_tokens(text)) == list(plain.get_tokens(text))


class Transitions(RegexLexer):
    """Every kind of state transition pygments knows, in a few rules."""

    tokens = {
        "root": [(r"\(", Token.Punctuation, "inner"), (r"!", Token.Keyword, "#pop:2"),
                 (r"\[", Token.Punctuation, ("inner", "inner")), (r"\s+", Token.Text), (r"\w+", Token.Name)],
        "inner": [(r"\)", Token.Punctuation, "#pop"), (r"\+", Token.Operator, "#push"),
                  (r"\]", Token.Punctuation, "#pop:3"), (r"-", Token.Operator, ("#pop", "#push")),
                  include("root"), default("#pop")],
    }


@pytest.mark.parametrize("text", ["!a", "(a(b)c)", "[x]!y", "(+ + ] z", "(- a) b", "((\n)", "[ \n"])
def test_state_transitions_follow_pygments(text):
    plain, fast = Transitions(), lexing.accelerate(Transitions())
    assert list(fast.get_tokens(text)) == list(plain.get_tokens(text))


def test_unmatched_characters_and_newlines_follow_pygments():
    # Error tokens and the return to the root state at an unmatched newline.
    for language, text in [("json", "{\"a\": @\n1}"), ("ini", "[sec\n\x00x=1\n"), ("toml", "a = \"\n\"\n~")]:
        plain, fast = pair(language)
        assert list(fast.get_tokens(text)) == list(plain.get_tokens(text))


def latex_tokens() -> list[list]:
    """Token lists covering every character LaTeX escapes, multi-line tokens and escapes."""
    lexer = get_lexer_by_name("python")
    texts = ["s = '\\\\ { } ^ _ & < > # % $ - \" ~'\n", 'x = """a\n\nb"""  # ~comment%\n',
             "def f(a_b, *c, **d):\n    return a_b ^ c & d\n"]
    if CORPUS.is_dir():
        texts += [code for path in sorted(CORPUS.rglob("*.ipynb"))[:10] for _, code in sources(path)]
    tokens = [list(lexer.get_tokens(text)) for text in texts]
    tokens.append([(Token.Escape, "\\textbf{raw}"), (Token, "plain {x}\n"), (Token.Name.Custom.Sub, "a\nb")])
    return tokens


def test_latex_code_formatter_writes_pygments_bytes():
    plain, fast = LatexFormatter(envname="Highlighting"), LatexCodeFormatter(envname="Highlighting")
    for tokens in latex_tokens():
        assert format_tokens(tokens, fast) == format_tokens(tokens, plain)


@pytest.mark.parametrize("options", [{"linenos": True}, {"texcomments": True}, {"mathescape": True},
                                     {"escapeinside": "||"}, {"commandprefix": "PYG"}])
def test_latex_code_formatter_options_match_pygments(options):
    plain, fast = LatexFormatter(**options), LatexCodeFormatter(**options)
    for tokens in latex_tokens()[:3]:
        assert format_tokens(tokens, fast) == format_tokens(tokens, plain)


@pytest.mark.parametrize("pattern, flags, expected", [
    (r"def\b", 0, "d"),
    (r"(?i)(rf|fr)(\"\"\")", 0, "rRfF"),
    (r"[^\S\n]+", 0, " \t\r\x0b\x0c\x1c\x1d\x1e\x1f"),
    (r"(?:ab)?c", 0, "ac"),
    (r"a*b{0}c|x{0}", 0, None),  # may match empty
    (r"(?=x)y|\bz", 0, "yz"),
    (r"[\d_]+", 0, "0123456789_"),
    (r"(?i:[a-b])", 0, "abAB"),
    (r".", 0, None),
    (r"\u00e9t\u00e9|#", 0, "#"),
    (r"(?i)\u017f", 0, None),  # the long s folds to an ASCII s
    (r"(a)\1", 0, "a"),
    (r"$|\n", re.M, None),
])
def test_first_chars_of_a_regex(pattern, flags, expected):
    chars = lexing.first_chars(re.compile(pattern, flags).match)
    assert chars == (None if expected is None else frozenset(expected))


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(text=st.lists(CODE_CHARS, min_size=1, max_size=40).map("".join), language=st.sampled_from(LANGUAGES))
def test_no_rule_matches_where_its_first_chars_say_it_cannot(text, language):
    lexer = get_lexer_by_name(language)
    rules = {rule[0] for state in getattr(lexer, "_tokens", {}).values() for rule in state}
    for rexmatch in rules:
        chars = lexing.first_chars(rexmatch)
        if chars is None:
            continue
        for pos in range(len(text)):
            if text[pos] < "\x80" and rexmatch(text, pos):
                assert text[pos] in chars, (rexmatch.__self__.pattern, text, pos)


MIXED_TEXT = ("#!/bin/sh\n# comment ü\nimport os  // note /* block */ <div class=\"x\">&amp;</div>\n"
              "def f(a, *b): return a[0] + 0x1F - 1e-3  % $x @{y} `z` 'q' \"w\" \\n\n"
              "\\begin{x} $$a_b$$ \\end{x}\n[section]\nkey = value ; done\n{% tag %} {{ v }}\n\tEND.\n")


def test_every_accelerated_pygments_lexer_gives_its_tokens():
    from pygments.lexers import get_all_lexers

    checked = 0
    for _, aliases, _, _ in get_all_lexers(plugins=False):
        plain = get_lexer_by_name(aliases[0]) if aliases else None
        if plain is None or not isinstance(plain, RegexLexer):
            continue
        fast = lexing.accelerate(get_lexer_by_name(aliases[0]))
        if "get_tokens_unprocessed" in vars(fast):
            assert list(fast.get_tokens(MIXED_TEXT)) == list(plain.get_tokens(MIXED_TEXT)), aliases[0]
            checked += 1
    assert checked > 300  # pygments ships ~400 regex lexers that keep its token loop
