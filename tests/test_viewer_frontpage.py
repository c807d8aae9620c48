"""Front-page rewriting: every URL form a person pastes becomes the viewer's route."""

from __future__ import annotations

import pytest

from converter.viewer.frontpage import Hosts, route_for

CASES = [
    # GitHub web pages
    ("https://github.com/jupyter/notebook/blob/main/docs/a%20b.ipynb", "/github/jupyter/notebook/blob/main/docs/a%20b.ipynb"),
    ("https://github.com/jupyter/notebook/raw/v7.0.0/x.ipynb", "/github/jupyter/notebook/blob/v7.0.0/x.ipynb"),
    ("https://github.com/jupyter/notebook/tree/main/docs", "/github/jupyter/notebook/tree/main/docs"),
    ("https://github.com/jupyter/notebook/tree/main", "/github/jupyter/notebook/tree/main"),
    ("https://github.com/jupyter/notebook", "/github/jupyter/notebook"),
    ("https://github.com/jupyter/notebook/", "/github/jupyter/notebook"),
    ("https://github.com/jupyter", "/github/jupyter"),
    ("github.com/jupyter/notebook/blob/main/x.ipynb", "/github/jupyter/notebook/blob/main/x.ipynb"),
    ("https://www.github.com/o/r/blob/0123abc/n.ipynb", "/github/o/r/blob/0123abc/n.ipynb"),
    ("https://raw.githubusercontent.com/o/r/main/dir/n.ipynb", "/github/o/r/blob/main/dir/n.ipynb"),
    # gists
    ("https://gist.github.com/someone/0123456789abcdef0123", "/gist/someone/0123456789abcdef0123"),
    ("https://gist.github.com/0123456789abcdef0123", "/gist/0123456789abcdef0123"),
    ("https://gist.github.com/someone", "/gist/someone/"),
    ("https://gist.githubusercontent.com/someone/0123456789abcdef0123/raw/abc/n.ipynb",
     "/gist/someone/0123456789abcdef0123"),
    # GitLab
    ("https://gitlab.com/group/sub/project/-/blob/main/n.ipynb", "/gitlab/gitlab.com/group/sub/project/-/blob/main/n.ipynb"),
    ("https://gitlab.com/group/project/-/raw/v1/dir/n.ipynb", "/gitlab/gitlab.com/group/project/-/blob/v1/dir/n.ipynb"),
    ("https://gitlab.com/group/project/-/tree/main/dir", "/gitlab/gitlab.com/group/project/-/tree/main/dir"),
    ("https://gitlab.com/group/project", "/gitlab/gitlab.com/group/project"),
    # bare names
    ("jupyter", "/github/jupyter"),
    ("jupyter/notebook", "/github/jupyter/notebook"),
    ("0123456789abcdef0123456789abcdef", "/gist/0123456789abcdef0123456789abcdef"),
    # plain URLs
    ("http://example.org/n.ipynb", "/url/example.org/n.ipynb"),
    ("https://example.org:8443/a/n.ipynb?x=1", "/urls/example.org:8443/a/n.ipynb?x=1"),
    ("example.org/n.ipynb", "/urls/example.org/n.ipynb"),
    ("https://github.com/o/r/issues/3", "/urls/github.com/o/r/issues/3"),
    # nothing to show
    ("", None),
    ("ftp://example.org/n.ipynb", None),
    ("https://user:secret@example.org/n.ipynb", None),
    ("javascript:alert(1)", None),
]


@pytest.mark.parametrize("pasted, route", CASES)
def test_route_for_every_pasted_form(pasted, route):
    assert route_for(pasted) == route


def test_self_hosted_gitlab_and_enterprise_github_hosts():
    hosts = Hosts(github=("github.example.com",), github_raw=("raw.github.example.com",),
                  gitlab=("git.example.org",))
    assert route_for("https://git.example.org/team/proj/-/blob/main/n.ipynb", hosts) == \
        "/gitlab/git.example.org/team/proj/-/blob/main/n.ipynb"
    assert route_for("https://github.example.com/o/r/tree/dev", hosts) == "/github/o/r/tree/dev"
    assert route_for("https://gitlab.com/a/b/-/blob/main/n.ipynb", hosts) == "/urls/gitlab.com/a/b/-/blob/main/n.ipynb"
    on_a_port = Hosts(gitlab=("git.example.org:8443",))
    assert route_for("https://git.example.org:8443/team/p/-/blob/main/n.ipynb", on_a_port) == \
        "/gitlab/git.example.org:8443/team/p/-/blob/main/n.ipynb"
    assert route_for("https://git.example.org/team/p/-/blob/main/n.ipynb", on_a_port).startswith("/urls/")
