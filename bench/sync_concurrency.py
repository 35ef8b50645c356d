"""Many phones syncing at once against gunicorn as deployed: 5xx, latency, exactly-once audit.

For each database kind (SQLite always; PostgreSQL with ``--postgres URL`` or ``--start-postgres``):

1. A fresh database set up as a deployment is (``wardwalk init``, ``wardwalk demo``), and one
   token per device for the demo ``inspector`` (written into the database: fifty logins from one
   address would meet the login limiter).
2. gunicorn as ``scripts/docker-web`` runs it (``--workers 3 --threads 4``, gthread, access log),
   on loopback.
3. ``--devices`` simulated phones (threads, ``http.client``, one keep-alive connection each) each
   make ``--pushes`` pushes of one civilized-city inspection and ``--findings`` findings, about
   ``--fail-share`` failing, every failure photographed (a real small JPEG made with Pillow, or
   with ``--photo-size 2048x1536`` a photo-like one of the size the app sends);
   ``--overlap`` of the pushes carry another device's records (the same records from two
   phones), ``--lost`` lose their first answer (sent, connection closed, sent again). After each
   push the phone uploads the photos its answer lists as missing (``PUT /photos/<id>`` with
   ``X-Content-SHA256``). 408/429/5xx and network errors are retried with capped back-off, as the
   PWA's outbox does, until ``--seconds`` have passed; then the run stops by itself. By default a
   phone pushes again as soon as its photos are up (the heaviest load); ``--pause S`` lets it
   wait S seconds on average (half to one and a half) between two pushes, as an inspector walks
   to the next place.
4. gunicorn is stopped; the database is audited (``tests/support/audit.py``): every distinct
   record stored once with its content, every photo of a stored finding uploaded, one task per
   problem with occurrences = failures linked, no record answered ``rejected`` that is stored.
   On PostgreSQL it also counts deadlocks (``pg_stat_database`` and the server log).

Nothing here asserts a time; it prints figures.

    .venv/bin/python bench/sync_concurrency.py                       # SQLite, 50 × 20 × 51
    .venv/bin/python bench/sync_concurrency.py --start-postgres      # SQLite, then PostgreSQL
    .venv/bin/python bench/sync_concurrency.py --devices 5 --pushes 3 --start-postgres --no-sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa
from _common import busy_seconds, cpu_seconds, machine, percentile, photo_size
from photo_pipeline import phone_photo

from tests.support.audit import audit, count_deadlocks, deadlocks_in_log
from tests.support.deployment import fresh_instance, issue_tokens, set_up
from tests.support.fleet import make_fleet, read_reference, run_fleet, small_jpeg
from tests.support.gunicorn import Gunicorn, exceptions
from tests.support.terminate import unwind_on_sigterm

CHECKLIST = "civilized-city"
PHOTO_POOL = 16


def latency_line(seconds: list[float]) -> str:
    if not seconds:
        return "no answers"
    ms = [s * 1000 for s in seconds]
    return (
        f"p50 {percentile(ms, 0.50):8.1f}  p95 {percentile(ms, 0.95):8.1f}  "
        f"p99 {percentile(ms, 0.99):8.1f}  max {max(ms):8.1f} ms  ({len(ms)} answers)"
    )


def statuses(ledger, what: str) -> str:
    counts = Counter({status: n for (kind, status), n in ledger.statuses.items() if kind == what})
    return ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "none"


def _cpu(gunicorn_group: int, postmaster: int | None) -> dict[str, float]:
    """CPU seconds so far: gunicorn's workers, the PostgreSQL cluster's processes (the postmaster
    and its backends, closed ones included), the phones, all cores.

    Says whether a run was short of CPU or waiting (locks, disks), and what a push cost.
    """
    return {
        "gunicorn": cpu_seconds(lambda _pid, _parent, group, _command: group == gunicorn_group),
        "postgres": cpu_seconds(lambda pid, parent, _group, _command: postmaster in (pid, parent))
        if postmaster
        else 0.0,
        "phones": time.process_time(),
        "busy": busy_seconds(),
    }


def _postmaster(database_url: str) -> int | None:
    """Return the pid of the cluster's postmaster if it runs on this machine, else None."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            backend = connection.scalar(sa.text("SELECT pg_backend_pid()"))
        stat = Path(f"/proc/{backend}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, sa.exc.SQLAlchemyError):
        return None  # another machine's cluster (or no /proc): its CPU is not measured
    finally:
        engine.dispose()


def run(kind: str, postgres_url: str | None, pg_log: Path | None, args) -> None:
    """One fleet against one kind of database; print the figures and the audit."""
    with tempfile.TemporaryDirectory(prefix="wardwalk-fleet-") as tmp, ExitStack() as cleanup:
        instance = fresh_instance(Path(tmp) / "instance", postgres_url, "wardwalk_bench_fleet")
        cleanup.callback(instance.drop)
        set_up(instance)
        names = [f"phone-{n:03d}" for n in range(args.devices)]
        tokens = issue_tokens(instance, "inspector", names)
        log_offset = pg_log.stat().st_size if pg_log else 0
        server = Gunicorn(
            instance.env(), Path(tmp) / "gunicorn.log", workers=args.workers, threads=args.threads
        )
        with server:
            definition, version, areas = read_reference(server.port, tokens[0], CHECKLIST)
            fleet = make_fleet(
                definition,
                version,
                areas,
                devices=args.devices,
                pushes=args.pushes,
                findings=args.findings,
                fail_share=args.fail_share,
                overlap=args.overlap,
                lost=args.lost,
                seed=args.seed,
                photo=args.photo,
            )
            print(f"\n[{kind}] {fleet.describe()}")
            print(f"[{kind}] photos: {args.photo_description}")
            print(
                f"[{kind}] gunicorn --workers {args.workers} --threads {args.threads} "
                f"(gthread, access log), time limit {args.seconds:.0f} s, "
                f"pause between pushes {args.pause:g} s"
            )
            postmaster = _postmaster(instance.database_url) if kind == "postgresql" else None
            cpu_before = _cpu(server.process.pid, postmaster)
            ledger = run_fleet(
                server.port, fleet, tokens, seconds=args.seconds, seed=args.seed, pause=args.pause
            )
            cpu = {
                what: after - cpu_before[what]
                for what, after in _cpu(server.process.pid, postmaster).items()
            }
        found = audit(instance.database_url, instance.photo_dir, fleet, ledger)
        deadlocks = count_deadlocks(instance.database_url) if kind == "postgresql" else None
        logged = deadlocks_in_log(pg_log, log_offset) if pg_log else None
        server_log = server.log_tail(10**9)

    pushes = sum(n for (what, _), n in ledger.statuses.items() if what == "push")
    errors = ledger.connection_errors
    print(
        f"[{kind}] push requests answered {pushes} ({statuses(ledger, 'push')}); "
        f"5xx {ledger.server_errors('push')}; connection errors {errors['push']}; "
        f"answers lost on purpose {ledger.lost_answers}"
    )
    print(
        f"[{kind}] photo uploads answered ({statuses(ledger, 'photo')}); "
        f"5xx {ledger.server_errors('photo')}; connection errors {errors['photo']}"
    )
    print(f"[{kind}] push latency   {latency_line(ledger.latencies['push'])}")
    print(f"[{kind}] photo latency  {latency_line(ledger.latencies['photo'])}")
    records = len(fleet.expected_inspections()) + len(fleet.expected_findings())
    print(
        f"[{kind}] wall {ledger.seconds:7.1f} s: {records / ledger.seconds:7.0f} distinct "
        f"records/s, {pushes / ledger.seconds:6.1f} push answers/s"
    )
    per_push = cpu["gunicorn"] / max(pushes, 1) * 1000
    database = ""
    if kind == "postgresql":
        database = f"PostgreSQL {cpu['postgres']:.1f} s, " if postmaster else "PostgreSQL n/a, "
    busy = cpu["busy"] / (ledger.seconds * (os.cpu_count() or 1))
    print(
        f"[{kind}] CPU: gunicorn {cpu['gunicorn']:.1f} s ({per_push:.0f} ms per push answer, "
        f"its photos included), {database}the phones {cpu['phones']:.1f} s; "
        f"the machine busy {busy:.0%} of {os.cpu_count()} cores"
    )
    figures = found.figures
    print(
        f"[{kind}] audit: {figures['inspections sent']} inspections, "
        f"{figures['findings sent']} findings, {figures['photos named']} photos, "
        f"{figures['failing findings']} failing findings, {figures['tasks']} tasks; "
        f"rejected but stored {figures['rejected but stored']}"
    )
    for problem in found.problems:
        print(f"[{kind}]   ✗ {problem}")
    if not found.problems:
        print(f"[{kind}]   exactly once: every check passed")
    if deadlocks is not None:
        in_log = "n/a (cluster not started here)" if logged is None else str(len(logged))
        print(f"[{kind}] deadlocks: pg_stat_database {deadlocks}, server log {in_log}")
    print(
        f"[{kind}] server log: {server_log.count('Traceback')} tracebacks, "
        f"{server_log.count('[CRITICAL] WORKER TIMEOUT')} worker timeouts"
    )
    for line, n in exceptions(server_log).most_common(5):
        print(f"[{kind}]   {n:5d} × {line}")
    print(f"[{kind}] load after the run: {machine().rsplit('load ', 1)[1]}")


def photo_maker(width: int, height: int) -> tuple[Callable[[random.Random], bytes], str]:
    """Return how the phones make each failure's photo, and a line saying what they send.

    At the default 64×48 a photo is noise (``small_jpeg``: ~1 ms in the photo pipeline). Larger,
    photo-like JPEGs (``photo_pipeline.phone_photo``) take ~0.2 s each to make, far too long for
    thousands, so the phones share a pool of them and make each upload unique with 16 random bytes
    after the JPEG's end: a decoder stops at the end marker, so the server decodes and re-encodes
    the whole photo every time, and the bytes' hash differs.
    """
    if (width, height) == (64, 48):
        return small_jpeg, "64x48 noise JPEGs made with Pillow (a few kB each)"
    pool = [phone_photo(seed, (width, height)) for seed in range(PHOTO_POOL)]
    mean_kb = statistics.fmean(len(data) for data in pool) / 1024

    def pooled(rng: random.Random) -> bytes:
        return pool[rng.randrange(len(pool))] + rng.randbytes(16)

    return pooled, (
        f"{width}x{height} photo-like JPEGs (bench/photo_pipeline.py, q90, mean {mean_kb:.0f} kB; "
        f"a pool of {PHOTO_POOL}, each upload made unique by 16 bytes after the JPEG's end)"
    )


def main() -> None:
    unwind_on_sigterm()  # a stopped bench still stops the servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--pushes", type=int, default=20, help="pushes per device")
    parser.add_argument("--findings", type=int, default=50, help="findings per push (≤ 59)")
    parser.add_argument("--fail-share", type=float, default=0.10)
    parser.add_argument("--overlap", type=float, default=0.30, help="share of pushes shared")
    parser.add_argument("--lost", type=float, default=0.05, help="share losing the first answer")
    parser.add_argument("--workers", type=int, default=3, help="scripts/docker-web: WEB_WORKERS")
    parser.add_argument("--threads", type=int, default=4, help="scripts/docker-web: WEB_THREADS")
    parser.add_argument("--seconds", type=float, default=900, help="time limit of a run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="mean seconds a phone waits between pushes (0: none, the issue's load)",
    )
    parser.add_argument(
        "--photo-size",
        type=photo_size,
        default=(64, 48),
        help="WxH of the phones' photos (default 64x48; the app sends up to 2048 px)",
    )
    parser.add_argument("--postgres", metavar="URL", help="maintenance database of a cluster")
    parser.add_argument("--start-postgres", action="store_true", help="start a throwaway cluster")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    if not (1 <= args.devices <= 200 and 1 <= args.pushes <= 1000 and args.seconds > 0):
        parser.error("--devices within 1..200, --pushes within 1..1000, --seconds > 0")
    args.photo, args.photo_description = photo_maker(*args.photo_size)

    print(f"sync_concurrency · {machine()}")
    with ExitStack() as cleanup:
        postgres, pg_log = args.postgres, None
        if args.start_postgres:
            from tests.support.postgres import start_cluster

            cluster = start_cluster()
            cleanup.callback(cluster.stop)
            postgres, pg_log = cluster.url(), cluster.log
            print("PostgreSQL: throwaway cluster (fsync=off, synchronous_commit=off)")
        if not args.no_sqlite:
            run("sqlite", None, None, args)
        if postgres:
            run("postgresql", postgres, pg_log, args)


if __name__ == "__main__":
    main()
