"""Checklist summaries and the version query."""

from marshmallow import Schema, fields, validate

from server.schemas.common import Bilingual


class ChecklistSummarySchema(Schema):
    """One current checklist version in the list."""

    id = fields.String(attribute="checklist_id", dump_only=True)
    version = fields.Integer(dump_only=True)
    sha256 = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    title = Bilingual("title")


class ChecklistVersionQuerySchema(Schema):
    """``?version=N`` picks an older version."""

    version = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
