"""Load checklist files, validate them, and store each changed file as a new immutable version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import DomainError, NotFound
from server.models import ChecklistVersion
from server.schemas.checklist_definition import iter_items, validate_definition
from server.services.changes import record_change
from server.services.locks import lock_reference_data

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ChecklistError(DomainError):
    """A checklist file cannot be loaded; ``problems`` name file, item and field."""

    status = 422
    code = "checklist.invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), errors={"checklists": problems})
        self.problems = problems


@dataclass
class ChecklistFile:
    """A parsed checklist file and what is wrong with it."""

    path: Path
    definition: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        """Return the hash of the canonical JSON, the identity of a version."""
        return content_hash(self.definition or {})


def _plain_numbers(value: Any) -> Any:
    """Write whole floats as integers, so ``points: 1`` and ``points: 1.0`` are one content."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    return value


def canonical_json(definition: dict[str, Any]) -> str:
    """Serialise with sorted keys and no spacing, so formatting and key order change nothing."""
    return json.dumps(
        _plain_numbers(definition), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def content_hash(definition: dict[str, Any]) -> str:
    """Return the sha256 hex digest of the canonical JSON of ``definition``."""
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


def read_checklist_file(path: Path) -> ChecklistFile:
    """Parse and validate one file; problems are prefixed with the file name."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return ChecklistFile(path, None, [f"{path.name}: cannot be read as YAML: {exc}"])
    problems = validate_definition(raw)
    if not problems and raw["id"] != path.stem:
        problems = [f"id: '{raw['id']}' must equal the file name '{path.stem}'."]
    definition = _plain_numbers(json.loads(json.dumps(raw))) if not problems else None
    return ChecklistFile(path, definition, [f"{path.name}: {p}" for p in problems])


def read_checklist_dir(directory: Path) -> list[ChecklistFile]:
    """Read every ``*.yaml`` file in ``directory`` and check what spans files (record types)."""
    files = [read_checklist_file(path) for path in sorted(Path(directory).glob("*.yaml"))]
    seen: dict[str, str] = {}
    for checklist in files:
        for record_type in (checklist.definition or {}).get("record_types", []):
            owner = seen.setdefault(record_type["id"], checklist.path.name)
            if owner != checklist.path.name:
                checklist.problems.append(
                    f"{checklist.path.name}: record type '{record_type['id']}' is already "
                    f"defined in {owner}."
                )
    return files


def _history_problems(checklist: ChecklistFile, history: list[ChecklistVersion]) -> list[str]:
    """Enforce "an item id is never reused" against the stored versions of the checklist."""
    if not history:
        return []
    types_seen: dict[str, str] = {}
    for version in history:
        for item in iter_items(version.definition):
            types_seen.setdefault(item["id"], item["type"])
    latest_ids = {item["id"] for item in iter_items(history[-1].definition)}
    problems = []
    for item in iter_items(checklist.definition or {}):
        old_type = types_seen.get(item["id"])
        if old_type and old_type != item["type"]:
            problems.append(
                f"{checklist.path.name}: item '{item['id']}' was a {old_type} item in an earlier "
                f"version; an id is never reused, give the changed item a new id."
            )
        elif old_type and item["id"] not in latest_ids:
            problems.append(
                f"{checklist.path.name}: item '{item['id']}' was dropped in an earlier version "
                f"and may not come back; give it a new id."
            )
    return problems


def load_checklists(session: Session, directory: Path) -> list[ChecklistVersion]:
    """Store a new version of every checklist file whose content changed; return the new rows.

    All files are checked before anything is stored, so one broken file changes nothing.
    """
    files = read_checklist_dir(directory)
    problems = [problem for checklist in files for problem in checklist.problems]
    lock_reference_data(session)  # first: the lock order of docs/sync.md
    pending: list[tuple[ChecklistFile, int]] = []
    for checklist in files:
        if checklist.definition is None:
            continue
        history = list(
            session.scalars(
                select(ChecklistVersion)
                .where(ChecklistVersion.checklist_id == checklist.definition["id"])
                .order_by(ChecklistVersion.version)
            )
        )
        if history and history[-1].sha256 == checklist.sha256:
            continue
        problems += _history_problems(checklist, history)
        pending.append((checklist, history[-1].version + 1 if history else 1))
    if problems:
        raise ChecklistError(problems)
    created = []
    for checklist, version in pending:
        definition = checklist.definition or {}
        row = ChecklistVersion(
            checklist_id=definition["id"],
            version=version,
            sha256=checklist.sha256,
            kind=definition["kind"],
            title_zh=definition["title"]["zh-CN"],
            title_en=definition["title"]["en"],
            definition=definition,
            source_file=checklist.path.name,
        )
        session.add(row)
        created.append(row)
        record_change(session, "checklist", row.checklist_id, None)
    session.flush()
    return created


def current_versions(session: Session) -> list[ChecklistVersion]:
    """Return the newest version of every checklist, ordered by id."""
    newest = (
        select(ChecklistVersion.checklist_id, func.max(ChecklistVersion.version).label("version"))
        .group_by(ChecklistVersion.checklist_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(ChecklistVersion)
            .join(
                newest,
                (ChecklistVersion.checklist_id == newest.c.checklist_id)
                & (ChecklistVersion.version == newest.c.version),
            )
            .order_by(ChecklistVersion.checklist_id)
        )
    )


def get_version(
    session: Session, checklist_id: str, version: int | None = None
) -> ChecklistVersion:
    """Return one version (the newest when ``version`` is None) or raise ``checklist.not_found``."""
    query = select(ChecklistVersion).where(ChecklistVersion.checklist_id == checklist_id)
    if version is None:
        query = query.order_by(ChecklistVersion.version.desc()).limit(1)
    else:
        query = query.where(ChecklistVersion.version == version)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(
            f"Checklist {checklist_id!r}"
            + (f" version {version}" if version else "")
            + " does not exist.",
            code="checklist.not_found",
        )
    return row
