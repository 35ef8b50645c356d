"""The app's first load under Lighthouse's mobile profile: the bundle against the plain sources.

1. Lighthouse (``LIGHTHOUSE_VERSION``, installed once with ``npm install`` from the npm registry
   into ``~/.cache/wardwalk-bench``, as bench/sync_ingest.py installs pouchdb-server).
2. A fresh SQLite instance set up as a deployment is (``wardwalk init``, ``wardwalk demo``).
3. Two gunicorns as ``scripts/docker-web`` runs them, on loopback: one serves ``client/`` with its
   bundle (``client/dist``, which must be current: ``scripts/setup`` builds it), the other a copy
   of ``client/`` without ``dist/``, so the unbundled sources — the baseline. With ``--caddy``,
   also Debian's Caddy with ``deploy/Caddyfile`` in front of the first (HTTPS with its internal
   CA, HTTP/2, ``encode``), as docker-compose.yml deploys it: a third row, ``caddy``.
4. Lighthouse loads ``/`` (a first visit: a new profile, so no cache and no service worker;
   the app opens its login screen) with its defaults — mobile form factor, simulated slow 4G
   and 4× CPU slowdown — in Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``, headless),
   performance category only. The two builds take turns, ``--runs`` times each (default 3).

It prints each run and, per build, the median performance score, LCP, FCP, TBT, CLS and the
bytes transferred, with the element Lighthouse took for the LCP. Nothing here asserts a figure;
the target (performance ≥ 98, LCP ≤ 1.5 s) is checked by reading the table.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--caddy] [--json-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path

from _common import PROJECT_ROOT, NpmUnavailable, machine, npm_install

from server.client import bundle_problem
from tests.support.deployment import fresh_instance, set_up
from tests.support.gunicorn import Gunicorn
from tests.support.terminate import unwind_on_sigterm

LIGHTHOUSE_VERSION = "13.5.0"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
CLIENT = PROJECT_ROOT / "client"
# Lighthouse audit id → (column, unit scale, format)
METRICS = {
    "largest-contentful-paint": ("LCP s", 1 / 1000, "{:.2f}"),
    "first-contentful-paint": ("FCP s", 1 / 1000, "{:.2f}"),
    "total-blocking-time": ("TBT ms", 1, "{:.0f}"),
    "cumulative-layout-shift": ("CLS", 1, "{:.3f}"),
    "total-byte-weight": ("KiB", 1 / 1024, "{:.1f}"),
}


def lighthouse(executable: Path, url: str, output: Path) -> dict:
    """Run Lighthouse once on ``url``; return its report (also written to ``output``)."""
    flags = CHROME_FLAGS
    if url.startswith("https:"):
        flags += " --ignore-certificate-errors"  # Caddy's internal CA, not installed here
    command = [
        str(executable),
        url,
        "--only-categories=performance",
        "--output=json",
        f"--output-path={output}",
        f"--chrome-flags={flags}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed:\n{(result.stderr or result.stdout)[-3000:]}")
    report = json.loads(output.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {report['runtimeError']}")
    return report


def figures(report: dict) -> dict[str, float]:
    """The score and the metrics of one report, in the table's units."""
    audits = report["audits"]
    row = {"score": report["categories"]["performance"]["score"] * 100}
    for audit, (column, scale, _format) in METRICS.items():
        row[column] = audits[audit]["numericValue"] * scale
    return row


def lcp_element(report: dict) -> str:
    """The element Lighthouse took for the largest contentful paint: selector and text."""
    details = report["audits"].get("lcp-breakdown-insight", {}).get("details") or {}
    for item in details.get("items", []):
        if item.get("type") == "node":
            return f"{item.get('selector')} “{item.get('nodeLabel')}”"
    return "not reported"


def line(name: str, row: dict[str, float]) -> str:
    cells = [f"score {row['score']:5.1f}"]
    cells += [f"{column} {fmt.format(row[column])}" for column, _s, fmt in METRICS.values()]
    return f"{name:8} " + "  ".join(cells)


def main() -> None:
    unwind_on_sigterm()  # a stopped bench still stops the servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per build")
    parser.add_argument("--workers", type=int, default=3, help="scripts/docker-web: WEB_WORKERS")
    parser.add_argument("--json-dir", type=Path, help="keep every Lighthouse report here")
    parser.add_argument(
        "--caddy",
        action="store_true",
        help="also the bundle through Caddy with deploy/Caddyfile (HTTPS, HTTP/2), as deployed",
    )
    args = parser.parse_args()
    problem = bundle_problem(CLIENT)
    if problem:
        parser.error(f"{problem}: build it first (scripts/setup)")

    print(f"lighthouse · {machine()}")
    try:
        executable = npm_install("lighthouse", LIGHTHOUSE_VERSION, "lighthouse")
    except NpmUnavailable as exc:
        raise SystemExit(f"lighthouse {LIGHTHOUSE_VERSION} unavailable: {exc}") from exc
    manifest = json.loads((CLIENT / "dist" / "manifest.json").read_text(encoding="utf-8"))
    print(f"Lighthouse {LIGHTHOUSE_VERSION}, mobile, default (simulated) throttling, {CHROME}")
    print(f"bundle: {manifest['js']}, {manifest['css']} (esbuild {manifest['esbuild']})")

    with tempfile.TemporaryDirectory(prefix="wardwalk-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        reports = args.json_dir or workdir / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        instance = set_up(fresh_instance(workdir / "instance", None, "wardwalk_bench_lighthouse"))
        sources = workdir / "client-sources"
        shutil.copytree(CLIENT, sources, ignore=shutil.ignore_patterns("dist"))
        servers = {
            "bundle": Gunicorn(instance.env(), workdir / "bundle.log", workers=args.workers),
            "sources": Gunicorn(
                {**instance.env(), "CLIENT_DIR": str(sources)},
                workdir / "sources.log",
                workers=args.workers,
            ),
        }
        for server in servers.values():
            stack.enter_context(server)
        urls = {name: f"{server.base}/" for name, server in servers.items()}
        if args.caddy:
            from tests.support.caddy import caddy_front

            (workdir / "caddy").mkdir()
            front = caddy_front(servers["bundle"].port, workdir / "caddy")
            urls["caddy"] = f"{stack.enter_context(front).https}/"
        runs: dict[str, list[dict]] = {name: [] for name in urls}
        for number in range(1, args.runs + 1):
            for name, url in urls.items():  # taking turns: a load spike hits each alike
                report = lighthouse(executable, url, reports / f"{name}-{number}.json")
                runs[name].append(report)
                print(line(name, figures(report)) + f"  (run {number}, {machine()[-8:]})")

    print(f"\nmedian of {args.runs} runs · {machine()}")
    columns = ["score", *(column for column, _s, _f in METRICS.values())]
    print("| build | performance | LCP s | FCP s | TBT ms | CLS | transfer KiB |")
    print("|---|---|---|---|---|---|---|")
    for name, reports_of in runs.items():
        rows = [figures(report) for report in reports_of]
        median = {column: statistics.median(row[column] for row in rows) for column in columns}
        cells = [f"{median['score']:.0f}"]
        cells += [fmt.format(median[column]) for column, _s, fmt in METRICS.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for name, reports_of in runs.items():
        print(f"LCP element ({name}, last run): {lcp_element(reports_of[-1])}")


if __name__ == "__main__":
    main()
