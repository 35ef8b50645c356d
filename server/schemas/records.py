"""Logs (record-form entries) as stored, with the server's verdict on their rules."""

from marshmallow import Schema, fields, validate

from server.schemas.common import BoundedInteger, UTCDateTimeField, id_field


class RecordSchema(Schema):
    """A stored log entry; ``failed_rules`` names the rules its values broke."""

    id = fields.UUID(dump_only=True)
    inspection_id = fields.UUID(dump_only=True, allow_none=True)
    hospital_id = fields.Integer(dump_only=True)
    location_id = fields.Integer(dump_only=True)
    record_type = fields.String(dump_only=True)
    checklist_id = fields.String(dump_only=True)
    checklist_version = fields.Integer(dump_only=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", dump_only=True)
    verdict = fields.String(dump_only=True)
    failed_rules = fields.List(fields.Raw(), dump_only=True)
    recorded_at = UTCDateTimeField(dump_only=True)
    recorded_by_id = fields.Integer(dump_only=True)
    received_at = UTCDateTimeField(dump_only=True)


class RecordListQuerySchema(Schema):
    """Filters for the log list."""

    location_id = id_field(strict=False)
    record_type = fields.String(validate=validate.Length(min=1, max=60))
    since = fields.AwareDateTime()
    limit = BoundedInteger(maximum=500, strict=False, load_default=50)
