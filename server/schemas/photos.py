"""A stored photo, and the size query."""

from marshmallow import Schema, fields, validate

from server.schemas.common import UTCDateTimeField


class PhotoSchema(Schema):
    """What the server kept of an upload."""

    id = fields.UUID(dump_only=True)
    sha256 = fields.String(dump_only=True)
    width = fields.Integer(dump_only=True)
    height = fields.Integer(dump_only=True)
    received_at = UTCDateTimeField(dump_only=True)


class PhotoQuerySchema(Schema):
    """``?size=thumb`` for the thumbnail."""

    size = fields.String(load_default="full", validate=validate.OneOf(("full", "thumb")))
