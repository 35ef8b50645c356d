"""Bring a phone's exported outbox into the server, as if the phone had synced it.

When a phone cannot sync for days (a lost password, a server move), its user exports the outbox
as one file (docs/sync.md, "Outbox export") and an admin imports it. Nothing here has rules of
its own: the records go through the push ingest (``sync.push``) and the photos through the
upload pipeline (``photos``), as the device's user, so importing is exactly once in the same
sense as syncing — the same file twice, or a file whose records the phone had partly synced,
answers ``duplicate`` for what is stored and changes nothing.

Each step commits on its own, like the phone's requests: a photo is decoded outside any
transaction (on SQLite a writing transaction would hold the write lock meanwhile), and an import
cut short is finished by importing the same file again.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import DomainError, Forbidden, Invalid, NotFound
from server.models import Photo, User
from server.schemas.outbox_file import OutboxFileSchema
from server.services import photos, sync
from server.services.permissions import may_manage_user, require
from server.storage import PhotoStorage

log = logging.getLogger(__name__)
_LISTS = {"inspection": "inspections", "finding": "findings", "record": "records"}
_SETTLED = ("created", "duplicate")


def _malformed(errors: dict) -> Invalid:
    return Invalid(
        "The file is not a Wardwalk outbox export.", code="import.malformed", errors=errors
    )


def read_file(data: bytes) -> dict:
    """Parse and check an export's envelope; raise ``import.malformed`` naming what is wrong."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise _malformed({"file": ["Not UTF-8 text."]}) from None
    except json.JSONDecodeError as exc:
        raise _malformed({"file": [f"Not JSON: {exc.msg} (line {exc.lineno})."]}) from None
    except RecursionError:
        raise _malformed({"file": ["JSON nested too deeply."]}) from None
    if not isinstance(document, dict):
        raise _malformed({"file": ["Not a JSON object."]})
    try:
        return OutboxFileSchema().load(document)
    except ValidationError as exc:
        raise _malformed(exc.normalized_messages()) from None


@dataclass
class ImportReport:
    """What became of each record and photo of the file."""

    username: str
    device_id: str
    records: list[dict] = field(default_factory=list)
    photos: list[dict] = field(default_factory=list)
    missing_photos: list[str] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain data (for JSON)."""
        return {
            "user": self.username,
            "device_id": self.device_id,
            "records": self.records,
            "photos": self.photos,
            "missing_photos": self.missing_photos,
            "tasks": self.tasks,
        }


def device_user(session: Session, admin: User, username: str, exported: dict) -> User:
    """Return the user the file's records are stored as, after checking the admin may.

    The user must exist, be the one the file names (if it names one), and belong only to the
    admin's hospitals: the same rule as for changing that user's account. A user of none of the
    admin's hospitals answers as an unknown one, so their existence does not leak.
    """
    require(admin, "outbox.import")
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active or not set(user.hospital_ids) & set(admin.hospital_ids):
        raise NotFound("No such user in your hospitals.", code="import.unknown_user")
    if not may_manage_user(admin, user.hospital_ids, []):
        raise Forbidden("The user also belongs to other hospitals.", code="auth.forbidden")
    named = exported["user"]["username"] if exported["user"] else None
    if named is not None and named != username:
        raise Invalid(
            "The file was exported by another user.",
            code="import.other_user",
            errors={"user": [f"The file names {named!r}."]},
        )
    return user


def _push_records(
    session: Session, user: User, exported: dict, batch: int, report: ImportReport
) -> set[str]:
    """Push the records, ``batch`` at a time; return the photo ids that stored records name."""
    entries = sorted(exported["outbox"], key=lambda entry: list(_LISTS).index(entry["kind"]))
    wanted: set[str] = set()
    for start in range(0, len(entries), batch):
        chunk = entries[start : start + batch]
        payload = {"device_id": exported["device_id"], **{key: [] for key in _LISTS.values()}}
        for entry in chunk:
            payload[_LISTS[entry["kind"]]].append(entry["body"])
        answer = sync.push(session, user, payload)
        session.commit()
        report.records.extend(answer["results"])
        report.tasks.extend(answer["tasks"])
        for entry, result in zip(chunk, answer["results"], strict=True):
            if result["status"] in _SETTLED:
                wanted.update(_photo_ids(entry["kind"], entry["body"]))
    return wanted


def _photo_ids(kind: str, body: dict) -> set[str]:
    """Return the photo ids a stored record names: a finding's photos, signature images.

    Stored records were loaded, so each id is a UUID; compare canonical forms.
    """
    if kind == "finding":
        ids = [ref["id"] for ref in body.get("photos") or []]
    elif kind == "inspection":
        ids = [signature["photo_id"] for signature in body.get("signatures") or []]
    else:
        ids = [str(photo_id) for photo_id in sync.signed_photo_ids(body["fields"])]
    return {str(uuid.UUID(str(photo_id))) for photo_id in ids}


def _import_photo(
    session: Session, storage: PhotoStorage, user: User, photo: dict, limits: photos.PhotoLimits
) -> dict:
    """Store one photo through the upload pipeline; return its result."""
    result = {"id": str(photo["id"]), "kind": "photo"}
    try:
        try:
            data = base64.b64decode(photo["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(
                "The photo's data is not base64.",
                code="photo.invalid",
                errors={"data_base64": ["Not base64."]},
            ) from None
        sha = photos.check_upload(data, photo["type"], photo["sha256"], limits)
        check = photos.look_up_upload(session, user, photo["id"], sha)
        if check.replay is not None:
            return {**result, "status": "duplicate"}
        session.commit()  # no transaction while Pillow decodes
        prepared = photos.prepare_photo(storage, data, photo["type"], sha, limits)
        _row, created = photos.add_photo(session, user, check, prepared)
        session.commit()
    except DomainError as exc:
        session.rollback()
        status = "conflict" if exc.status == 409 else "rejected"
        return {**result, "status": status, "code": exc.code, "errors": exc.errors or {}}
    return {**result, "status": "created" if created else "duplicate"}


def _still_missing(session: Session, wanted: set[str]) -> list[str]:
    """Return the photos stored findings name that the server still lacks."""
    ids = [uuid.UUID(photo_id) for photo_id in wanted]
    rows = session.scalars(select(Photo.id).where(Photo.id.in_(ids)))
    stored = {str(photo_id) for photo_id in rows}
    return sorted(wanted - stored)


def import_outbox(
    session: Session,
    storage: PhotoStorage,
    admin: User,
    username: str,
    exported: dict,
    *,
    limits: photos.PhotoLimits,
    batch: int,
) -> ImportReport:
    """Store an export's records and photos as ``username``; report each one.

    A photo is imported when a stored record names it (a finding's photo, a signature), as the
    phone uploads only the photos the server asks for; the others (a draft's, or a rejected
    finding's) are ``skipped``.
    """
    user = device_user(session, admin, username, exported)
    report = ImportReport(username, exported["device_id"])
    wanted = _push_records(session, user, exported, batch, report)
    for photo in exported["photos"]:
        if str(photo["id"]) not in wanted:
            report.photos.append({"id": str(photo["id"]), "kind": "photo", "status": "skipped"})
        else:
            report.photos.append(_import_photo(session, storage, user, photo, limits))
    report.missing_photos = _still_missing(session, wanted)
    # An admin storing records as another user must show in the log as the server runs it,
    # which (with no logging configured) prints warnings and above.
    log.warning(
        "outbox import by admin %s as %s from device %s: %d records, %d photos, %d missing",
        admin.username,
        username,
        exported["device_id"],
        len(report.records),
        sum(photo["status"] in _SETTLED for photo in report.photos),
        len(report.missing_photos),
    )
    return report
