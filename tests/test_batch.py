"""Many notebooks with -j (worker processes), and the on-disk cache of compiled code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import FIXTURES, run_nbconv


def _notebooks(folder: Path, count: int) -> list[Path]:
    """Copies of the tour notebook with distinct names and a distinct first cell each."""
    tour = json.loads((FIXTURES / "tour.ipynb").read_text(encoding="utf-8"))
    paths = []
    for index in range(count):
        tour["cells"][0]["source"] = f"# Notebook number {index}\n"
        path = folder / f"nb{index:02d}.ipynb"
        path.write_text(json.dumps(tour), encoding="utf-8")
        paths.append(path)
    return paths


def test_workers_give_the_same_files_and_messages_in_input_order(tmp_path: Path) -> None:
    paths = _notebooks(tmp_path, 6)
    serial = run_nbconv("-j", "1", *paths, "--output-dir", tmp_path / "serial", cwd=tmp_path)
    parallel = run_nbconv("-j", "3", *paths, "--output-dir", tmp_path / "parallel", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 0, parallel.stderr
    lines = parallel.stderr.decode().splitlines()
    assert lines == [line.replace("/serial/", "/parallel/") for line in serial.stderr.decode().splitlines()]
    assert [line.split(" -> ")[0] for line in lines] == [str(p) for p in paths]
    for path in paths:
        one = (tmp_path / "serial" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert one == (tmp_path / "parallel" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f"Notebook number {int(path.stem[2:])}" in one


def test_a_bad_notebook_among_workers_is_reported_and_the_others_convert(tmp_path: Path) -> None:
    paths = _notebooks(tmp_path, 4)
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    result = run_nbconv("-j", "2", paths[0], bad, *paths[1:], "--output-dir", tmp_path / "out")
    assert result.returncode == 3
    lines = result.stderr.decode().splitlines()
    assert lines[1].startswith(f"nbconv: error: {bad}: invalid JSON")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{p.stem}.html" for p in paths]


def test_cached_compiled_code_gives_the_same_page_and_survives_corruption(tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("NBCONV_CACHE_DIR", str(cache))
    first = run_nbconv(FIXTURES / "tour.ipynb", "--stdout")
    assert first.returncode == 0, first.stderr
    validators = list(cache.glob("nbformat-validator-*.marshal"))
    assert len(validators) == 1 and any((cache / "jinja").iterdir())
    warm = run_nbconv(FIXTURES / "tour.ipynb", "--stdout")
    validators[0].write_bytes(b"not marshal data")
    for entry in (cache / "jinja").iterdir():
        entry.write_bytes(b"garbage")
    corrupted = run_nbconv(FIXTURES / "tour.ipynb", "--stdout")
    monkeypatch.setenv("NBCONV_CACHE_DIR", "")
    shutil.rmtree(cache)
    uncached = run_nbconv(FIXTURES / "tour.ipynb", "--stdout")
    assert not cache.exists()
    assert first.stdout == warm.stdout == corrupted.stdout == uncached.stdout
    assert b"</html>" in first.stdout
