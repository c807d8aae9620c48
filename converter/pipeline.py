"""The ordered list of steps a notebook passes through before an exporter renders it.

A step is anything callable as ``step(nb, resources) -> (nb, resources)``: a
``Preprocessor`` subclass or a user's own function. Steps mutate the notebook they are
given; nothing is copied or re-validated between steps.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Tuple

from converter.compat_library import resources_from_mapping, update_mapping
from converter.options import AcceptsNbconvertNames, KnownOptions
from converter.notebook import NotebookNode

Step = Callable[[NotebookNode, "Resources"], Tuple[NotebookNode, "Resources"]]


@dataclass
class Resources:
    """What travels beside the notebook: its name and directory, and files made on the way.

    ``outputs`` maps a relative file name to its bytes (extracted images, ...); the
    writer puts them next to the converted file. ``output_files_dir`` is the folder for
    them (default ``{name}_files``). Item access (``resources["outputs"]``,
    ``resources["metadata"]["path"]``) works as in Jupyter's nbconvert, and a plain
    nbconvert resources dict is accepted wherever Resources are (see ``as_resources``).
    """

    name: str = "notebook"
    dir: Path | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)
    output_extension: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # one line each; the CLI prints them
    output_files_dir: str = ""

    def files_folder(self) -> str:
        """The folder, relative to the result, that side files go into."""
        return self.output_files_dir or f"{self.name}_files"

    def __getitem__(self, key: str) -> Any:
        if key == "metadata":
            return {"name": self.name, "path": str(self.dir) if self.dir is not None else ""}
        if key in self.__dataclass_fields__:
            return getattr(self, key)
        return self.extra[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self.__dataclass_fields__:
            setattr(self, key, value)
        else:
            self.extra[key] = value

    def __contains__(self, key: object) -> bool:
        return key == "metadata" or key in self.__dataclass_fields__ or key in self.extra

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def as_resources(resources: Resources | Mapping[str, Any] | None) -> Resources:
    """``resources`` itself, or Resources made from nbconvert's dict (or from nothing)."""
    if isinstance(resources, Resources):
        return resources
    return Resources(**resources_from_mapping(resources))


def accepts_resource_dicts(method: Callable) -> Callable:
    """Let ``method(nb, resources)`` take nbconvert's plain dict (or None): it runs with
    Resources, and what it produced is written back into the caller's dict, which is
    returned as nbconvert returns it."""

    @functools.wraps(method)
    def wrapper(self: Any, nb: NotebookNode, resources: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(resources, Resources):
            return method(self, nb, resources, *args, **kwargs)
        given = resources if isinstance(resources, dict) else None
        nb, produced = method(self, nb, as_resources(resources), *args, **kwargs)
        return nb, (update_mapping(given, produced) if given is not None else produced)

    wrapper.accepts_resource_dicts = True
    return wrapper


class Preprocessor(KnownOptions, metaclass=AcceptsNbconvertNames):
    """A step. Subclasses override ``preprocess_cell`` (one cell in place) or ``preprocess``
    (the whole notebook), as in nbconvert; ``enabled = False`` makes the step a no-op."""

    enabled = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("preprocess")
        if own is not None and not getattr(own, "accepts_resource_dicts", False):
            cls.preprocess = accepts_resource_dicts(own)

    def __call__(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        if not self.enabled:
            return nb, resources
        return self.preprocess(nb, resources)

    @accepts_resource_dicts
    def preprocess(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        """Run the step on ``nb``: every cell through ``preprocess_cell``, in order."""
        for index, cell in enumerate(nb.cells):
            self.preprocess_cell(cell, resources, index)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: Resources, index: int) -> Any:
        """Change one cell in place."""


class Pipeline:
    """Runs its steps in order; ``steps`` is a plain list, so insert anywhere."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.steps: list[Step] = list(steps)

    def __call__(self, nb: NotebookNode, resources: Resources) -> tuple[NotebookNode, Resources]:
        for step in self.steps:
            nb, resources = step(nb, resources)
        return nb, resources

    def __len__(self) -> int:
        return len(self.steps)
