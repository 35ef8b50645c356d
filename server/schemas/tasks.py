"""The rectification task as clients see it."""

from marshmallow import Schema, fields

from server.schemas.common import Bilingual, UTCDateTimeField
from server.timeutil import utcnow


class TaskSchema(Schema):
    """A task per the contract; ``overdue`` is derived, never stored."""

    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    title = Bilingual("title")
    item_id = fields.String(dump_only=True)
    checklist_id = fields.String(dump_only=True)
    location_id = fields.Integer(dump_only=True)
    department_id = fields.Integer(dump_only=True, allow_none=True)
    assignee_id = fields.Integer(dump_only=True, allow_none=True)
    severity = fields.String(dump_only=True)
    points = fields.Float(dump_only=True)
    due_at = UTCDateTimeField(dump_only=True)
    overdue = fields.Method("_overdue", dump_only=True)
    occurrences = fields.Integer(dump_only=True)
    finding_ids = fields.List(fields.UUID(), dump_only=True)
    created_at = UTCDateTimeField(dump_only=True)
    closed_at = UTCDateTimeField(dump_only=True, allow_none=True)

    def _overdue(self, task) -> bool:
        return task.status not in ("closed", "cancelled") and task.due_at < utcnow()
