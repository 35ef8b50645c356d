"""Helpers the benchmarks share: timing summaries, the machine line, CPU time from ``/proc``, the
project root, a photo size argument, and installing a tool from npm once into
``~/.cache/wardwalk-bench``."""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NPM_CACHE = Path.home() / ".cache" / "wardwalk-bench"
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # run as `python bench/x.py` from anywhere


def photo_size(text: str) -> tuple[int, int]:
    """Parse ``WxH`` (an argparse ``type``): a photo's width and height, each 16..8192 px."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WxH, e.g. 2048x1536") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be within 16..8192")
    return width, height


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


def cpu_seconds(accept: Callable[[int, int, int, str], bool]) -> float:
    """Return the CPU time (user + system) so far of the processes ``accept`` takes, with that of
    their children already reaped.

    ``accept(pid, parent pid, process group, command line)``, from ``/proc`` (Linux; 0
    elsewhere). A process that exited and was reaped counts in its parent's children's time: take
    the parent too (PostgreSQL's postmaster, whose backends come and go with the pool's
    connections), or its time is lost — a difference of two readings could then even shrink.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command = (
                (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command's name
        except OSError:
            continue  # exited while we looked
        if accept(int(stat.parent.name), int(fields[1]), int(fields[2]), command):
            # utime, stime, cutime, cstime (fields 14–17 of proc(5))
            total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """Return how long all cores have been busy so far (``/proc/stat``; 0 elsewhere)."""
    try:
        cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in cpu[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")  # not "steal"


class NpmUnavailable(RuntimeError):
    """A tool could not be installed from npm here; the message says why."""


def npm_install(package: str, version: str, executable: str) -> Path:
    """Return ``executable`` of ``package@version``, installing it with npm once into
    ``~/.cache/wardwalk-bench/<package>-<version>``.

    npm installs into a temporary folder beside the cache, renamed into place when complete, so
    an interrupted install is never mistaken for a good one.
    """
    cache = NPM_CACHE / f"{package}-{version}"
    found = cache / "node_modules" / ".bin" / executable
    if found.exists():
        return found
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise NpmUnavailable("node and npm are not installed (apt-get install nodejs npm)")
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cache.name}-", dir=cache.parent))
    print(f"installing {package}@{version} with npm into {cache} (once) …")
    try:
        result = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(staging),
                "--no-audit",
                "--no-fund",
                f"{package}@{version}",
            ],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if result.returncode != 0:
            raise NpmUnavailable(f"npm install failed:\n{(result.stderr or result.stdout)[-3000:]}")
        staging.rename(cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return found
