"""Helpers the benchmarks share: timing summaries, the machine line, and the project root."""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # run as `python bench/x.py` from anywhere


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values`` (``fraction`` in 0..1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> str:
    """Format per-item timings as ``mean / median / p95`` in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return (
        f"mean {statistics.fmean(ms):8.1f}  median {statistics.median(ms):8.1f}  "
        f"p95 {percentile(ms, 0.95):8.1f} ms"
    )


def machine() -> str:
    """One line saying where and when the figures were measured."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} · {cpu} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · load {os.getloadavg()[0]:.1f}"
    )
