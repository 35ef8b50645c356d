"""The rectification task as clients see it."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from server.domain.photos import marked_first
from server.models import TASK_SOURCES, TASK_STATUSES
from server.schemas.checklist_definition import SEVERITIES
from server.schemas.common import (
    MAX_ID,
    Bilingual,
    BoundedInteger,
    Text,
    UTCDateTimeField,
    id_field,
)
from server.services.external_problems import SAME_USE
from server.services.task_workflow import TASK_SORTS
from server.timeutil import utcnow


class TaskSchema(Schema):
    """A task per the contract; ``overdue`` is derived, never stored."""

    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    title = Bilingual("title")
    item_id = fields.String(dump_only=True)
    checklist_id = fields.String(dump_only=True)
    hospital_id = fields.Integer(dump_only=True)
    location_id = fields.Integer(dump_only=True)
    location_name = fields.Function(
        lambda task: {"zh-CN": task.location.name_zh, "en": task.location.name_en},
        dump_only=True,
    )
    department_id = fields.Integer(dump_only=True, allow_none=True)
    # The responsible department (责任科室) by name, so no screen has to look it up.
    department_name = fields.Function(
        lambda task: (
            {"zh-CN": task.department.name_zh, "en": task.department.name_en}
            if task.department
            else None
        ),
        dump_only=True,
    )
    assignee_id = fields.Integer(dump_only=True, allow_none=True)
    # Of a submitted task: who sent the evidence or re-check it waits on (they may not verify it).
    submitted_by_id = fields.Integer(dump_only=True, allow_none=True)
    severity = fields.String(dump_only=True)
    # Where the task came from: ``finding`` (a failed answer), ``record`` (a record broke a rule),
    # ``external`` (reported from outside the walk).
    source = fields.String(dump_only=True)
    # Of a problem from outside the walk: what was reported and under which reference; a
    # 举一反三 copy names the task it was copied from (``origin_id``).
    description = fields.String(dump_only=True, allow_none=True)
    source_ref = fields.String(dump_only=True, allow_none=True)
    origin_id = fields.Integer(dump_only=True, allow_none=True)
    points = fields.Float(dump_only=True)
    due_at = UTCDateTimeField(dump_only=True)
    overdue = fields.Method("_overdue", dump_only=True)
    occurrences = fields.Integer(dump_only=True)
    finding_ids = fields.List(fields.UUID(), dump_only=True)
    created_at = UTCDateTimeField(dump_only=True)
    closed_at = UTCDateTimeField(dump_only=True, allow_none=True)

    def _overdue(self, task) -> bool:
        return task.status not in ("closed", "cancelled") and task.due_at < utcnow()


class FailureSchema(Schema):
    """One failure behind a task: a failing answer or a record that broke its rules."""

    kind = fields.String(dump_only=True)
    id = fields.UUID(dump_only=True)
    inspection_id = fields.UUID(dump_only=True, allow_none=True)
    recorded_at = UTCDateTimeField(dump_only=True)
    value = fields.Raw(dump_only=True)
    note = fields.String(dump_only=True)
    failed_rules = fields.List(fields.Raw(), dump_only=True)
    photo_ids = fields.List(fields.UUID(), dump_only=True)
    # {marked-up copy: the original it was drawn on}; photo_ids lists each copy before its original.
    photo_originals = fields.Dict(fields.String(), fields.UUID(), dump_only=True)


class SubmissionOutSchema(Schema):
    """Evidence, a re-check or a verification as stored, with who sent it."""

    id = fields.UUID(dump_only=True)
    kind = fields.String(dump_only=True)
    result = fields.String(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)
    photo_ids = fields.List(fields.UUID(), dump_only=True)
    finding_id = fields.UUID(dump_only=True, allow_none=True)
    actor_id = fields.Integer(dump_only=True)
    actor_name = fields.Function(lambda submission: submission.actor.display_name)
    created_at = UTCDateTimeField(dump_only=True)


class TaskDetailSchema(TaskSchema):
    """One task whole, for the screen where it is worked on: what failed, what was sent back."""

    assignee_name = fields.Function(
        lambda task: task.assignee.display_name if task.assignee else None
    )
    failures = fields.Method("_failures", dump_only=True)
    submissions = fields.List(fields.Nested(SubmissionOutSchema), dump_only=True)
    # The 举一反三 copies of a problem from outside the walk.
    copy_ids = fields.Method("_copy_ids", dump_only=True)

    def _copy_ids(self, task) -> list[int]:
        return [copy.id for copy in task.copies]

    def _failures(self, task) -> list[dict]:
        findings = [
            {
                "kind": "finding",
                "id": finding.id,
                "inspection_id": finding.inspection_id,
                "recorded_at": finding.recorded_at,
                "value": finding.value,
                "note": finding.note,
                "failed_rules": [],
                "photo_ids": [slot.photo_id for slot in marked_first(finding.photo_slots)],
                "photo_originals": {
                    str(slot.photo_id): slot.original_id
                    for slot in finding.photo_slots
                    if slot.original_id is not None
                },
            }
            for finding in task.findings
            if finding.verdict == "fail"
        ]
        records = [
            {
                "kind": "record",
                "id": record.id,
                "inspection_id": record.inspection_id,
                "recorded_at": record.recorded_at,
                "value": record.fields,
                "note": "",
                "failed_rules": record.failed_rules,
                "photo_ids": [],
                "photo_originals": {},
            }
            for record in task.records
        ]
        failures = sorted(findings + records, key=lambda failure: failure["recorded_at"])
        return FailureSchema(many=True).dump(failures)


def _choices(values: tuple[str, ...]) -> DelimitedList:
    """Return a field for a comma-separated list of known values (``status=open,closed``)."""
    # The values on the item field, so the OpenAPI document lists them (the error names the
    # parameter and the position of the unknown value).
    return DelimitedList(fields.String(validate=validate.OneOf(values)))


class TaskQuerySchema(Schema):
    """Search, filters, order and paging for the task list; an unknown value is a 422."""

    q = Text(
        validate=validate.Length(max=100),
        metadata={
            "description": "Words in the title (zh-CN or en), the place's or the responsible "
            "department's name, or the task id"
        },
    )
    status = _choices(TASK_STATUSES)
    severity = _choices(SEVERITIES)
    source = _choices(TASK_SOURCES)
    department_id = id_field(strict=False)
    location_id = id_field(strict=False)
    assignee_id = id_field(strict=False)
    overdue = fields.Boolean()
    sort = fields.String(
        load_default="due_at",
        validate=validate.OneOf(TASK_SORTS),
        metadata={"description": "``-`` first: newest/latest first; severity: most severe first"},
    )
    page = BoundedInteger(strict=False, load_default=1)
    per_page = BoundedInteger(maximum=200, strict=False, load_default=50)


class TaskPatchSchema(Schema):
    """A change: move, assignee, deadline or cancellation; all but the assignee need a reason."""

    department_id = id_field()
    assignee_id = id_field(allow_none=True)
    due_at = fields.AwareDateTime()
    reason = Text(validate=validate.Length(1, 2000))
    status = fields.String(validate=validate.OneOf(("cancelled",)))

    @validates_schema
    def _reason_where_needed(self, data: dict, **_kwargs) -> None:
        if not {"department_id", "assignee_id", "due_at", "status"} & set(data):
            raise ValidationError(
                "Change at least one of department_id, assignee_id, due_at, status."
            )
        if {"department_id", "due_at", "status"} & set(data) and not data.get("reason"):
            raise ValidationError(
                {"reason": ["Give a reason for a move, a new deadline or a cancellation."]}
            )


class SubmissionSchema(Schema):
    """Evidence or a verification, idempotent by its client ``id``."""

    id = fields.UUID(required=True)
    note = Text(load_default="", validate=validate.Length(max=5000))
    photo_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=10))


class VerificationSchema(SubmissionSchema):
    """A verification: whether the fix held."""

    result = fields.String(required=True, validate=validate.OneOf(("pass", "fail")))


class ApplyTo(fields.Field):
    """举一反三: ``"same_use"`` (every other place of the same use) or a list of location ids."""

    default_error_messages = {
        "invalid": 'Give "same_use" or a list of up to 500 location ids.',
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if value == SAME_USE:
            return value
        if not isinstance(value, list) or not 1 <= len(value) <= 500:
            raise self.make_error("invalid")
        return sorted(set(self._ids.deserialize(value, attr, data, **kwargs)))

    @property
    def _ids(self) -> fields.List:
        return fields.List(id_field())


class ExternalProblemSchema(Schema):
    """A problem from outside the walk (a city notice, a third-party or unannounced visit)."""

    id = fields.UUID(required=True)
    location_id = id_field(required=True)
    description = Text(required=True, validate=validate.Length(1, 2000))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    source = fields.String(required=True, validate=validate.OneOf(("external",)))
    source_ref = Text(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "The notice's reference number, e.g. 市创文办通报〔2026〕12号"},
    )
    photo_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=10))
    apply_to = ApplyTo(
        load_default=None,
        metadata={
            "description": '举一反三: "same_use" or a list of location ids of the same hospital',
            "oneOf": [
                {"type": "string", "enum": [SAME_USE]},
                {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    "minItems": 1,
                    "maxItems": 500,
                },
            ],
        },
    )


class TaskEventSchema(Schema):
    """One entry of a task's history."""

    id = fields.Integer(dump_only=True)
    action = fields.String(dump_only=True)
    actor_id = fields.Integer(dump_only=True, allow_none=True)
    before = fields.Dict(dump_only=True)
    after = fields.Dict(dump_only=True)
    note = fields.String(dump_only=True)
    actor_name = fields.Function(lambda event: event.actor.display_name if event.actor else None)
    created_at = UTCDateTimeField(dump_only=True)
