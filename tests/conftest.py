"""Shared test helpers: the corpus, running the CLI, tool checks and a real browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Marks the kernels this test session starts (they inherit it), so a test can find them.
SESSION_MARK = os.environ.setdefault("NBCONV_TEST_SESSION", uuid.uuid4().hex)


def kernels_alive() -> list[int]:
    """Kernels (ipykernel or bash_kernel) started by this test session that still run."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        kernel = b"ipykernel_launcher" in cmdline or b"bash_kernel" in cmdline
        if kernel and f"NBCONV_TEST_SESSION={SESSION_MARK}".encode() in environ:
            pids.append(int(entry.name))
    return pids


# In CI every tool is installed; a missing one is a failure there, a skip elsewhere.
REQUIRE_TOOLS = os.environ.get("NBCONV_REQUIRE_TOOLS") == "1"


def need(available: bool, reason: str) -> None:
    """Skip (or, under NBCONV_REQUIRE_TOOLS=1, fail) when a system tool is missing."""
    if not available:
        if REQUIRE_TOOLS:
            pytest.fail(f"required tool missing: {reason}")
        pytest.skip(reason)


def corpus_notebooks(*folders: str) -> list:
    """Parameters for every corpus notebook (in the given folders), or one skipped param."""
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CORPUS} not found (../shared is absent)"))]
    paths = sorted(
        path for path in CORPUS.rglob("*.ipynb") if not folders or path.parent.name in folders
    )
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}") for path in paths]


def run_nbconv(*args: str, stdin: bytes | None = None, cwd: Path | None = None,
               timeout: float = 120, env: dict[str, str] | None = None,
               path: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``python -m converter`` from this checkout, as a user runs ``nbconv``.

    ``env`` adds variables; ``path`` puts directories on PYTHONPATH after the checkout.
    """
    env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(map(str, (REPO, *path)))}
    return subprocess.run(
        [sys.executable, "-m", "converter", *map(str, args)],
        input=stdin, capture_output=True, cwd=cwd, env=env, timeout=timeout,
    )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium, headless, driven by playwright; never a downloaded browser."""
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright (Python package) not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


class PageWatch:
    """A browser page that records console messages, dialogs and outside requests.

    Requests to anything but file: and data: URLs or 127.0.0.1 are answered with an
    empty 200 response (never sent to the network) and recorded in ``external``.
    """

    def __init__(self, browser) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", self._on_dialog)
        self.context.route("**/*", self._route)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "http://127.0.0.1", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.fulfill(status=200, body="", content_type="text/plain")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched_page(browser) -> Iterator[PageWatch]:
    watch = PageWatch(browser)
    yield watch
    watch.close()


@pytest.fixture
def tool():
    """``tool("xelatex")`` returns the path of a system tool, or skips/fails without it."""

    def find(name: str, package: str | None = None) -> str:
        path = shutil.which(name)
        need(path is not None, f"{name} not found (Debian package {package or name})")
        return path

    return find
