"""Local files: ``--localfiles DIR`` served at ``/localfiles/PATH``, confined to DIR.

A path is resolved with every symlink followed and must stay inside DIR's own real
path; ``..``, absolute paths and links out of DIR are 404, as are hidden files and
folders (a name starting with ``.``), which are also left out of listings.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request

from converter.viewer.fetch import FetchError
from converter.viewer.providers import Item, Listing, NotebookSource, Upstream, sort_items

_SAFE = "/!$&'()*+,;=:@~"
MAX_ENTRIES = 2000


class LocalFiles:
    def __init__(self, root: str, base: str = "") -> None:
        self.root = Path(root).resolve()
        self.base = base.rstrip("/")

    def confined(self, relative: str) -> Path:
        """The real path of ``relative`` under the root, or a 404 when it leaves it or is hidden."""
        parts = [part for part in relative.split("/") if part not in ("", ".")]
        if any(part == ".." or part.startswith(".") or "\x00" in part for part in parts):
            raise FetchError(404, f"{relative[:200]}: not found")
        try:
            path = self.root.joinpath(*parts).resolve()
            inside = self.visible(path) and path.exists()
        except (OSError, RuntimeError, ValueError):  # a link loop, a name too long, ...
            inside = False
        if not inside:
            raise FetchError(404, f"{relative[:200]}: not found")
        return path

    def visible(self, resolved: Path) -> bool:
        """Whether a resolved path is the root or below it, and hidden nowhere on the way
        (a link inside the root may point into a hidden folder)."""
        if resolved == self.root:
            return True
        if self.root not in resolved.parents:
            return False
        return not any(part.startswith(".") for part in resolved.relative_to(self.root).parts)

    def _href(self, path: Path) -> str:
        return f"{self.base}/localfiles/{quote(path.relative_to(self.root).as_posix(), safe=_SAFE)}"

    def _crumbs(self, path: Path) -> list[tuple[str, str]]:
        trail = [("files", f"{self.base}/localfiles/")]
        parts = path.relative_to(self.root).parts
        for index, part in enumerate(parts):
            trail.append((part, f"{self.base}/localfiles/{quote('/'.join(parts[:index + 1]), safe=_SAFE)}"))
        return trail

    async def route(self, request: Request, upstream: Upstream) -> NotebookSource | Listing:
        relative = request.path_params.get("path", "")
        path = self.confined(relative)
        if not path.is_dir():
            if not path.is_file() or path.suffix != ".ipynb":  # FIFOs and devices included
                raise FetchError(404, f"{relative[:200]}: not a notebook")
            return NotebookSource(url=f"file:{path.relative_to(self.root).as_posix()}", name=path.name,
                                  local_path=str(path), breadcrumbs=tuple(self._crumbs(path.parent)))
        items = []
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    target = Path(entry.path).resolve()
                    if not self.visible(target):
                        continue  # a link out of the root, or into a hidden folder, is not shown
                    is_dir, is_file = target.is_dir(), target.is_file()
                except (OSError, RuntimeError, ValueError):
                    continue  # a link loop or an unreadable entry: left out, the rest listed
                if is_dir:
                    items.append(Item(entry.name, self._href(Path(entry.path)), "dir"))
                elif is_file and entry.name.endswith(".ipynb"):
                    items.append(Item(entry.name, self._href(Path(entry.path)), "notebook"))
                if len(items) >= MAX_ENTRIES:
                    break
        name = path.relative_to(self.root).as_posix()
        return Listing(name if name != "." else "Local files", sort_items(items), self._crumbs(path))
