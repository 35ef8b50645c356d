"""Inspections and findings as stored, with how many of their photos have arrived."""

from marshmallow import Schema, fields

from server.schemas.common import BoundedInteger, UTCDateTimeField, id_field


class PhotoStateSchema(Schema):
    """A photo slot: expected, and whether its bytes are here."""

    id = fields.UUID(attribute="photo_id", dump_only=True)
    sha256 = fields.String(dump_only=True)
    bytes = fields.Integer(dump_only=True)
    present = fields.Boolean(dump_only=True)
    # A marked-up copy names the photo it was drawn on; null on every other photo.
    original_id = fields.UUID(dump_only=True, allow_none=True)


class FindingSchema(Schema):
    """A stored finding with the server's verdict."""

    id = fields.UUID(dump_only=True)
    item_id = fields.String(dump_only=True)
    result = fields.String(dump_only=True)
    verdict = fields.String(dump_only=True)
    value = fields.Raw(dump_only=True)
    note = fields.String(dump_only=True)
    severity = fields.String(dump_only=True)
    points = fields.Float(dump_only=True)
    supersedes_id = fields.UUID(dump_only=True, allow_none=True)
    superseded = fields.Boolean(dump_only=True)
    recorded_at = UTCDateTimeField(dump_only=True)
    photos = fields.List(fields.Nested(PhotoStateSchema), dump_only=True)


class SignatureSchema(Schema):
    """A handwritten signature on the same-day feedback; its image is a photo."""

    role = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    signed_at = fields.String(dump_only=True)
    photo = fields.Nested(PhotoStateSchema, dump_only=True)


class InspectionSchema(Schema):
    """An inspection; ``complete`` once every expected photo has arrived."""

    id = fields.UUID(dump_only=True)
    hospital_id = fields.Integer(dump_only=True)
    location_id = fields.Integer(dump_only=True)
    inspector_id = fields.Integer(dump_only=True)
    checklist_id = fields.String(dump_only=True)
    checklist_version = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    started_at = UTCDateTimeField(dump_only=True)
    finished_at = UTCDateTimeField(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)
    received_at = UTCDateTimeField(dump_only=True)
    photos_expected = fields.Integer(dump_only=True)
    photos_present = fields.Integer(dump_only=True)
    complete = fields.Boolean(dump_only=True)
    findings = fields.List(fields.Nested(FindingSchema), dump_only=True)
    signatures = fields.List(fields.Nested(SignatureSchema), dump_only=True)


class InspectionListQuerySchema(Schema):
    """Filters for the inspection list."""

    location_id = id_field(strict=False)
    mine = fields.Boolean(
        load_default=False,
        metadata={"description": "Only the caller's own inspections (我的巡查), whatever the role"},
    )
    limit = BoundedInteger(maximum=200, strict=False, load_default=50)
