"""The faster notebook validator accepts and rejects exactly what nbformat's schema does."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from converter.notebook import NotebookNode, _fast_validator
from tests.conftest import FIXTURES


def _base() -> dict:
    nb = json.loads((FIXTURES / "tour.ipynb").read_text(encoding="utf-8"))
    nb["nbformat_minor"] = 5
    for index, cell in enumerate(nb["cells"]):
        cell.setdefault("id", f"cell-{index}")
    nb["cells"].append({"cell_type": "raw", "id": "raw-1", "metadata": {}, "source": "raw text"})
    nb["cells"].append({"cell_type": "code", "id": "code-x", "metadata": {}, "execution_count": 3, "source": "x", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "hi\n"},
        {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "1"}},
        {"output_type": "execute_result", "metadata": {}, "execution_count": 3, "data": {"text/plain": "1"}},
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": []},
    ]})
    return nb


def _mutations() -> list[tuple[str, dict]]:
    cases = [("valid", _base())]

    def mutate(label: str, change) -> None:
        nb = copy.deepcopy(_base())
        change(nb)
        cases.append((label, nb))

    last = lambda nb: nb["cells"][-1]  # noqa: E731
    mutate("unknown cell type", lambda nb: last(nb).update(cell_type="widget"))
    mutate("no cell type", lambda nb: last(nb).pop("cell_type"))
    mutate("markdown cell with outputs", lambda nb: last(nb).update(cell_type="markdown"))
    mutate("code cell without outputs", lambda nb: last(nb).pop("outputs"))
    mutate("stream without name", lambda nb: last(nb)["outputs"][0].pop("name"))
    mutate("unknown output type", lambda nb: last(nb)["outputs"][1].update(output_type="picture"))
    mutate("result without count", lambda nb: last(nb)["outputs"][2].pop("execution_count"))
    mutate("display data with a count", lambda nb: last(nb)["outputs"][1].update(execution_count=1))
    mutate("error without traceback", lambda nb: last(nb)["outputs"][3].pop("traceback"))
    mutate("stream typed as error", lambda nb: last(nb)["outputs"][0].update(output_type="error"))
    return cases


@pytest.mark.parametrize("label,nb", _mutations(), ids=[label for label, _ in _mutations()])
def test_fast_validator_agrees_with_nbformat(label: str, nb: dict) -> None:
    try:
        nbformat.validate(nb, version=4, version_minor=5)
        expected = True
    except nbformat.ValidationError:
        expected = False
    try:
        _fast_validator(5)(json.loads(json.dumps(nb), object_hook=NotebookNode))
        accepted = True
    except Exception:
        accepted = False
    assert accepted == expected
    assert expected == (label == "valid")
