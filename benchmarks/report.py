"""Result files and Markdown tables shared by the benchmark scripts."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> dict[str, Any]:
    """What the numbers were measured on; the load average says how noisy the machine was."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; numbers right-aligned."""
    out = ["| " + " | ".join(headers) + " |"]
    out.append("|" + "|".join("---:" if i else "---" for i in range(len(headers))) + "|")
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def save(name: str, data: dict[str, Any], markdown: str, *, smoke: bool) -> None:
    """Write results/<name>.json and .md (smoke runs write <name>.smoke.*) and print the table."""
    RESULTS.mkdir(exist_ok=True)
    stem = f"{name}.smoke" if smoke else name
    data = {"machine": machine(), **data}
    (RESULTS / f"{stem}.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown + "\n")
    print(markdown, flush=True)


def process_memory() -> dict[str, int]:
    """This process's resident, proportional and private (USS) bytes, from smaps_rollup."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) * 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "uss": fields["Private_Clean"] + fields["Private_Dirty"],
    }
