"""The results: one row per case, printed as a table and written as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.cases import Case, Comparison
from benchmarks.measure import Series

BASELINE = "nbconvert"  # the usual one; a case names its own (Case.baseline)
OURS = "nbconv"


@dataclass
class Row:
    case: Case
    series: dict[str, Series]

    @property
    def ratio(self) -> float | None:
        """How many times faster nbconv is (nbconvert median / nbconv median)."""
        if self.case.baseline not in self.series:
            return None
        return self.series[self.case.baseline].median / self.series[OURS].median

    @property
    def memory_share(self) -> float | None:
        if self.case.baseline not in self.series:
            return None
        return self.series[OURS].peak_mib / self.series[self.case.baseline].peak_mib

    @property
    def meets_target(self) -> bool | None:
        target = self.case.target
        if target is None or self.ratio is None:
            return None
        memory_ok = target.max_memory_share is None or self.memory_share <= target.max_memory_share
        return self.ratio >= target.speedup and memory_ok

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"case": self.case.name, "description": self.case.description,
                                "notebooks": self.case.notebooks}
        for name, one in self.series.items():
            data[name] = one.as_dict()
            if self.case.notebooks > 1:
                data[name]["notebooks_per_s"] = round(self.case.notebooks / one.median, 2)
        if self.ratio is not None:
            data["ratio"] = round(self.ratio, 2)
            data["memory_share"] = round(self.memory_share, 3)
        if self.case.target:
            data["target"] = self.case.target.describe()
            data["meets_target"] = self.meets_target
        return data


def _seconds(series: Series | None) -> str:
    return "-" if series is None else f"{series.median:.3f}s"


def _mib(series: Series | None) -> str:
    return "-" if series is None else f"{series.peak_mib:.0f}"


def table(rows: list[Row]) -> str:
    """A Markdown table (readable in a terminal, pasteable into the README)."""
    header = ["case", "nbconv", "baseline", "ratio", "nbconv MiB", "baseline MiB", "target", "met"]
    lines = []
    for row in rows:
        met = {None: "", True: "yes", False: "NO"}[row.meets_target]
        lines.append([
            row.case.name, _seconds(row.series.get(OURS)), _seconds(row.series.get(row.case.baseline)),
            "-" if row.ratio is None else f"{row.ratio:.1f}x",
            _mib(row.series.get(OURS)), _mib(row.series.get(row.case.baseline)),
            row.case.target.describe() if row.case.target else "", met,
        ])
    return _markdown(header, lines)


def _markdown(header: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *map(fmt, lines)])


@dataclass
class DerivedRow:
    """nbconv against itself: one timed case's median over another's (``Comparison``)."""

    comparison: Comparison
    case: Series
    reference: Series

    @property
    def ratio(self) -> float:
        return self.case.median / self.reference.median

    @property
    def meets_target(self) -> bool | None:
        limit = self.comparison.max_ratio
        return None if limit is None else self.ratio <= limit

    def as_dict(self) -> dict[str, Any]:
        data = {"comparison": self.comparison.name, "case": self.comparison.case,
                "reference": self.comparison.reference, "case_median_s": round(self.case.median, 4),
                "reference_median_s": round(self.reference.median, 4), "ratio": round(self.ratio, 3)}
        if self.comparison.max_ratio is not None:
            data["target"] = self.comparison.describe()
            data["meets_target"] = self.meets_target
        return data


def derived_rows(rows: list[Row], comparisons: list[Comparison]) -> list[DerivedRow]:
    """The comparisons whose two cases were both timed for nbconv."""
    timed = {row.case.name: row.series[OURS] for row in rows if OURS in row.series}
    return [DerivedRow(c, timed[c.case], timed[c.reference]) for c in comparisons
            if c.case in timed and c.reference in timed]


def derived_table(rows: list[DerivedRow]) -> str:
    """nbconv against itself, as a Markdown table."""
    header = ["comparison (nbconv)", "case", "reference", "ratio", "target", "met"]
    lines = [[row.comparison.name, f"{row.comparison.case} {row.case.median:.3f}s",
              f"{row.comparison.reference} {row.reference.median:.3f}s", f"{row.ratio:.2f}x",
              row.comparison.describe(), {None: "", True: "yes", False: "NO"}[row.meets_target]] for row in rows]
    return _markdown(header, lines)


def write_json(path: Path, rows: list[Row], machine: dict[str, Any], derived: list[DerivedRow] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine, "cases": [row.as_dict() for row in rows],
               "comparisons": [row.as_dict() for row in derived]}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
