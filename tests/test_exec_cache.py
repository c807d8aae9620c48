"""The execution cache on a real kernel: hits start no kernel, the key follows the code.

Notebooks here run in a kernelspec named ``marked`` whose launcher appends its process
id to a file before it becomes an ipykernel, so every kernel process started is counted
by the operating system's own doing, not by nbconv's word. The library tests also read
the ``KernelPool`` counter.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import REPO
from converter.execute import ExecutePreprocessor, KernelPool
from converter.execute.cache import ExecutionCache
from converter.pipeline import Resources

pytest.importorskip("ipykernel")

LAUNCHER = """\
import os, sys
with open({marker!r}, "a") as handle:
    handle.write(f"{{os.getpid()}}\\n")
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


class Marked:
    """A kernelspec ``marked`` in its own JUPYTER_PATH that records each kernel it starts."""

    def __init__(self, root: Path) -> None:
        self.marker = root / "kernels-started.txt"
        root.mkdir(parents=True, exist_ok=True)
        self.marker.touch()
        spec = root / "jupyter" / "kernels" / "marked"
        spec.mkdir(parents=True)
        (spec / "launch.py").write_text(LAUNCHER.format(marker=str(self.marker)), encoding="utf-8")
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, str(spec / "launch.py"), "-f", "{connection_file}"],
            "display_name": "Marked Python", "language": "python"}), encoding="utf-8")
        self.env = {**os.environ, "JUPYTER_PATH": str(root / "jupyter"), "PYTHONPATH": str(REPO)}
        self.env.pop("NBCONV_CACHE", None)

    @property
    def started(self) -> list[int]:
        return [int(line) for line in self.marker.read_text().split()]

    def run(self, *args: str | Path, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "converter", *map(str, args)], capture_output=True,
                              text=True, env=self.env, cwd=cwd, timeout=timeout)

    def popen(self, *args: str | Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "converter", *map(str, args)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)


@pytest.fixture
def marked(tmp_path, monkeypatch) -> Marked:
    kernels = Marked(tmp_path / "k")
    monkeypatch.setenv("JUPYTER_PATH", kernels.env["JUPYTER_PATH"])
    return kernels


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def write(path: Path, *cells, **metadata) -> Path:
    nb = new_notebook(cells=list(cells))
    nb.metadata.update({"kernelspec": {"name": "marked", "display_name": "Marked Python", "language": "python"},
                        **metadata})
    nbformat.write(nb, path)
    return path


PID_CELL = "import os\nprint('pid', os.getpid())"


def report(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return write(folder / "report.ipynb", new_markdown_cell("# First title"),
                 new_code_cell("n = 2", metadata={"tags": ["parameters"]}),
                 new_code_cell(PID_CELL), new_code_cell("n * 21"))


def outputs(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    return [(c.execution_count, c.outputs) for c in nb.cells if c.cell_type == "code"]


def test_second_run_starts_no_kernel_and_gives_the_same_outputs(marked, tmp_path):
    nb = report(tmp_path / "src")
    cache = tmp_path / "cache"
    first = marked.run("--execute", "--cache", cache, "--to", "notebook", "--output-dir", tmp_path / "one", nb)
    assert first.returncode == 0, first.stderr
    assert len(marked.started) == 1
    second = marked.run("--execute", "--cache", cache, "--to", "notebook", "--output-dir", tmp_path / "two", nb)
    assert second.returncode == 0, second.stderr
    assert len(marked.started) == 1  # no kernel process was spawned
    one, two = outputs(tmp_path / "one" / "report.ipynb"), outputs(tmp_path / "two" / "report.ipynb")
    assert one == two and one[-1][1][0]["data"]["text/plain"] == "42"
    assert f"pid {marked.started[0]}" in two[1][1][0]["text"]  # the first run's kernel printed it
    executed = nbformat.read(tmp_path / "two" / "report.ipynb", as_version=4)
    assert executed.metadata.kernelspec.name == "marked" and executed.metadata.language_info.name == "python"


def test_library_hit_takes_no_kernel_from_the_pool(marked, tmp_path):
    nb = nbformat.read(report(tmp_path), as_version=4)
    resources = Resources(name="report", dir=tmp_path)
    with KernelPool() as pool:
        ExecutePreprocessor(pool=pool, cache=tmp_path / "cache")(nb, resources)
        assert pool.kernels_started == 1
        again = nbformat.read(tmp_path / "report.ipynb", as_version=4)
        ExecutePreprocessor(pool=pool, cache=ExecutionCache(tmp_path / "cache"))(again, resources)
        assert pool.kernels_started == 1
    assert again.cells[3].outputs == nb.cells[3].outputs and again.cells[3].execution_count == 3


def test_markdown_tag_id_and_metadata_edits_are_hits(marked, tmp_path):
    path = report(tmp_path / "src")
    cache = tmp_path / "cache"
    assert marked.run("--execute", "--cache", cache, "--output-dir", tmp_path / "out", path).returncode == 0
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "# A new title for the report"
    nb.cells[2].metadata["tags"] = ["hide-input"]
    nb.cells[3].id = "renamed-cell"
    nb.cells[3].metadata["collapsed"] = True
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", text="stale output\n")]
    nb.metadata["title"] = "changed"
    nbformat.write(nb, path)
    result = marked.run("--execute", "--cache", cache, "--output-dir", tmp_path / "out", path)
    assert result.returncode == 0, result.stderr
    assert len(marked.started) == 1
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "A new title for the report" in page and "First title" not in page
    assert "stale output" not in page and f"pid {marked.started[0]}" in page


def test_code_parameter_and_dependency_changes_are_misses(marked, tmp_path):
    folder = tmp_path / "src"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "values.csv").write_text("1,2,3\n")
    path = write(folder / "deps.ipynb", new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                 new_code_cell("print(open('data/values.csv').read().strip(), n)"),
                 nbconv={"depends": ["data/*.csv"]})
    cache = tmp_path / "cache"

    def run(*extra: str) -> str:
        result = marked.run("--execute", "--cache", cache, "--to", "markdown", "--stdout", *extra, path, cwd=folder)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "1,2,3 1" in run() and len(marked.started) == 1
    assert "1,2,3 1" in run() and len(marked.started) == 1  # unchanged: a hit
    assert "1,2,3 5" in run("-p", "n", "5") and len(marked.started) == 2  # parameter: a miss
    assert "1,2,3 5" in run("-p", "n", "5") and len(marked.started) == 2
    (folder / "data" / "values.csv").write_text("4,5,6\n")
    assert "4,5,6 1" in run() and len(marked.started) == 3  # dependency changed: a miss
    (folder / "data" / "more.csv").write_text("new file\n")
    run()
    assert len(marked.started) == 4  # a new file matching the glob: a miss
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source += "  # an edited comment is code too"
    nbformat.write(nb, path)
    run()
    assert len(marked.started) == 5


def test_failed_runs_are_not_cached_unless_errors_are_allowed(marked, tmp_path):
    path = write(tmp_path / "fails.ipynb", new_code_cell("print('before')"), new_code_cell("1 / 0"))
    cache = tmp_path / "cache"
    for attempt in (1, 2):
        result = marked.run("--execute", "--cache", cache, "--output-dir", tmp_path / "out", path)
        assert result.returncode == 6 and "ZeroDivisionError" in result.stderr
        assert len(marked.started) == attempt
        assert not list(cache.glob("*.json"))
    for _ in (1, 2):
        result = marked.run("--execute", "--allow-errors", "--cache", cache, "--output-dir", tmp_path / "out", path)
        assert result.returncode == 0, result.stderr
        assert "ZeroDivisionError" in (tmp_path / "out" / "fails.html").read_text(encoding="utf-8")
    assert len(marked.started) == 3 and len(list(cache.glob("*.json"))) == 1


def test_refresh_executes_again_and_replaces_the_entry(marked, tmp_path):
    path = report(tmp_path)
    cache = tmp_path / "cache"
    args = ("--execute", "--cache", cache, "--to", "markdown", "--stdout", path)
    first = marked.run(*args).stdout
    refreshed = marked.run(*args[:3], "--refresh", *args[3:]).stdout
    assert len(marked.started) == 2 and f"pid {marked.started[1]}" in refreshed and first != refreshed
    assert marked.run(*args).stdout == refreshed and len(marked.started) == 2


def _truncate(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])


def _nest_deeply(entry: Path) -> None:
    entry.write_bytes(b"[" * 200_000)


def _bad_output(entry: Path) -> None:
    data = json.loads(entry.read_bytes())
    data["cells"][-1]["outputs"] = [5]
    entry.write_text(json.dumps(data))


def _bad_count(entry: Path) -> None:
    data = json.loads(entry.read_bytes())
    data["cells"][0]["execution_count"] = "one"
    entry.write_text(json.dumps(data))


def _one_cell_less(entry: Path) -> None:
    data = json.loads(entry.read_bytes())
    del data["cells"][-1]
    entry.write_text(json.dumps(data))


@pytest.mark.parametrize("damage", [_truncate, _nest_deeply, _bad_output, _bad_count, _one_cell_less],
                         ids=["truncated", "nested", "bad-output", "bad-count", "cell-missing"])
def test_damaged_entry_is_recomputed_with_a_one_line_warning(marked, tmp_path, damage):
    path = report(tmp_path)
    cache = tmp_path / "cache"
    args = ("--execute", "--cache", cache, "--to", "markdown", "--stdout", path)
    assert marked.run(*args).returncode == 0
    (entry,) = cache.glob("*.json")
    damage(entry)
    result = marked.run(*args)
    assert result.returncode == 0, result.stderr
    assert "42" in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "warning" in lines[0] and entry.name in lines[0] and "executing again" in lines[0]
    assert len(marked.started) == 2  # recomputed
    json.loads(entry.read_bytes())  # repaired
    assert marked.run(*args).stderr.count("warning") == 0 and len(marked.started) == 2
    listing = marked.run("cache", "--cache", cache, "list")
    assert listing.returncode == 0 and listing.stdout.split()[-1] == "report"


def _fail(message: str) -> None:
    raise AssertionError(f"a writer saw a damaged entry: {message}")


def _hammer(directory: str, writer: int, rounds: int) -> None:
    """Store the shared key and a key of this writer's own, over and over; any warning
    (a torn or half-written entry read back) ends the process with an error."""
    cache = ExecutionCache(directory, max_bytes=10 ** 9, warn=_fail)
    for index in range(rounds):
        nb = new_notebook(cells=[new_code_cell("x")])
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", text=f"writer {writer} " + "y" * 200_000)]
        nb.cells[0].execution_count = writer
        cache.store("shared" * 10, nb, f"w{writer}", {"name": "python3"})
        cache.store(f"own-{writer}-{index % 5}", nb, f"w{writer}", {"name": "python3"})
        probe = new_notebook(cells=[new_code_cell("x")])
        assert cache.lookup("shared" * 10, probe)  # this writer stored it just now: whole, its own or the other's
        assert probe.cells[0].outputs[0]["text"] in (f"writer {w} " + "y" * 200_000 for w in (1, 2))


def test_two_processes_writing_at_once_leave_a_consistent_cache(tmp_path):
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_hammer, args=(str(tmp_path), n, 40)) for n in (1, 2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["shared" * 10 + ".json"] + [f"own-{w}-{i}.json" for w in (1, 2) for i in range(5)])
    cache = ExecutionCache(tmp_path, warn=pytest.fail)
    for path in tmp_path.iterdir():
        entry = json.loads(path.read_bytes())
        text = entry["cells"][0]["outputs"][0]["text"]
        assert text == f"writer {entry['cells'][0]['execution_count']} " + "y" * 200_000
        assert cache.show(path.stem) == entry


def test_two_nbconv_processes_share_one_cache_folder(marked, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    paths = [write(src / f"nb{i}.ipynb", new_code_cell(f"print({i} * 3)")) for i in range(4)]
    cache = tmp_path / "cache"
    # The two share nb1 and nb2 (the same entries) and each has one of its own.
    runs = [marked.popen("--execute", "-j", "2", "--cache", cache, "--output-dir", tmp_path / f"out{n}", *group)
            for n, group in enumerate((paths[:3], paths[1:]))]
    for process in runs:
        process.communicate(timeout=240)
        assert process.returncode == 0
    assert 4 <= len(marked.started) <= 6
    assert len(list(cache.glob("*.json"))) == 4 and not list(cache.glob(".*"))
    before = len(marked.started)
    result = marked.run("--execute", "--cache", cache, "--output-dir", tmp_path / "all", *paths)
    assert result.returncode == 0 and "warning" not in result.stderr
    assert len(marked.started) == before
    for i in range(4):
        assert f"{i * 3}" in (tmp_path / "all" / f"nb{i}.html").read_text(encoding="utf-8")


def test_size_cap_evicts_the_least_recently_used_entry(tmp_path):
    cache = ExecutionCache(tmp_path, max_bytes=3 * 120_000)
    nb = new_notebook(cells=[new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="z" * 100_000)]
    for index, key in enumerate(("a", "b", "c")):
        cache.store(key, nb, key, {"name": "python3"})
        os.utime(cache.path(key), (time.time() - 100 + index, time.time() - 100 + index))
    assert cache.lookup("a", new_notebook(cells=[new_code_cell("x")]))  # "a" is now the most recent
    cache.store("d", nb, "d", {"name": "python3"})
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == ["a", "c", "d"]


def test_cache_command_lists_shows_and_clears(marked, tmp_path):
    cache = tmp_path / "cache"
    for name in ("first", "second"):
        path = write(tmp_path / f"{name}.ipynb", new_code_cell(f"print('{name}')"))
        assert marked.run("--execute", "--cache", cache, "--output-dir", tmp_path / "out", path).returncode == 0
    listing = marked.run("cache", "--cache", cache, "list")
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == 2
    assert {line.split()[-1] for line in listing.stdout.splitlines()} == {"first", "second"}
    key = listing.stdout.split()[0]
    shown = marked.run("cache", "--cache", cache, "show", key)
    assert shown.returncode == 0 and json.loads(shown.stdout)["kernel"] == "marked"
    missing = marked.run("cache", "--cache", cache, "show", "nosuchkey")
    assert missing.returncode == 3 and missing.stderr.startswith("nbconv: error:")
    old = next(cache.glob("*.json"))
    os.utime(old, (time.time() - 10 * 86400, time.time() - 10 * 86400))
    assert marked.run("cache", "--cache", cache, "clear", "--older-than", "5").returncode == 0
    assert len(list(cache.glob("*.json"))) == 1 and not old.exists()
    env_listing = subprocess.run([sys.executable, "-m", "converter", "cache", "list"], capture_output=True, text=True,
                                 env={**marked.env, "NBCONV_CACHE": str(cache)}, cwd=tmp_path)
    assert len(env_listing.stdout.splitlines()) == 1
    assert marked.run("cache", "clear", "--cache", cache).returncode == 0
    assert not list(cache.glob("*.json"))


def test_cache_folder_from_the_config_file(marked, tmp_path):
    path = report(tmp_path)
    (tmp_path / "nbconv.toml").write_text('cache = "from-config"\ncache-size = "10M"\n')
    for _ in (1, 2):
        assert marked.run("--execute", "--to", "markdown", "--stdout", path, cwd=tmp_path).returncode == 0
    assert len(marked.started) == 1 and len(list((tmp_path / "from-config").glob("*.json"))) == 1
    assert marked.run("cache", "list", cwd=tmp_path).stdout.split()[-1] == "report"


def test_the_config_files_cache_folder_is_relative_to_the_file(marked, tmp_path):
    (tmp_path / "nbconv.toml").write_text('cache = ".nbconv-cache"\n')
    sub = tmp_path / "docs" / "part"
    sub.parent.mkdir()
    path = report(sub)
    for cwd in (sub, tmp_path / "docs", tmp_path):
        result = marked.run("--execute", "--to", "markdown", "--stdout", path, cwd=cwd)
        assert result.returncode == 0, result.stderr
    assert len(marked.started) == 1  # one cache folder wherever nbconv runs from
    assert len(list((tmp_path / ".nbconv-cache").glob("*.json"))) == 1
    assert not (sub / ".nbconv-cache").exists() and not (tmp_path / "docs" / ".nbconv-cache").exists()
    listing = marked.run("cache", "list", cwd=sub)
    assert listing.returncode == 0 and listing.stdout.split()[-1] == "report"
    assert str(tmp_path / ".nbconv-cache") in listing.stderr


def test_no_kernel_left_behind(marked, tmp_path):
    path = report(tmp_path)
    assert marked.run("--execute", "--cache", tmp_path / "c", "--stdout", "--to", "markdown", path).returncode == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in marked.started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked.started and not any(alive(pid) for pid in marked.started)


def test_dependency_globs_match_as_glob_does(tmp_path):
    import glob

    from converter.execute.dependencies import dependency_hashes

    for name in ("a.csv", "b.txt", ".hidden.csv", "data/c.csv", "data/sub/d.csv", "data/.dot/e.csv",
                 "data/sub/deeper/f.csv", "other/g.csv", "helpers.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    for pattern in ("*.csv", "data/*.csv", "**/*.csv", "data/**/*.csv", "data/**", "*/sub/*.csv", "helpers.py",
                    "[ab].*", "data/s?b/**/*.csv", "**/deeper/**"):
        nb = new_notebook(metadata={"nbconv": {"depends": [pattern]}})
        expected = sorted(p for p in glob.glob(pattern, root_dir=tmp_path, recursive=True)
                          if (tmp_path / p).is_file())
        assert [name for name, _ in dependency_hashes(nb, tmp_path)] == expected, pattern


def test_dependency_globs_stay_inside_the_notebook_folder_and_are_bounded(tmp_path, monkeypatch):
    from converter.errors import NotebookError
    from converter.execute import dependencies
    from converter.execute.dependencies import dependency_hashes

    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "data" / "link.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "data" / "real.txt").write_text("inside")
    for loop in ("loop1", "loop2"):  # glob.glob would walk 2**40 paths through these
        (folder / "data" / loop).symlink_to(folder / "data")
    nb = new_notebook(metadata={"nbconv": {"depends": ["**/*.txt", "**/nothing"]}})
    found = dict(dependency_hashes(nb, folder))
    assert found["data/link.txt"] == "outside the notebook's folder" and len(found["data/real.txt"]) == 64
    assert found["**/nothing"] == "no match" and not any("loop" in name for name in found)
    for pattern in ("../secret.txt", "/etc/*", "data/../../secret.txt"):
        with pytest.raises(NotebookError, match="leaves the notebook's folder"):
            dependency_hashes(new_notebook(metadata={"nbconv": {"depends": pattern}}), folder)
    for index in range(60):
        (folder / "data" / f"f{index:02}.txt").write_text(str(index))
    monkeypatch.setattr(dependencies, "MAX_VISITS", 30)
    walked = dependency_hashes(new_notebook(metadata={"nbconv": {"depends": "**/*.csv"}}), folder)
    assert walked[-1] == ("...", "too many entries walked")
    monkeypatch.setattr(dependencies, "MAX_VISITS", 10_000)
    monkeypatch.setattr(dependencies, "MAX_FILES", 10)
    capped = dependency_hashes(new_notebook(metadata={"nbconv": {"depends": "data/*.txt"}}), folder)
    assert len(capped) == 11 and capped[-1] == ("...", "too many files")


def test_a_dependency_outside_the_folder_is_a_warning_and_no_caching(marked, tmp_path):
    path = write(tmp_path / "up.ipynb", new_code_cell("print('ran')"), nbconv={"depends": ["../*.csv"]})
    for attempt in (1, 2):
        result = marked.run("--execute", "--cache", tmp_path / "cache", "--to", "markdown", "--stdout", path)
        assert result.returncode == 0 and "ran" in result.stdout
        assert result.stderr.splitlines() == [f"nbconv: warning: {path}: metadata.nbconv.depends: '../*.csv' leaves "
                                              "the notebook's folder (patterns are relative to it, without ..); "
                                              "executed without the cache"]
        assert len(marked.started) == attempt  # never served from the cache
    assert not list((tmp_path / "cache").glob("*.json"))


@pytest.mark.parametrize("declared", [5, {"data.csv": 1}, ["data.csv", 7]])
def test_depends_that_is_not_globs_is_a_warning_and_no_caching(marked, tmp_path, declared):
    path = write(tmp_path / "odd.ipynb", new_code_cell("print('ran')"), nbconv={"depends": declared})
    result = marked.run("--execute", "--cache", tmp_path / "cache", "--to", "markdown", "--stdout", path)
    assert result.returncode == 0 and "ran" in result.stdout, result.stderr
    assert result.stderr.splitlines() == [f"nbconv: warning: {path}: metadata.nbconv.depends must be a glob or a "
                                          "list of globs (strings); executed without the cache"]
    assert not list((tmp_path / "cache").glob("*.json"))


def test_only_the_kernel_or_only_allow_errors_changing_is_a_miss(marked, tmp_path):
    import shutil

    spec = Path(marked.env["JUPYTER_PATH"]) / "kernels"
    shutil.copytree(spec / "marked", spec / "marked2")  # the same launcher, another name
    path = report(tmp_path)
    cache = tmp_path / "cache"

    def run(*extra: str) -> None:
        result = marked.run("--execute", "--cache", cache, "--to", "markdown", "--stdout", *extra, path)
        assert result.returncode == 0 and "42" in result.stdout, result.stderr

    run(), run()
    assert len(marked.started) == 1
    run("--allow-errors"), run("--allow-errors")
    assert len(marked.started) == 2  # --allow-errors alone: a miss, then its own hit
    run("--kernel", "marked2"), run("--kernel", "marked2")
    assert len(marked.started) == 3  # another kernel asked for on the command line
    nb = nbformat.read(path, as_version=4)
    nb.metadata.kernelspec.name = "marked2"
    nbformat.write(nb, path)
    run(), run()
    assert len(marked.started) == 4  # another kernel named by the notebook
    assert len(list(cache.glob("*.json"))) == 4


def test_cache_size_evicts_the_least_recently_used_entry_through_the_cli(marked, tmp_path):
    paths = {name: write(tmp_path / f"{name}.ipynb", new_code_cell(f"print('{name}' * 100_000)"))
             for name in ("a", "b", "c")}  # entries of about 100 kB
    cache = tmp_path / "cache"

    def run(name: str) -> None:
        result = marked.run("--execute", "--cache", cache, "--cache-size", "250K", "--to", "markdown",
                            "--output-dir", tmp_path / "out", paths[name])
        assert result.returncode == 0, result.stderr
        time.sleep(0.05)  # distinct modification times

    sizes = []
    for name in ("a", "b"):
        run(name)
        sizes.append(sum(p.stat().st_size for p in cache.glob("*.json")))
    assert len(marked.started) == 2 and sizes[-1] <= 250 * 1024 < sizes[-1] * 3 / 2  # two fit, three do not
    run("a")  # a hit: "a" is now used more recently than "b"
    assert len(marked.started) == 2
    run("c")  # three do not fit: "b", the least recently used, goes
    listing = marked.run("cache", "--cache", cache, "list").stdout.splitlines()
    assert sorted(line.split()[-1] for line in listing) == ["a", "c"]
    run("a")
    assert len(marked.started) == 3  # still a hit
    run("b")
    assert len(marked.started) == 4  # evicted: executed again


WIDGET_CELL = """\
from ipykernel.comm import Comm
from IPython.display import display
state = {"_model_name": "IntSliderModel", "_model_module": "@jupyter-widgets/controls", "value": 7}
comm = Comm(target_name="jupyter.widget", data={"state": state, "buffer_paths": []})
display({"application/vnd.jupyter.widget-view+json": {"model_id": comm.comm_id, "version_major": 2,
         "version_minor": 0}, "text/plain": "IntSlider(value=7)"}, raw=True)
"""


def test_a_hit_keeps_the_widget_state_of_the_run(marked, tmp_path):
    path = write(tmp_path / "widget.ipynb", new_code_cell(WIDGET_CELL))
    for run in ("first", "second"):
        result = marked.run("--execute", "--cache", tmp_path / "cache", "--to", "notebook", "--output-dir",
                            tmp_path / run, path)
        assert result.returncode == 0, result.stderr
    assert len(marked.started) == 1
    first, second = (nbformat.read(tmp_path / run / "widget.ipynb", as_version=4) for run in ("first", "second"))
    state = first.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert [model["state"]["value"] for model in state.values()] == [7]
    assert second.metadata.get("widgets") == first.metadata.widgets


def test_library_options_that_change_results_are_part_of_the_key(marked, tmp_path):
    from converter.errors import ExecutionError

    path = write(tmp_path / "opts.ipynb", new_code_cell("print('slow')", metadata={"tags": ["slow"]}),
                 new_code_cell("1 / 0"), new_code_cell("print('end')"))
    resources = Resources(name="opts", dir=tmp_path)
    cache = tmp_path / "cache"
    with KernelPool() as pool:
        allowed = nbformat.read(path, as_version=4)
        ExecutePreprocessor(pool=pool, cache=cache, allow_error_names=["ZeroDivisionError"])(allowed, resources)
        assert allowed.cells[2].outputs[0]["text"] == "end\n" and pool.kernels_started == 1
        with pytest.raises(ExecutionError, match="ZeroDivisionError"):  # not the other run's cached success
            ExecutePreprocessor(pool=pool, cache=cache)(nbformat.read(path, as_version=4), resources)
        assert pool.kernels_started == 2
        skipped = nbformat.read(path, as_version=4)
        ExecutePreprocessor(pool=pool, cache=cache, allow_error_names=["ZeroDivisionError"],
                            skip_cells_with_tag="slow")(skipped, resources)
        assert skipped.cells[0].outputs == [] and pool.kernels_started == 3  # its own entry, not the first one's
        again = nbformat.read(path, as_version=4)
        ExecutePreprocessor(pool=pool, cache=cache, allow_error_names=["ZeroDivisionError"])(again, resources)
        assert again.cells[0].outputs[0]["text"] == "slow\n" and pool.kernels_started == 3  # a hit


def test_a_dependency_folder_that_links_out_is_a_warning_and_no_caching(marked, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.csv").write_text("1\n")
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "link").symlink_to(outside)
    path = write(tmp_path / "nb" / "linked.ipynb", new_code_cell("print('ran')"), nbconv={"depends": "link/*.csv"})
    result = marked.run("--execute", "--cache", tmp_path / "cache", "--to", "markdown", "--stdout", path)
    assert result.returncode == 0 and "ran" in result.stdout, result.stderr
    assert "leads out of the notebook's folder through a symlink" in result.stderr
    assert "executed without the cache" in result.stderr
    assert not list((tmp_path / "cache").glob("*.json"))
