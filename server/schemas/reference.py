"""Departments and locations: the reference data a device caches."""

from marshmallow import Schema, fields

from server.schemas.common import Bilingual, id_field


class DepartmentSchema(Schema):
    """A department of a hospital."""

    id = fields.Integer(dump_only=True)
    hospital_id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = Bilingual("name")


class LocationSchema(Schema):
    """A node of a hospital's location tree."""

    id = fields.Integer(dump_only=True)
    hospital_id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = Bilingual("name")
    parent_id = fields.Integer(dump_only=True, allow_none=True)
    department_id = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.String(dump_only=True)
    # What the place is for (server/domain/uses.py); null: unknown, every item applies.
    use = fields.String(dump_only=True, allow_none=True)


class LabelQuerySchema(Schema):
    """Which labels to print: one location and everything inside it, or every location."""

    root = id_field(strict=False)
