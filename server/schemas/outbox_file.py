"""The outbox export a phone writes when it cannot sync (``client/js/export.js``, docs/sync.md).

Only the envelope is checked here: a file that is not such an export is refused whole, naming
what is wrong. Each record's body is checked by the sync ingest and each photo by the photo
pipeline, one by one, so a bad record or photo is reported alone and never sinks the file.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

from server.schemas.common import Text

FORMAT = "wardwalk-unsent/1"
KINDS = ("inspection", "finding", "record")


class ExportedUserSchema(Schema):
    """Who was logged in on the phone when it exported."""

    class Meta:
        """Keep only the name."""

        unknown = EXCLUDE

    id = fields.Integer(allow_none=True, load_default=None)
    username = Text(required=True, validate=validate.Length(1, 80))


class OutboxEntrySchema(Schema):
    """One outbox record: its kind and the body the phone would push."""

    class Meta:
        """The phone's bookkeeping (state, seq, group, …) is not imported."""

        unknown = EXCLUDE

    id = Text(required=True, validate=validate.Length(1, 80))
    kind = Text(required=True, validate=validate.OneOf(KINDS))
    body = fields.Dict(required=True)


class ExportedPhotoSchema(Schema):
    """One photo: the bytes as base64, with the type and hash the phone computed."""

    class Meta:
        """Owner, item, size and capture details stay on the phone."""

        unknown = EXCLUDE

    id = fields.UUID(required=True)
    type = Text(required=True, validate=validate.Length(1, 80))
    sha256 = Text(required=True, validate=validate.Length(1, 80))
    data_base64 = fields.String(required=True)


class OutboxFileSchema(Schema):
    """The whole export: who and which device, the unsent records, the photos."""

    class Meta:
        """Drafts (unfinished inspections) are for people to read, not imported."""

        unknown = EXCLUDE

    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    device_id = Text(required=True, validate=validate.Length(1, 120))
    user = fields.Nested(ExportedUserSchema, allow_none=True, load_default=None)
    app_version = fields.String(allow_none=True, load_default=None)
    exported_at = fields.AwareDateTime(required=True)
    outbox = fields.List(fields.Nested(OutboxEntrySchema), required=True)
    photos = fields.List(fields.Nested(ExportedPhotoSchema), load_default=list)


class ImportQuerySchema(Schema):
    """``POST /sync/import?user=…``: whose outbox the body is."""

    user = Text(required=True, validate=validate.Length(1, 80))
