"""Push and pull shapes. The envelope is checked at the edge; each record is checked on its own.

A malformed envelope is a 422 for the whole request. A malformed record is only that record's
``rejected`` result, so one bad record never sinks its batch: the sync service loads every record
with the schemas below and reports their field errors per record.
"""

from marshmallow import Schema, fields, validate

from server.schemas.common import MAX_ID, MAX_SEQ, BoundedInteger, JSONValue, Text, id_field

_text = validate.Length(max=5000)
_sha256 = validate.Regexp(r"^[0-9a-fA-F]{64}$", error="64 hex digits.")


class PushSchema(Schema):
    """``POST /sync/push`` envelope."""

    device_id = Text(required=True, validate=validate.Length(1, 120))
    inspections = fields.List(fields.Raw(), load_default=list)
    findings = fields.List(fields.Raw(), load_default=list)
    records = fields.List(fields.Raw(), load_default=list)


SIGNATURE_ROLES = ("inspector", "department")


class SignatureIn(Schema):
    """A handwritten signature on the same-day feedback: who signed, and the image's slot."""

    role = Text(required=True, validate=validate.OneOf(SIGNATURE_ROLES))
    name = Text(load_default="", validate=validate.Length(max=120))
    photo_id = fields.UUID(required=True)
    sha256 = Text(required=True, validate=_sha256)
    bytes = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_ID))
    signed_at = fields.AwareDateTime(required=True)


class InspectionIn(Schema):
    """One inspection as the device recorded it."""

    id = fields.UUID(required=True)
    checklist_id = Text(required=True, validate=validate.Length(1, 80))
    checklist_version = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    location_id = id_field(required=True)
    kind = Text(
        required=True,
        validate=validate.OneOf(("self", "mutual", "supervision", "unannounced")),
    )
    started_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True, load_default=None)
    note = Text(load_default="", validate=_text)
    # No load_default: an inspection pushed without signatures keeps the content hash it always
    # had, so replays from phones older than signatures stay duplicates, not conflicts.
    signatures = fields.List(fields.Nested(SignatureIn), validate=validate.Length(max=2))


class PhotoRefIn(Schema):
    """A photo a finding expects: its device id, hash and size."""

    id = fields.UUID(required=True)
    sha256 = Text(required=True, validate=_sha256)
    bytes = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_ID))
    # Only on a marked-up copy: the id of the photo (of the same finding) it was drawn on. Absent,
    # not null, on every other photo, so the content hash of findings stored before stays the same.
    original_id = fields.UUID()


class FindingIn(Schema):
    """One answered item."""

    id = fields.UUID(required=True)
    inspection_id = fields.UUID(required=True)
    item_id = Text(required=True, validate=validate.Length(1, 80))
    result = Text(required=True, validate=validate.OneOf(("pass", "fail", "na")))
    value = JSONValue(allow_none=True, load_default=None)
    note = Text(load_default="", validate=_text)
    # Ten photos, each with at most one marked-up copy (the sync service counts the originals).
    photos = fields.List(
        fields.Nested(PhotoRefIn), load_default=list, validate=validate.Length(max=20)
    )
    recorded_at = fields.AwareDateTime(required=True)
    supersedes_id = fields.UUID(allow_none=True, load_default=None)


class RecordIn(Schema):
    """One filled-in record form."""

    id = fields.UUID(required=True)
    inspection_id = fields.UUID(allow_none=True, load_default=None)
    record_type = Text(required=True, validate=validate.Length(1, 60))
    location_id = id_field(required=True)
    fields_ = JSONValue(object_only=True, max_text=20000, data_key="fields", required=True)
    recorded_at = fields.AwareDateTime(required=True)


class PullQuerySchema(Schema):
    """``GET /sync/pull`` query."""

    cursor = BoundedInteger(minimum=0, maximum=MAX_SEQ, strict=False, load_default=0)
    limit = BoundedInteger(maximum=500, strict=False, load_default=200)
