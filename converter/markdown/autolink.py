"""Bare URLs become links (mistune's ``url`` plugin), ending before emphasis markers.

``*http://host/path/*`` is an emphasised link, as GitHub and JupyterLab show it: a
trailing ``*``, ``_`` or ``~`` closes markup, it is not part of the address.
"""

from __future__ import annotations

from typing import Any

from mistune.plugins.url import parse_url_link

URL_LINK_PATTERN = r"""https?:\/\/[^\s<]+[^<.,:;"')\]\s*_~]"""


def autolink(md: Any) -> None:
    md.inline.register("url_link", URL_LINK_PATTERN, parse_url_link)
