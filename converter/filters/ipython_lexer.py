"""Python plus IPython's own syntax, for notebooks whose ``pygments_lexer`` is ``ipython3``.

Pygments' ``ipython3`` lexer comes from IPython and importing it loads all of IPython
(about half a second), so nbconv highlights IPython syntax itself: ``%magic`` and
``%%magic`` lines, ``!shell`` commands (and ``x = !cmd``) and ``obj?`` help requests are
operators and names, not the error tokens plain Python would give them. Everything
else is pygments' Python lexer, so the rule search in converter.lexing applies.
"""

from __future__ import annotations

import re

from functools import lru_cache
from typing import Any, Iterator

from pygments.lexer import bygroups, inherit, using
from pygments.lexers.python import PythonLexer
from pygments.lexers.shell import BashLexer
from pygments.token import Keyword, Operator, Text, Whitespace

# Cell magics whose body is another language; the others hold Python or plain text.
_BODY_LANGUAGES = {"bash": "bash", "sh": "bash", "script": "bash", "html": "html", "javascript": "javascript",
                   "js": "javascript", "latex": "latex", "svg": "xml", "markdown": "markdown", "ruby": "ruby",
                   "perl": "perl", "sql": "sql"}
_PYTHON_BODIES = frozenset({"time", "timeit", "capture", "prun", "debug", "pypy", "python", "python3"})


@lru_cache(maxsize=None)
def _body_lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name

    from converter.lexing import accelerate

    return accelerate(get_lexer_by_name(language))


_STACKED_MAGIC = re.compile(r"(?s)([ \t\n]*)(%%)(\w+)([^\n]*)(.*)")


def _cell_magic(lexer: Any, match: Any) -> Iterator[tuple[int, Any, str]]:
    """``%%name args`` on the cell's first line, then its body in the magic's language."""
    yield match.start(1), Whitespace, match.group(1)
    yield match.start(2), Operator, match.group(2)
    yield match.start(3), Keyword, match.group(3)
    yield match.start(4), Text, match.group(4)
    body, start = match.group(5), match.start(5)
    name = match.group(3)
    while name in _PYTHON_BODIES and (stacked := _STACKED_MAGIC.match(body)):
        # %%time over %%timeit over ...: each header here, in a loop, never by recursion
        for group, token in zip(range(1, 5), (Whitespace, Operator, Keyword, Text)):
            yield start + stacked.start(group), token, stacked.group(group)
        name, body, start = stacked.group(3), stacked.group(5), start + stacked.start(5)
    if not body:
        return
    if name in _PYTHON_BODIES:
        inner: Any = lexer
    elif name in _BODY_LANGUAGES:
        inner = _body_lexer(_BODY_LANGUAGES[name])
    else:
        inner = None
    if inner is None:
        yield start, Text, body
        return
    for index, token, value in inner.get_tokens_unprocessed(body):
        yield start + index, token, value


class IPythonLexer(PythonLexer):
    """Pygments' Python lexer with IPython's magics, shell escapes and help marks."""

    name = "IPython (nbconv)"
    aliases: list[str] = []  # reached through converter.filters.highlight, never registered
    filenames: list[str] = []

    tokens = {
        "root": [
            (r"(?s)\A([ \t\n]*)(%%)(\w+)([^\n]*)(.*)", _cell_magic),
            (r"^([ \t]*)(%)(\w+)([^\n]*)", bygroups(Whitespace, Operator, Keyword, Text)),
            (r"^([ \t]*)(!!?)([^\n]*)", bygroups(Whitespace, Operator, using(BashLexer))),
            (r"(=)([ \t]*)(%)(\w+)([^\n]*)", bygroups(Operator, Whitespace, Operator, Keyword, Text)),
            (r"(!)(?!=)([^\n]*)", bygroups(Operator, using(BashLexer))),
            (r"^([ \t]*)(\?\??)", bygroups(Whitespace, Operator)),
            (r"\?\??(?=[ \t]*$)", Operator),
            inherit,
        ],
    }
