"""The photo pipeline: verify with Pillow, orient, strip metadata, re-encode, thumbnail, store.

A photo arrives by ``PUT /photos/<uuid>`` before or after the finding that names it. Uploads are
idempotent: the same id with the same bytes answers "already stored", the same id with other
bytes is a conflict — to whoever may see the photo; to anyone else an id already taken answers
404, as a GET does, so another hospital's photo is never confirmed. Nothing of the original file
is kept: the stored image is a fresh JPEG with no EXIF (so no GPS position), at a bounded size.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps
from sqlalchemy import Select, Uuid, bindparam, func, select
from sqlalchemy.orm import Session

from server.errors import Conflict, DomainError, Invalid, NotFound
from server.models import Finding, Inspection, Photo, PhotoSlot, RecordEntry, TaskSubmission, User
from server.services import bulk
from server.services.permissions import may_see_inspection, may_see_record, require
from server.services.tasks import copies_of, tasks_of_finding, visible_tasks
from server.storage import PhotoStorage
from server.timeutil import utcnow

CONTENT_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Pillow calls a JPEG with extra images in an MPF segment (phone gain maps, depth maps) "MPO";
# it is a JPEG, and its first image is the photo.
_DECODABLE = {"JPEG", "MPO", "PNG", "WEBP"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PhotoLimits:
    """Configurable limits; the defaults suit phone photos."""

    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_edge: int = 2048
    thumb_edge: int = 320
    quality: int = 85

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PhotoLimits:
        """Return the limits an app is configured with (uploads and imports share them)."""
        return cls(
            max_bytes=config["PHOTO_MAX_BYTES"],
            max_pixels=config["PHOTO_MAX_PIXELS"],
            max_edge=config["PHOTO_MAX_EDGE"],
            thumb_edge=config["PHOTO_THUMB_EDGE"],
        )


@dataclass(frozen=True)
class ProcessedPhoto:
    """What is stored: the re-encoded image, its thumbnail, and the image's size."""

    image: bytes
    thumb: bytes
    width: int
    height: int


class PhotoTooLarge(DomainError):
    """The body is over the configured limit."""

    status = 413
    code = "photo.too_large"


class UnsupportedPhotoType(DomainError):
    """Only JPEG, PNG and WebP are accepted."""

    status = 415
    code = "photo.unsupported_type"


def _invalid(reason: str, field: str = "body") -> Invalid:
    return Invalid(
        f"The photo is not usable: {reason}", code="photo.invalid", errors={field: [reason]}
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white (JPEG has no alpha) and drop every piece of metadata.

    Pillow copies ``info`` (EXIF, ICC, XMP, JPEG comments) along with the pixels and writes some
    of it back on save, so the returned image carries none.
    """
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
    else:
        flat = image.convert("RGB")
    flat.info = {}
    return flat


def _decode(data: bytes, limits: PhotoLimits, draft_edge: int) -> Image.Image:
    """Open, check format and pixels from the header, then decode (reduced scale if JPEG)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in _DECODABLE:
                raise _invalid(f"{image.format or 'unknown'} images are not accepted.")
            width, height = image.size
            if width * height > limits.max_pixels:
                raise _invalid(f"{width}×{height} is more than {limits.max_pixels} pixels.")
            if image.format in ("JPEG", "MPO"):
                # Decode straight at a reduced DCT scale when far larger than needed.
                image.draft("RGB", (draft_edge, draft_edge))
            image.load()
        except DomainError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _invalid("Too many pixels (decompression bomb).") from None
        except Exception as exc:  # Pillow raises many types for broken files
            raise _invalid(f"Cannot be decoded as an image ({type(exc).__name__}).") from None
    return image


def process_image(data: bytes, limits: PhotoLimits = PhotoLimits()) -> ProcessedPhoto:
    """Return the stored forms of an uploaded image, or raise ``photo.invalid``."""
    image = _to_rgb(ImageOps.exif_transpose(_decode(data, limits, limits.max_edge)))
    image.thumbnail((limits.max_edge, limits.max_edge), Image.Resampling.LANCZOS, reducing_gap=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=limits.quality)  # no exif=, no icc_profile=: metadata gone
    small = _to_rgb(ImageOps.exif_transpose(_decode(data, limits, limits.thumb_edge)))
    small.thumbnail(
        (limits.thumb_edge, limits.thumb_edge), Image.Resampling.LANCZOS, reducing_gap=3
    )
    thumb = io.BytesIO()
    small.save(thumb, "JPEG", quality=75)
    return ProcessedPhoto(out.getvalue(), thumb.getvalue(), image.width, image.height)


def check_upload(
    data: bytes, content_type: str, claimed_sha256: str | None, limits: PhotoLimits
) -> str:
    """Check what can be checked without decoding; return the lower-case claimed hash."""
    if content_type not in CONTENT_TYPES:
        raise UnsupportedPhotoType(
            f"Content-Type {content_type!r} is not accepted; use image/jpeg, image/png or "
            "image/webp."
        )
    if len(data) > limits.max_bytes:
        raise PhotoTooLarge(f"The photo is over {limits.max_bytes} bytes.")
    claimed = (claimed_sha256 or "").strip().lower()
    if not _SHA256.match(claimed):
        raise _invalid("Send the sha256 of the body as 64 hex digits.", "X-Content-SHA256")
    if not data:
        raise _invalid("The body is empty.")
    if hashlib.sha256(data).hexdigest() != claimed:
        raise _invalid("The body does not match X-Content-SHA256.", "X-Content-SHA256")
    return claimed


@dataclass(frozen=True)
class UploadCheck:
    """What the look-up before decoding found under ``photo_id``.

    ``replay``: the photo already stored with these bytes (answer it, store nothing). Otherwise
    the upload is new and allowed, judged against ``claim``: what a push said of the id (its slot's
    owner and expected bytes), or None when nothing has named it yet.
    """

    photo_id: uuid.UUID
    replay: Photo | None
    uploader_id: int
    claim: tuple | None


def look_up_upload(session: Session, user: User, photo_id: uuid.UUID, sha: str) -> UploadCheck:
    """Judge an upload of ``sha`` under ``photo_id`` before its bytes are decoded.

    Raises if other bytes are stored or expected under the id, or its finding is out of scope.
    """
    existing, slot, inspection = _photo_slot_and_inspection(session, photo_id)
    seen = existing is not None or slot is not None
    if seen and not _may_see(session, user, existing, slot, inspection):
        # Someone else's id (another hospital's, say) answers as GET does: no hash, no size.
        raise _not_found()
    if existing is not None:
        return UploadCheck(photo_id, _same_or_conflict(existing, sha), user.id, _claim(slot))
    require(user, "photos.upload")  # a replay changes nothing; a new photo is a write
    if slot is not None and slot.sha256 != sha:
        raise Conflict("The finding expects other bytes under this id.", code="photo.conflict")
    return UploadCheck(photo_id, None, user.id, _claim(slot))


def _claim(slot: PhotoSlot | None) -> tuple | None:
    """Return what a slot says of its photo: whose it is and which bytes it expects."""
    if slot is None:
        return None
    owner = (slot.finding_id, slot.submission_id, slot.inspection_id, slot.record_id)
    return (*owner, slot.sha256)


@dataclass(frozen=True)
class PreparedPhoto:
    """An upload decoded, re-encoded and in storage: everything of it but its row."""

    sha256: str
    uploaded_bytes: int
    content_type: str
    image_key: str
    thumb_key: str
    width: int
    height: int


def prepare_photo(
    storage: PhotoStorage, data: bytes, content_type: str, sha: str, limits: PhotoLimits
) -> PreparedPhoto:
    """Decode, re-encode and store the files of a checked upload; touch no database.

    Call it outside any transaction: decoding takes long, and on SQLite a writing transaction
    would hold the one write lock meanwhile (other writers would wait, then fail).
    """
    processed = process_image(data, limits)
    return PreparedPhoto(
        sha256=sha,
        uploaded_bytes=len(data),
        content_type=content_type,
        image_key=storage.put(processed.image),
        thumb_key=storage.put(processed.thumb),
        width=processed.width,
        height=processed.height,
    )


def add_photo(
    session: Session, user: User, check: UploadCheck, prepared: PreparedPhoto
) -> tuple[Photo, bool]:
    """Record a prepared upload; return the photo and whether it is new (False: a replay).

    ``check`` is ``look_up_upload``'s verdict, made before decoding in another transaction.
    Meanwhile another request may have stored the id (the insert skips it: answered as a replay)
    or a push named it (its slot differs from the claim judged: judged again). Otherwise the
    verdict stands, and ``user`` is not read again (after the look-up's commit it would reload).
    """
    photo_id = check.photo_id
    if _claim(session.get(PhotoSlot, photo_id)) != check.claim:
        check = look_up_upload(session, user, photo_id, prepared.sha256)
    if check.replay is not None:
        return check.replay, False
    row = {
        "id": photo_id,
        "sha256": prepared.sha256,
        "uploaded_bytes": prepared.uploaded_bytes,
        "content_type": prepared.content_type,
        "image_key": prepared.image_key,
        "thumb_key": prepared.thumb_key,
        "width": prepared.width,
        "height": prepared.height,
        "uploaded_by_id": check.uploader_id,
        "received_at": utcnow(),
    }
    if bulk.insert_new(session, Photo.__table__, ["id"], [row], ["id"]):
        # What was stored, for the answer: a copy outside the session, so nothing is read back
        # after the commit.
        return Photo(**row), True
    # Another request stored the same id first (it waited for it): answer as the replay does.
    existing = session.get(Photo, photo_id)
    if not _may_see(session, user, existing, session.get(PhotoSlot, photo_id)):
        raise _not_found()
    return _same_or_conflict(existing, prepared.sha256), False


def _same_or_conflict(photo: Photo, sha: str) -> Photo:
    if photo.sha256 != sha:
        raise Conflict("A different photo is stored under this id.", code="photo.conflict")
    return photo


def _not_found() -> NotFound:
    return NotFound("No such photo.", code="photo.not_found")


def _may_see(
    session: Session,
    user: User,
    photo: Photo | None,
    slot: PhotoSlot | None,
    inspection: Inspection | None = None,
) -> bool:
    """Return whether the photo (or the slot awaiting it) is ``user``'s to see or to upload.

    Its uploader sees it; beyond them, a finding's photo follows the finding's inspection or any
    task the finding opened (whoever works on a problem sees its "before" photo), evidence follows
    its task, a signature follows its inspection or its log (and the log's inspection), and a
    photo nothing has claimed yet is nobody else's. ``inspection``: the slot's inspection (its
    own or its finding's) if already read.
    """
    if photo is not None and photo.uploaded_by_id == user.id:
        return True
    if slot is None:
        return False
    if slot.inspection_id is not None:
        return may_see_inspection(user, inspection or session.get(Inspection, slot.inspection_id))
    if slot.record_id is not None:
        entry = session.get(RecordEntry, slot.record_id)
        return may_see_record(user, entry) or (
            entry.inspection_id is not None
            and may_see_inspection(user, session.get(Inspection, entry.inspection_id))
        )
    if slot.finding_id is not None:
        if inspection is None:
            inspection = session.scalar(  # one query, not the finding and then its inspection
                select(Inspection)
                .join(Finding, Finding.inspection_id == Inspection.id)
                .where(Finding.id == slot.finding_id)
            )
        return may_see_inspection(user, inspection) or bool(
            visible_tasks(session, user, tasks_of_finding(session, slot.finding_id))
        )
    submission = session.get(TaskSubmission, slot.submission_id)
    task_ids = [submission.task_id]
    if submission.kind == "report":  # a reported problem's photos show on its 举一反三 copies too
        task_ids += copies_of(session, task_ids)
    return bool(visible_tasks(session, user, task_ids))


def photo_for_user(session: Session, user: User, photo_id: uuid.UUID) -> Photo:
    """Return a stored photo the user may see (404 otherwise, as for an unknown id)."""
    photo, slot, inspection = _photo_slot_and_inspection(session, photo_id)
    if photo is None or not _may_see(session, user, photo, slot, inspection):
        raise _not_found()
    return photo


def _photo_slot_and_inspection(
    session: Session, photo_id: uuid.UUID
) -> tuple[Photo | None, PhotoSlot | None, Inspection | None]:
    """Return the photo under an id, the slot expecting it and its inspection, in one query.

    The inspection is a signature slot's own or a finding slot's finding's; ``_may_see`` then
    needs no query for it. Photo and slot may each be missing (a photo nothing names yet; a slot
    whose photo has not arrived), so both are outer-joined to the id itself.
    """
    row = session.execute(_photo_slot_and_inspection_statement(), {"photo_id": photo_id}).one()
    return row[0], row[1], row[2]


@functools.cache
def _photo_slot_and_inspection_statement() -> Select:
    """Return the look-up, built once.

    Every upload and download runs it; building the statement and its cache key was most of its
    Python work (docs/performance.md, eighth pass).
    """
    wanted = select(bindparam("photo_id", type_=Uuid).label("id")).subquery()
    return (
        select(Photo, PhotoSlot, Inspection)
        .select_from(wanted)
        .outerjoin(Photo, Photo.id == wanted.c.id)
        .outerjoin(PhotoSlot, PhotoSlot.photo_id == wanted.c.id)
        .outerjoin(Finding, Finding.id == PhotoSlot.finding_id)
        .outerjoin(
            Inspection,
            Inspection.id == func.coalesce(PhotoSlot.inspection_id, Finding.inspection_id),
        )
    )
