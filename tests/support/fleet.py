"""Simulated phones syncing with a real server over HTTP: what they recorded, and how they send it.

A ``Fleet`` is the plan: per device, the pushes it makes in order (one inspection and its
findings each, some failing with a photo), where some pushes carry the very records another
device pushes too (a shared pool, or one inspector's two phones), and some lose their first
answer (sent, then the connection dropped before the answer was read: the device cannot know
whether it was stored and sends it again). Each ``Device`` behaves as the PWA's outbox does:
408, 429, 5xx and network errors are retried with capped back-off until a deadline; every other
answer is final; after a push it uploads the photos the answer lists as missing.

Everything the devices saw goes into a thread-safe ``Ledger``, which the audit
(``tests/support/audit.py``) compares with the database afterwards. Only ``http.client`` on
loopback; every loop is bounded by the deadline.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))
RETRY_STATUSES = (408, 429)  # and every 5xx: what the outbox retries


# --- the plan --------------------------------------------------------------------------------


@dataclass
class Push:
    """One push body (``device_id`` is set by the device sending it) and its photos' bytes."""

    body: dict
    photos: dict[str, bytes] = field(default_factory=dict)

    def records(self) -> list[dict]:
        return [*self.body["inspections"], *self.body["findings"]]


@dataclass
class Step:
    """One push in a device's order; ``lose_first_answer``: send, drop the answer, send again."""

    push: Push
    lose_first_answer: bool = False
    shared: bool = False  # another device pushes these very records too


@dataclass
class Fleet:
    """Every device's steps, and the distinct pushes (what must end up stored, once)."""

    devices: list[list[Step]]
    unique: list[Push]

    def expected_inspections(self) -> dict[str, dict]:
        return {r["id"]: r for push in self.unique for r in push.body["inspections"]}

    def expected_findings(self) -> dict[str, dict]:
        return {r["id"]: r for push in self.unique for r in push.body["findings"]}

    def expected_photos(self) -> dict[str, bytes]:
        return {pid: data for push in self.unique for pid, data in push.photos.items()}

    def describe(self) -> str:
        steps = [step for device in self.devices for step in device]
        inspections = len(self.expected_inspections())
        findings = self.expected_findings().values()
        failing = sum(f["result"] == "fail" for f in findings)
        return (
            f"{len(self.devices)} devices × {len(self.devices[0])} pushes = {len(steps)} pushes "
            f"({sum(s.shared for s in steps)} carrying another device's records, "
            f"{sum(s.lose_first_answer for s in steps)} losing their first answer); "
            f"{len(self.unique)} distinct pushes = {inspections} inspections + {len(findings)} "
            f"findings ({failing} failing, {len(self.expected_photos())} photos)"
        )


def pass_fail_items(definition: dict) -> list[dict]:
    """Return a checklist definition's pass/fail items (answered without a value)."""
    return [
        item
        for section in definition["sections"]
        for item in section["items"]
        if item["type"] == "pass_fail"
    ]


def small_jpeg(rng: random.Random, size: tuple[int, int] = (64, 48)) -> bytes:
    """A real, unique JPEG of noise made with Pillow (a few kB)."""
    from PIL import Image

    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _make_push(
    rng: random.Random,
    checklist_id: str,
    version: int,
    items: list[dict],
    location_ids: list[int],
    findings: int,
    fail_share: float,
    started: datetime,
    photo: Callable[[random.Random], bytes],
) -> Push:
    inspection = {
        "id": _uuid(rng),
        "checklist_id": checklist_id,
        "checklist_version": version,
        "location_id": rng.choice(location_ids),
        "kind": rng.choice(["self", "supervision", "unannounced"]),
        "started_at": _iso(started),
        "finished_at": _iso(started + timedelta(minutes=30)),
        "note": "",
    }
    push = Push({"inspections": [inspection], "findings": [], "records": []})
    for n, item in enumerate(rng.sample(items, findings)):
        fails = rng.random() < fail_share
        photos = []
        # A failure is photographed unless the item forbids photos; "required" always is.
        if item["photo"] == "required" or (fails and item["photo"] != "never"):
            data = photo(rng)
            photo_id = _uuid(rng)
            push.photos[photo_id] = data
            photos.append(
                {"id": photo_id, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            )
        push.body["findings"].append(
            {
                "id": _uuid(rng),
                "inspection_id": inspection["id"],
                "item_id": item["id"],
                "result": "fail" if fails else "pass",
                "value": None,
                "note": "地面有积水" if fails else "",
                "photos": photos,
                "recorded_at": _iso(started + timedelta(seconds=20 * n)),
            }
        )
    return push


def make_fleet(
    definition: dict,
    version: int,
    location_ids: list[int],
    *,
    devices: int,
    pushes: int,
    findings: int,
    fail_share: float = 0.10,
    overlap: float = 0.30,
    lost: float = 0.05,
    seed: int = 1,
    photo: Callable[[random.Random], bytes] = small_jpeg,
) -> Fleet:
    """Plan ``devices`` × ``pushes`` pushes of one inspection and ``findings`` findings each.

    A share ``overlap`` of the pushes carry the records of another device's push at the same
    position (so the two are likely in flight together); a share ``lost`` lose their first answer.
    ``photo`` makes each failure's photo, unique, from the plan's random source.
    """
    items = pass_fail_items(definition)
    if not 1 <= findings <= len(items):
        raise ValueError(
            f"{findings} findings per inspection: the checklist has {len(items)} items"
        )
    rng = random.Random(seed)
    base = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    own = [
        [
            _make_push(
                rng,
                definition["id"],
                version,
                items,
                location_ids,
                findings,
                fail_share,
                base + timedelta(minutes=37 * (d * pushes + i)),
                photo,
            )
            for i in range(pushes)
        ]
        for d in range(devices)
    ]
    shared = {
        (d, i)
        for d in range(devices)
        for i in range(pushes)
        if devices > 1 and rng.random() < overlap
    }
    steps: list[list[Step]] = []
    for d in range(devices):
        row = []
        for i in range(pushes):
            partners = [p for p in range(devices) if p != d and (p, i) not in shared]
            if (d, i) in shared and partners:
                row.append(Step(own[rng.choice(partners)][i], shared=True))
            else:
                row.append(Step(own[d][i]))
        steps.append(row)
    for row in steps:
        for step in row:
            step.lose_first_answer = rng.random() < lost
    sent = {id(step.push): step.push for row in steps for step in row}
    return Fleet(steps, list(sent.values()))


# --- what the devices saw --------------------------------------------------------------------


@dataclass
class Ledger:
    """Every answer the devices got, collected from their threads."""

    lock: threading.Condition = field(default_factory=threading.Condition)
    results: dict[str, list[tuple[str, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # record id → [(status, code)] over every answer that named it
    statuses: Counter = field(default_factory=Counter)  # (what, HTTP status) → count
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    connection_errors: Counter = field(default_factory=Counter)  # what → count
    unexpected: list[str] = field(default_factory=list)  # answers no correct server gives here
    photo_created: Counter = field(default_factory=Counter)  # photo id → 201 answers
    unanswered: list[str] = field(default_factory=list)  # given up at the deadline
    lost_answers: int = 0
    inflight: Counter = field(default_factory=Counter)  # what → requests in flight
    answered: int = 0  # requests answered with any status: progress, for fault injectors
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None

    def server_errors(self, what: str | None = None) -> int:
        return sum(
            n
            for (kind, status), n in self.statuses.items()
            if status >= 500 and what in (None, kind)
        )

    def note_unexpected(self, text: str) -> None:
        with self.lock:
            self.unexpected.append(text)

    def wait_for(self, answered: int, what: str = "push", timeout: float = 60) -> bool:
        """Wait until ``answered`` requests were answered and a ``what`` request is in flight.

        Return False if the run ended first (or after ``timeout`` seconds).
        """
        with self.lock:
            self.lock.wait_for(
                lambda: (
                    self.finished is not None
                    or (self.answered >= answered and self.inflight[what] > 0)
                ),
                timeout=timeout,
            )
            return self.finished is None and self.answered >= answered and self.inflight[what] > 0

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started


# --- the devices -----------------------------------------------------------------------------


class Device:
    """One phone: a keep-alive connection, its token, and the outbox's retry rule."""

    def __init__(
        self,
        name: str,
        token: str,
        port: int,
        ledger: Ledger,
        deadline: float,
        *,
        timeout: float = 120,
        max_backoff: float = 2.0,
        seed: int = 0,
        pause: float = 0.0,
    ) -> None:
        self.name = name
        self.pause = pause
        self.port = port
        self.ledger = ledger
        self.deadline = deadline
        self.timeout = timeout
        self.max_backoff = max_backoff
        self.rng = random.Random(f"{name}:{seed}")
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def run(self, steps: list[Step]) -> None:
        """Sync every step in order; give up on what is left at the deadline."""
        try:
            for number, step in enumerate(steps):
                if time.monotonic() > self.deadline:
                    self._give_up(f"{self.name} push {number} (not sent: deadline)")
                    continue
                if number and self.pause:  # the walk to the next place: half to one and a half
                    time.sleep(self.pause * (0.5 + self.rng.random()))
                    self._drop_connection()  # the server closes idle ones (gunicorn: after 2 s)
                self.sync(step, number)
        except Exception as exc:  # a bug in the simulator must show, not hang the run
            self.ledger.note_unexpected(f"{self.name}: {exc!r}")
        finally:
            if self.connection is not None:
                self.connection.close()

    def sync(self, step: Step, number: int) -> None:
        """Push one step's records, then upload the photos the answer says are missing."""
        body = json.dumps({**step.push.body, "device_id": self.name}).encode()
        headers = {**self.headers, "Content-Type": "application/json"}
        if step.lose_first_answer:
            self._send_and_drop("POST", "/api/v1/sync/push", body, headers)
        answer = self._until_answered("push", "POST", "/api/v1/sync/push", body, headers)
        if answer is None:
            self._give_up(f"{self.name} push {number} (unanswered at the deadline)")
            return
        status, data = answer
        if status != 200:
            self.ledger.note_unexpected(f"{self.name} push {number}: {status} {data[:300]!r}")
            return
        self._note_results(step.push, json.loads(data), number)
        for photo_id in json.loads(data)["missing_photos"]:
            self.upload(step.push, photo_id)

    def upload(self, push: Push, photo_id: str) -> None:
        photo = push.photos.get(photo_id)
        if photo is None:
            self.ledger.note_unexpected(f"{self.name}: missing_photos names unknown {photo_id}")
            return
        headers = {
            **self.headers,
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": hashlib.sha256(photo).hexdigest(),
        }
        answer = self._until_answered("photo", "PUT", f"/api/v1/photos/{photo_id}", photo, headers)
        if answer is None:
            self._give_up(f"{self.name} photo {photo_id} (unanswered at the deadline)")
            return
        status, data = answer
        if status == 201:
            with self.ledger.lock:
                self.ledger.photo_created[photo_id] += 1
        elif status != 200:
            self.ledger.note_unexpected(f"{self.name} photo {photo_id}: {status} {data[:300]!r}")

    def _note_results(self, push: Push, answer: dict, number: int) -> None:
        records = push.records()
        results = answer.get("results", [])
        if [r.get("id") for r in results] != [r["id"] for r in records]:
            self.ledger.note_unexpected(f"{self.name} push {number}: results do not match records")
        with self.ledger.lock:
            for result in results:
                self.ledger.results[result.get("id")].append((result["status"], result.get("code")))

    def _give_up(self, what: str) -> None:
        with self.ledger.lock:
            self.ledger.unanswered.append(what)

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        return self.connection

    def _drop_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _send_and_drop(self, method: str, path: str, body: bytes, headers: dict) -> None:
        """Send a request and close the connection before its answer: a lost answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
        except (OSError, http.client.HTTPException):
            pass  # not even sent: the same as lost, for the device
        finally:
            connection.close()
        with self.ledger.lock:
            self.ledger.lost_answers += 1

    def _until_answered(
        self, what: str, method: str, path: str, body: bytes, headers: dict
    ) -> tuple[int, bytes] | None:
        """Send until an answer the outbox does not retry arrives, or the deadline passes."""
        backoff = 0.05
        while time.monotonic() < self.deadline:
            with self.ledger.lock:
                self.ledger.inflight[what] += 1
                self.ledger.lock.notify_all()
            began = time.perf_counter()
            try:
                connection = self._connect()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                self._drop_connection()
                status = None
            finally:
                with self.ledger.lock:
                    self.ledger.inflight[what] -= 1
            seconds = time.perf_counter() - began
            with self.ledger.lock:
                if status is None:
                    self.ledger.connection_errors[what] += 1
                else:
                    self.ledger.statuses[(what, status)] += 1
                    self.ledger.latencies[what].append(seconds)
                    self.ledger.answered += 1
                self.ledger.lock.notify_all()
            if status is not None and status < 500 and status not in RETRY_STATUSES:
                return status, data
            time.sleep(min(backoff, max(0.0, self.deadline - time.monotonic())))
            backoff = min(self.max_backoff, backoff * 2 * (0.5 + self.rng.random()))
        return None


def run_fleet(
    port: int,
    fleet: Fleet,
    tokens: list[str],
    *,
    seconds: float,
    seed: int = 0,
    ledger: Ledger | None = None,
    pause: float = 0.0,
) -> Ledger:
    """Let every device sync its steps on its own thread; return when all are done or timed out.

    Pass a ``ledger`` to watch the run's progress from another thread (a fault injector).
    ``pause``: seconds a device waits between two pushes on average (0: none, every phone
    pushes again at once — the heaviest load).
    """
    ledger = ledger or Ledger()
    ledger.started = time.perf_counter()
    deadline = time.monotonic() + seconds
    devices = [
        Device(f"phone-{n:03d}", token, port, ledger, deadline, seed=seed, pause=pause)
        for n, token in enumerate(tokens)
    ]
    threads = [
        threading.Thread(target=device.run, args=(steps,), name=device.name, daemon=True)
        for device, steps in zip(devices, fleet.devices, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 150)
    with ledger.lock:
        ledger.finished = time.perf_counter()
        ledger.lock.notify_all()
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        ledger.note_unexpected(f"devices still running after the deadline: {stuck}")
    return ledger


def read_reference(port: int, token: str, checklist_id: str) -> tuple[dict, int, list[int]]:
    """Read a checklist and the areas over HTTP as the PWA does: (definition, version, area ids)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(path: str):
        connection.request("GET", f"/api/v1{path}", headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} → {response.status}: {data[:300]!r}")
        return json.loads(data)

    try:
        version = {c["id"]: c["version"] for c in get("/checklists")}[checklist_id]
        definition = get(f"/checklists/{checklist_id}")
        areas = [loc["id"] for loc in get("/locations") if loc["kind"] == "area"]
    finally:
        connection.close()
    return definition, version, areas
