"""The in-app inbox."""

from marshmallow import Schema, fields

from server.schemas.common import UTCDateTimeField


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
