"""Exporters: a notebook (after its preprocessors) in, text or bytes and resources out.

The method names are nbconvert's, so a script can switch with an import change:
``from_filename``, ``from_file``, ``from_notebook_node`` each return (body, resources).
Options are dataclass fields read when rendering, so setting one on an exporter takes
effect; nbconvert's names for them (``template_name``, ``exclude_input``) work too (see
converter.compat), and an unknown option raises instead of being ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Union

import jinja2

from converter.options import AcceptsNbconvertNames, KnownOptions
from converter.errors import ExportError
from converter.notebook import NotebookNode, read_notebook
from converter.pipeline import Pipeline, Resources, Step, accepts_resource_dicts

Body = Union[str, bytes]


@dataclass
class Exporter(KnownOptions, metaclass=AcceptsNbconvertNames):
    """Runs the preprocessors, then ``render``. Subclasses set the format."""

    output_extension: ClassVar[str] = ""

    preprocessors: list[Step] = field(default_factory=list)

    def from_filename(self, filename: str | os.PathLike, resources: Resources | None = None) -> tuple[Body, Resources]:
        path = Path(filename)
        if resources is None:
            resources = Resources(name=path.stem, dir=path.resolve().parent)
        elif isinstance(resources, dict) and isinstance(resources.setdefault("metadata", {}), dict):
            resources["metadata"].setdefault("name", path.stem)
            resources["metadata"].setdefault("path", str(path.resolve().parent))
        return self.from_notebook_node(read_notebook(path), resources)

    def from_file(self, file: IO, resources: Resources | None = None) -> tuple[Body, Resources]:
        return self.from_notebook_node(read_notebook(file), resources)

    @accepts_resource_dicts
    def from_notebook_node(self, nb: NotebookNode, resources: Resources | None = None) -> tuple[Body, Resources]:
        """Convert ``nb``; preprocessors change it in place (keep a copy if you need one).

        ``resources`` may be nbconvert's dict; it is filled in and returned."""
        resources.output_extension = self.extension_for(nb)
        nb, resources = self.pipeline()(nb, resources)
        try:
            return self.render(nb, resources), resources
        except RecursionError:
            raise ExportError(f"{resources.name}: content nested too deeply to convert") from None

    def pipeline(self) -> Pipeline:
        """The steps run before rendering: the exporter's preprocessors, in order."""
        return Pipeline(self.preprocessors)

    def extension_for(self, nb: NotebookNode) -> str:
        """The result's file extension; a script's depends on the notebook's language."""
        return self.output_extension

    def render(self, nb: NotebookNode, resources: Resources) -> Body:
        raise NotImplementedError


@dataclass
class TemplateExporter(Exporter):
    """An exporter whose body is a Jinja template: ``<template>/<template_entry>``."""

    template_entry: ClassVar[str] = "index.j2"
    # Text formats that link images: the representations to extract as side files.
    extract_priority: ClassVar[tuple[str, ...]] = ()
    # Text formats end with exactly one newline, whatever the template's whitespace.
    one_final_newline: ClassVar[bool] = False

    template: str = ""
    template_file: str | None = None
    template_paths: list[str] = field(default_factory=list)
    # What to leave out, in every format (the base template honours them).
    no_output: bool = False
    no_markdown_cells: bool = False
    no_code_cells: bool = False
    no_raw_cells: bool = False
    no_unknown_cells: bool = False

    def render(self, nb: NotebookNode, resources: Resources) -> str:
        template = self._get(self._template_name())
        context = {
            "no_output": self.no_output,
            "no_markdown_cells": self.no_markdown_cells,
            "no_code_cells": self.no_code_cells,
            "no_raw_cells": self.no_raw_cells,
            "no_unknown_cells": self.no_unknown_cells,
            **self.template_context(nb, resources),
        }
        try:
            body = template.render(nb=nb, resources=resources, **context)
        except jinja2.TemplateError as error:
            raise ExportError(f"template {template.name}: {error}") from None
        return body.rstrip() + "\n" if self.one_final_newline else body

    def pipeline(self) -> Pipeline:
        """The exporter's preprocessors, those the template's conf asks for, then extraction."""
        steps = list(self.preprocessors)
        if not self.template_file:
            from converter.plugins import load_object

            steps += [load_object(spec, "template preprocessor")() for spec in self._choice().preprocessors]
        if self.extract_priority:
            from converter.preprocessors.extract_outputs import ExtractOutputsPreprocessor

            steps.append(ExtractOutputsPreprocessor(self.extract_priority))
        return Pipeline(steps)

    def template_context(self, nb: NotebookNode, resources: Resources) -> dict[str, Any]:
        """Variables the templates see besides ``nb`` and ``resources``."""
        return {}

    def _search_path(self) -> tuple[str, ...]:
        from converter.templates import search_path

        extra = list(self.template_paths)
        if self.template_file:
            extra.insert(0, str(Path(self.template_file).resolve().parent))
        return search_path(extra)

    def _environment(self) -> jinja2.Environment:
        from converter.templates import environment

        return environment(self._search_path())

    def _choice(self) -> Any:
        from converter.templates import choose_template

        return choose_template(self.template, self.template_entry, self._search_path())

    def _template_name(self) -> str:
        if self.template_file:
            path = Path(self.template_file)
            if not path.is_file():
                raise ExportError(f"{path}: template file not found")
            return path.name
        return self._choice().name

    def _get(self, name: str) -> jinja2.Template:
        env = self._environment()
        try:
            return env.get_template(name)
        except jinja2.TemplateNotFound as error:
            raise ExportError(f"template {error.name!r} not found (searched {', '.join(env.loader.searchpath)})") from None
        except jinja2.TemplateSyntaxError as error:
            raise ExportError(f"{error.filename or error.name}:{error.lineno}: template syntax error: {error.message}") from None
