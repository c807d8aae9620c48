"""Pygments regex lexers with a faster rule search; the tokens are the same.

A pygments ``RegexLexer`` finds each token by trying the rules of its current state one
regex call at a time until one matches: in Python's root state up to ~50 calls per token,
most of the cost of highlighting a big notebook. Most rules cannot match where the text
continues with a given character (``def`` never starts at a space), so once a state is
busy its rules are indexed by the ASCII characters their matches can start with, read
from each regex by Python's own parser (``re._parser``). At each position only the rules
that can start with the next character are tried, in their order: the first that matches
is the one pygments would have found. A rule whose first characters are not known for
sure (it may match empty, starts with ``.``, a back-reference, case folding beyond
ASCII) stays a candidate everywhere, and non-ASCII text tries every rule.

Indexing costs a few milliseconds, so a state is indexed after ``INDEX_AFTER`` tokens:
a small notebook lexes exactly as pygments does. Lexers whose class replaces pygments'
token loop (to post-process tokens) are left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from re import _constants as sre
from re import _parser
from typing import Any, Callable, Iterator, Optional

from pygments.lexer import RegexLexer
from pygments.token import Error, Whitespace, _TokenType

INDEX_AFTER = 2000

Rule = tuple[Callable[[str, int], Optional[re.Match]], Any, Any]
FirstChars = Optional[frozenset]  # None: the rule may match empty or start with anything

_ASCII = frozenset(map(chr, range(128)))
_CATEGORIES = {
    sre.CATEGORY_DIGIT: frozenset("0123456789"),
    sre.CATEGORY_SPACE: frozenset(char for char in _ASCII if char.isspace()),
    sre.CATEGORY_WORD: frozenset(char for char in _ASCII if char.isalnum() or char == "_"),
}
_CATEGORIES.update({
    sre.CATEGORY_NOT_DIGIT: _ASCII - _CATEGORIES[sre.CATEGORY_DIGIT],
    sre.CATEGORY_NOT_SPACE: _ASCII - _CATEGORIES[sre.CATEGORY_SPACE],
    sre.CATEGORY_NOT_WORD: _ASCII - _CATEGORIES[sre.CATEGORY_WORD],
})
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _class_chars(items: list, flags: int) -> FirstChars:
    """The ASCII characters a ``[...]`` class matches (their case variants under IGNORECASE)."""
    ignore_case = flags & re.IGNORECASE
    chars: set[str] = set()
    negate = False
    # Under IGNORECASE, non-ASCII members may fold to ASCII letters and a complement of
    # folded letters is no superset: give up on those classes.
    for op, value in items:
        if op is sre.NEGATE:
            if ignore_case:
                return None
            negate = True
        elif op is sre.LITERAL:
            if value > 127 and ignore_case:
                return None
            chars.update(chr(value) if value < 128 else "")
        elif op is sre.RANGE:
            if value[1] > 127 and ignore_case:
                return None
            chars.update(map(chr, range(value[0], min(value[1], 127) + 1)))
        elif op is sre.CATEGORY and value in _CATEGORIES:
            chars |= _CATEGORIES[value]
        else:
            return None
    if ignore_case:
        chars |= {char for char in _ASCII if char.lower() in chars or char.upper() in chars}
    return frozenset(_ASCII - chars if negate else chars)


def _sequence_first(items: list, flags: int) -> tuple[FirstChars, bool]:
    """(ASCII characters a match of ``items`` can start with, whether it can be empty)."""
    chars: set[str] = set()
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue  # anchors and lookarounds narrow a match, never widen its first character
        if op is sre.LITERAL:
            if value > 127:
                if flags & re.IGNORECASE:
                    return None, True
                return frozenset(chars), False
            char = chr(value)
            first: FirstChars = frozenset({char, char.lower(), char.upper()} if flags & re.IGNORECASE else {char})
            empty = False
        elif op is sre.IN:
            first, empty = _class_chars(value, flags), False
        elif op is sre.BRANCH:
            results = [_sequence_first(branch, flags) for branch in value[1]]
            first = None if any(r[0] is None for r in results) else frozenset().union(*(r[0] for r in results))
            empty = any(r[1] for r in results)
        elif op is sre.SUBPATTERN:
            _, add, remove, inner = value
            first, empty = _sequence_first(inner, (flags | add) & ~remove)
        elif op is sre.ATOMIC_GROUP:
            first, empty = _sequence_first(value, flags)
        elif op in _REPEATS:
            low, high, inner = value
            if high == 0:
                continue
            first, empty = _sequence_first(inner, flags)
            empty = empty or low == 0
        else:  # any character, back-references, conditionals
            return None, True
        if first is None:
            return None, True
        chars |= first
        if not empty:
            return frozenset(chars), False
    return frozenset(chars), True


def first_chars(rexmatch: Callable) -> FirstChars:
    """The ASCII characters a rule's match can start with, or None when that is not known."""
    pattern = getattr(rexmatch, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str) or pattern.flags & re.ASCII:
        return None
    return _pattern_first_chars(pattern)


@lru_cache(maxsize=None)
def _pattern_first_chars(pattern: re.Pattern) -> FirstChars:
    """first_chars, once per regex (pygments shares the rules of included states)."""
    try:
        chars, empty = _sequence_first(list(_parser.parse(pattern.pattern, pattern.flags)), pattern.flags)
    except (re.error, TypeError, ValueError):
        return None
    return None if empty else chars


class _State:
    """One lexer state: its rules in order, and once busy, the rules worth trying per character."""

    __slots__ = ("rules", "lookups", "firsts", "by_char")

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.lookups = 0
        self.firsts: list[FirstChars] | None = None
        self.by_char: dict[str, list[Rule]] = {}

    def candidates(self, char: str) -> list[Rule]:
        """The rules that can match where the text continues with ``char``, in order."""
        if len(char) != 1 or char > "\x7f":
            return self.rules
        return [rule for rule, first in zip(self.rules, self.firsts) if first is None or char in first]

    def find(self, text: str, pos: int) -> tuple[Rule, re.Match] | None:
        """The first rule matching at ``pos``, and its match."""
        if self.firsts is None:
            rules = self.rules
            self.lookups += 1
            if self.lookups == INDEX_AFTER:
                self.firsts = [first_chars(rule[0]) for rule in self.rules]
        else:
            char = text[pos:pos + 1]
            rules = self.by_char.get(char)
            if rules is None:
                rules = self.by_char[char] = self.candidates(char)
        for rule in rules:
            found = rule[0](text, pos)
            if found:
                return rule, found
        return None


class _States(dict):
    """State name -> _State, built on first use from the lexer's processed rules."""

    def __init__(self, lexer: RegexLexer) -> None:
        super().__init__()
        self.tokendefs = lexer._tokens

    def __missing__(self, name: str) -> _State:
        state = self[name] = _State(self.tokendefs[name])
        return state


def _push(stack: list[str], transition: Any) -> None:
    """Apply a rule's state transition to ``stack`` the way pygments defines them."""
    if isinstance(transition, tuple):
        for name in transition:
            if name == "#pop":
                if len(stack) > 1:
                    stack.pop()
            elif name == "#push":
                stack.append(stack[-1])
            else:
                stack.append(name)
    elif isinstance(transition, int):  # pop that many, keeping the bottom state
        del stack[max(1, len(stack) + transition):]
    elif transition == "#push":
        stack.append(stack[-1])


def _tokens(lexer: RegexLexer, states: _States, text: str,
            stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    stack_now = list(stack)
    state = states[stack_now[-1]]
    pos, end = 0, len(text)
    while True:
        found = state.find(text, pos)
        if found is None:
            if pos >= end:
                return
            if text[pos] == "\n":  # an unmatched newline ends whatever state was open
                stack_now = ["root"]
                state = states["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1
            continue
        (_, action, transition), match = found
        if action is not None:
            if type(action) is _TokenType:
                yield pos, action, match.group()
            else:
                yield from action(lexer, match)
        pos = match.end()
        if transition is not None:
            _push(stack_now, transition)
            state = states[stack_now[-1]]


def accelerate(lexer: Any) -> Any:
    """``lexer`` with the faster rule search when it uses pygments' own regex loop."""
    if isinstance(lexer, RegexLexer) and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed:
        lexer.get_tokens_unprocessed = partial(_tokens, lexer, _States(lexer))
    return lexer
