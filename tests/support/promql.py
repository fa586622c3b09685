"""The metric names a PromQL expression reads, and the series a `/metrics` page exposes.

Enough PromQL for the project's dashboards and rules: label matchers, grouping clauses,
ranges, strings and numbers are removed; what remains that is not a function, an aggregation
or a keyword is a metric name. `job="x"` in a selector says which service must expose it.
"""

from __future__ import annotations

import re

KEYWORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "bool", "inf", "nan", "le",
}  # fmt: skip
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_JOB = re.compile(r'\bjob\s*=\s*"([^"]+)"')
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr: str) -> dict[str, set[str]]:
    """Each metric `expr` reads -> the jobs its selectors name (empty: any)."""
    found: dict[str, set[str]] = {}
    for name, labels in _SELECTOR.findall(expr):
        found.setdefault(name, set()).update(_JOB.findall(labels))
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    for match in _NAME.finditer(text):
        name = match.group(0)
        following = text[match.end() :].lstrip()
        if name in KEYWORDS or following.startswith("("):
            continue
        found.setdefault(name, set())
    return found


def base_name(name: str) -> str:
    """A histogram's series (`x_bucket`, `x_sum`, `x_count`) belong to `x`."""
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def exposed_names(page: str) -> set[str]:
    """Metric families and sample names on a Prometheus text page (`# TYPE` lines included:
    a labelled family with no sample yet is still declared)."""
    names: set[str] = set()
    for line in page.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(_NAME.match(line).group(0) if _NAME.match(line) else "")
    names.discard("")
    return names | {base_name(name) for name in names}
