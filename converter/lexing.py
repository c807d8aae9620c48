"""Pygments regex lexers with a faster rule search; the tokens are the same.

A pygments ``RegexLexer`` finds each token by trying the rules of its current state one
regex call at a time until one matches: for Python's root state that is up to ~50 calls
per token, most of the cost of highlighting a big notebook. Python's ``re`` tries the
branches of ``(r1)|(r2)|...`` in the same order and keeps the first that matches, so one
call to that alternation finds the same rule, and ``lastindex`` says which.

Compiling the alternation costs milliseconds, so a state is combined only after it has
matched ``COMBINE_AFTER`` tokens: a small notebook lexes exactly as pygments does, a big
one pays the compilation once. Lexers whose class replaces pygments' token loop (to
post-process tokens) are left alone.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable, Iterator, Optional

from pygments.lexer import RegexLexer
from pygments.token import Error, Whitespace, _TokenType

COMBINE_AFTER = 1000

Rule = tuple[Callable[[str, int], Optional[re.Match]], Any, Any]

# Flags a rule's regex carries that a scoped group ``(?flags-flags:...)`` can set.
_SCOPED_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))
_LEADING_GLOBAL_FLAGS = re.compile(r"^(?:\(\?[aiLmsux]+\))+")
# Numbered back-references and conditionals would point at other groups once embedded.
_NUMBERED_REFERENCE = re.compile(r"\\[1-9]|\(\?\(")


def _branch(rexmatch: Callable) -> str | None:
    """A rule's regex as a group that means the same inside an alternation, or None."""
    pattern = getattr(rexmatch, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    if pattern.flags & (re.ASCII | re.LOCALE) or _NUMBERED_REFERENCE.search(pattern.pattern):
        return None
    body = _LEADING_GLOBAL_FLAGS.sub("", pattern.pattern, count=1)
    if pattern.flags & re.VERBOSE:
        body += "\n"  # a trailing comment must not swallow the closing parenthesis
    on = "".join(letter for flag, letter in _SCOPED_FLAGS if pattern.flags & flag)
    off = "".join(letter for flag, letter in _SCOPED_FLAGS if not pattern.flags & flag)
    return f"(?{on}-{off}:{body})()" if off else f"(?{on}:{body})()"


class _State:
    """One lexer state: its rules in order, and once busy, their alternation."""

    __slots__ = ("rules", "matched", "alternation", "rule_at")

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.matched = 0
        self.alternation: Callable[[str, int], Optional[re.Match]] | None = None
        self.rule_at: dict[int, Rule] = {}

    def combine(self) -> None:
        """Compile the alternation, unless a rule cannot be embedded (then stay sequential)."""
        branches, rule_at, group = [], {}, 0
        for rule in self.rules:
            branch = _branch(rule[0])
            if branch is None:
                return
            group += rule[0].__self__.groups + 1
            branches.append(branch)
            rule_at[group] = rule
        try:
            self.alternation = re.compile("|".join(branches)).match
        except re.error:  # e.g. two rules naming the same group
            return
        self.rule_at = rule_at

    def find(self, text: str, pos: int) -> tuple[Rule, re.Match] | None:
        """The first rule matching at ``pos`` and a match whose ``group()``/``end()`` are its."""
        if self.alternation is not None:
            found = self.alternation(text, pos)
            if found is None:
                return None
            rule = self.rule_at[found.lastindex]
            action = rule[1]
            if action is not None and type(action) is not _TokenType:
                found = rule[0](text, pos)  # callbacks read the rule's own groups
            return rule, found
        for rule in self.rules:
            found = rule[0](text, pos)
            if found:
                self.matched += 1
                if self.matched == COMBINE_AFTER:
                    self.combine()
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
