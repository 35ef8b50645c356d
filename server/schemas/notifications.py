"""The in-app inbox."""

from marshmallow import Schema, fields, validate

from server.schemas.common import UTCDateTimeField, id_field


class NotificationSchema(Schema):
    """A notification; the client words it from ``code`` and ``params``."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    params = fields.Dict(dump_only=True)
    task_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = UTCDateTimeField(dump_only=True)
    read_at = UTCDateTimeField(dump_only=True, allow_none=True)


class InboxQuerySchema(Schema):
    """``?unread=true`` lists only unread notifications."""

    unread = fields.Boolean(load_default=False)


class MarkReadSchema(Schema):
    """Which notifications to mark read: ``ids`` (the caller's; others are ignored), or all."""

    ids = fields.List(
        id_field(),
        validate=validate.Length(max=500),
        load_default=None,
    )
