"""Options are plain keyword arguments and attributes, under nbconv's or nbconvert's names.

Exporters and preprocessors are dataclasses; ``AcceptsNbconvertNames`` translates
nbconvert's keyword names at construction (through converter.compat), and
``KnownOptions`` makes a later ``exporter.exclude_input = True`` take effect under either
name, while a misspelt option raises instead of being silently ignored.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from converter.compat_library import config_keywords, library_name, library_value, read_only_alias


def _fields(cls: type) -> dict:
    """The dataclass fields of ``cls`` by name (ClassVars are not options)."""
    return {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}


class AcceptsNbconvertNames(type):
    """Metaclass: constructor keywords may use nbconvert's names (``template_name=``).

    Class attributes that are not constructor fields (``enabled``) may be given too;
    they are set after construction. From then on, ``KnownOptions`` guards the
    attributes of classes declared as dataclasses (nbconv's own).
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        fields = _fields(cls)
        if "config" in kwargs and "config" not in fields:  # nbconvert's traitlets Config
            kwargs = {**config_keywords(cls, kwargs.pop("config") or {}, fields), **kwargs}
        translated: dict[str, Any] = {}
        later: dict[str, Any] = {}
        for name, value in kwargs.items():
            target = library_name(cls, name) or name
            value = library_value(target, value)
            if fields and target not in fields:
                if target in dir(cls) and not callable(getattr(cls, target, None)):
                    later[target] = value
                    continue
                raise TypeError(f"{cls.__name__}() has no option {name!r} "
                                f"(options: {', '.join(sorted(n for n in fields if fields[n].init))})")
            translated[target] = value
        instance = super().__call__(*args, **translated)
        for name, value in later.items():
            setattr(instance, name, value)
        if "__dataclass_fields__" in cls.__dict__:  # a user's plain subclass may add attributes freely
            object.__setattr__(instance, "_options_fixed", True)
        return instance


class KnownOptions:
    """Setting an option after construction takes effect under either name; an unknown
    one raises AttributeError instead of being ignored."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            name = library_name(type(self), name) or name
            value = library_value(name, value)
            if (self.__dict__.get("_options_fixed") and name not in self.__dict__
                    and not hasattr(type(self), name)):
                options = sorted(n for n in _fields(type(self)) if not n.startswith("_"))
                raise AttributeError(f"{type(self).__name__} has no option {name!r} (options: {', '.join(options)})")
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only for names not found: nbconvert's
        target = None if name.startswith("_") else (library_name(type(self), name) or read_only_alias(name))
        if target is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self, target)
