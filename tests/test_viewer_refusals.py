"""Runs tests/viewer_isolated_refusals.py in a private network namespace (``unshare -n``).

The refusal tests name non-loopback addresses; inside the namespace only ``lo`` exists,
so a viewer that failed to refuse them still could not send a packet off the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import CORPUS, REPO, need


def test_address_refusals_in_isolated_network_namespace(tool, tmp_path):
    if not CORPUS.is_dir():  # the inner tests' upstream serves corpus notebooks: all of them would skip
        pytest.skip(f"{CORPUS} not found (../shared is absent): the refusal tests fetch corpus notebooks")
    unshare = tool("unshare", "util-linux")
    flags = ["-n"] if os.geteuid() == 0 else ["-r", "-n"]
    probe = subprocess.run([unshare, *flags, "true"], capture_output=True, text=True)
    need(probe.returncode == 0, f"unshare {' '.join(flags)} is not permitted here: {probe.stderr.strip()}")
    report = tmp_path / "isolated.xml"
    result = subprocess.run(
        [unshare, *flags, "--", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         f"--junitxml={report}", str(REPO / "tests" / "viewer_isolated_refusals.py")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    suite = ElementTree.parse(report).getroot().find("testsuite")
    counts = {key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")}
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, result.stdout[-4000:]
    assert counts["tests"] >= 35, counts
