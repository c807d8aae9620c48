"""IPython syntax to the plain Python IPython itself runs for it, so scripts compile.

``%magic args`` becomes ``get_ipython().run_line_magic('magic', 'args')``, a ``%%magic``
cell ``run_cell_magic``, ``!cmd`` ``system``, ``x = !cmd`` ``getoutput`` and ``obj?``
``pinfo``, and an automagic line that is not Python (``ls dir``) ``run_line_magic``. Lines inside brackets or multi-line strings are left alone.
"""

from __future__ import annotations

import io
import re
import tokenize

_TARGETS = r"[\w.]+(?:\s*,\s*[\w.]+)*"
_ASSIGNED = re.compile(rf"^(?P<indent>\s*)(?P<target>{_TARGETS})\s*=\s*(?P<kind>!!?|%)(?P<rest>.*)$", re.S)
_ESCAPED = re.compile(r"^(?P<indent>\s*)(?P<kind>!!?|%)(?P<rest>.*)$", re.S)
_WORDS = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z_]\w*)(?P<rest>\s.*)?$", re.S)
# Magics and shell aliases IPython runs without the % ("automagic"): ``ls dir``, ``pip install x``.
AUTOMAGICS = frozenset(
    "alias cat cd clear conda cp env history less load ll ls man matplotlib mkdir more mv pip "
    "popd pushd pwd reset rm rmdir run time timeit who whos xdel".split()
)
_HELP = re.compile(r"^(?P<indent>\s*)(?:(?P<before>\?\??)(?P<name>[\w.*]+)|(?P<name2>[\w.*]+)(?P<after>\?\??))\s*$")


def _call(kind: str, rest: str, assigned: bool = False) -> str:
    if kind == "%":
        name, _, args = rest.partition(" ")
        return f"get_ipython().run_line_magic({name!r}, {args.strip()!r})"
    method = "system" if kind == "!" and not assigned else "getoutput"
    return f"get_ipython().{method}({rest.strip()!r})"


def translate_line(line: str) -> str | None:
    """The Python for one IPython-only line, or None if the line is plain Python."""
    match = _ASSIGNED.match(line)
    if match and match["rest"].strip():
        return f"{match['indent']}{match['target']} = {_call(match['kind'], match['rest'], assigned=True)}"
    match = _ESCAPED.match(line)
    if match and match["rest"].strip():
        return match["indent"] + _call(match["kind"], match["rest"])
    match = _WORDS.match(line)
    if match and match["name"] in AUTOMAGICS and not _compiles(line.strip()):
        return match["indent"] + _call("%", match["name"] + (match["rest"] or ""))
    match = _HELP.match(line)
    if match:
        marks = match["before"] or match["after"]
        return f"{match['indent']}get_ipython().run_line_magic({'pinfo2' if len(marks) == 2 else 'pinfo'!r}, {match['name'] or match['name2']!r})"
    return None


def _compiles(line: str) -> bool:
    try:
        compile(line, "<line>", "exec")
    except SyntaxError:
        return False
    return True


def _at_statement_start(previous: list[str]) -> bool:
    """Whether the next line starts a statement (not inside brackets, strings or a ``\\``)."""
    if not previous:
        return True
    if previous[-1].endswith("\\"):
        return False
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(previous) + "\n").readline):
            pass
    except tokenize.TokenError:
        return False  # EOF inside a bracket or a multi-line string
    except (IndentationError, SyntaxError):
        return True
    return True


def ipython2python(code: str) -> str:
    """``code`` with IPython magics, shell escapes and help requests made into Python."""
    if code.startswith("%%"):
        first, _, body = code.partition("\n")
        name, _, args = first[2:].partition(" ")
        if body and not body.endswith("\n"):
            body += "\n"  # IPython hands a cell magic its body with the cell's last newline
        return f"get_ipython().run_cell_magic({name!r}, {args.strip()!r}, {body!r})"
    lines = code.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        words = line.split(None, 1)
        candidate = (
            line.lstrip()[:1] in ("%", "!", "?") or line.rstrip().endswith("?") or "=" in line
            or (bool(words) and words[0] in AUTOMAGICS)
        )
        if candidate and _at_statement_start(out):
            while line.endswith("\\") and index + 1 < len(lines):  # a magic continued on the next line
                index += 1
                line = line[:-1] + lines[index]
            translated = translate_line(line)
            out.append(line if translated is None else translated)
        else:
            out.append(line)
        index += 1
    return "\n".join(out)
