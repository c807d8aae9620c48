"""Which installed kernel runs a notebook: the one asked for, else the notebook's own, else
one for its language, else python3.
"""

from __future__ import annotations

from dataclasses import dataclass

from converter.errors import KernelNotFoundError
from converter.notebook import NotebookNode

DEFAULT_KERNEL = "python3"


@dataclass(frozen=True)
class KernelChoice:
    """An installed kernelspec, as recorded in ``metadata.kernelspec``."""

    name: str
    display_name: str
    language: str

    def as_metadata(self) -> dict[str, str]:
        return {"name": self.name, "display_name": self.display_name, "language": self.language}


def installed_kernels() -> dict[str, KernelChoice]:
    """Every kernelspec jupyter_client can find, by name (read fresh: installs may change)."""
    from jupyter_client.kernelspec import KernelSpecManager

    found = {}
    for name, entry in KernelSpecManager().get_all_specs().items():
        spec = entry.get("spec") or {}
        found[name] = KernelChoice(name, str(spec.get("display_name") or name), str(spec.get("language") or ""))
    return found


def choose_kernel(nb: NotebookNode, requested: str | None = None) -> KernelChoice:
    """The kernel for ``nb``; an explicit ``requested`` name must exist.

    A notebook whose kernelspec is not installed here still runs when a kernel for its
    language is (a notebook saved in a 'conda-env-x-py' kernel runs in python3).
    """
    kernels = installed_kernels()
    if requested:
        if requested in kernels:
            return kernels[requested]
        raise KernelNotFoundError(f"no kernel named {requested!r} is installed ({_available(kernels)})")
    spec = nb.metadata.get("kernelspec") or {}
    info = nb.metadata.get("language_info") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    if isinstance(name, str) and name in kernels:
        return kernels[name]
    language = (spec.get("language") if isinstance(spec, dict) else None) or (
        info.get("name") if isinstance(info, dict) else None)
    if isinstance(language, str) and language:
        same_language = sorted(k for k, choice in kernels.items() if choice.language.lower() == language.lower())
        if same_language:
            return kernels[DEFAULT_KERNEL if DEFAULT_KERNEL in same_language else same_language[0]]
        wanted = f"kernel {name!r} (language {language})" if name else f"a {language} kernel"
        raise KernelNotFoundError(f"the notebook needs {wanted}, which is not installed ({_available(kernels)})")
    if name:
        raise KernelNotFoundError(f"the notebook's kernel {name!r} is not installed ({_available(kernels)})")
    if DEFAULT_KERNEL in kernels:
        return kernels[DEFAULT_KERNEL]
    raise KernelNotFoundError(f"the notebook names no kernel and {DEFAULT_KERNEL!r} is not installed ({_available(kernels)})")


def _available(kernels: dict[str, KernelChoice]) -> str:
    return "installed: " + ", ".join(sorted(kernels)) if kernels else "no kernels are installed"
