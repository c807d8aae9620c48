"""The table of contents of a rendered notebook: its headings that carry an id.

Read with the standard library's streaming HTML parser, so the work is linear in the
page's size whatever the notebook's markup; at most ``MAX_ENTRIES`` headings are kept.
"""

from __future__ import annotations

from html.parser import HTMLParser

MAX_ENTRIES = 300
MAX_TEXT = 120
_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._open: tuple[int, str] | None = None
        self._text: list[str] = []
        self._skip = 0  # inside an anchor link's pilcrow or a script-like element

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _LEVELS and self._open is None:
            ident = dict(attrs).get("id")
            if ident and len(self.found) < MAX_ENTRIES:
                self._open, self._text = (_LEVELS[tag], ident), []
        elif self._open is not None and tag == "a" and "anchor-link" in (dict(attrs).get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == "a" and self._skip:
            self._skip -= 1
        elif self._open is not None and _LEVELS.get(tag) == self._open[0]:
            text = " ".join("".join(self._text).split())[:MAX_TEXT]
            if text:
                self.found.append((self._open[0], self._open[1], text))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._skip and sum(map(len, self._text)) < MAX_TEXT * 4:
            self._text.append(data)


def headings(body: str) -> list[tuple[int, str, str]]:
    parser = _Headings()
    parser.feed(body)
    parser.close()
    return parser.found
