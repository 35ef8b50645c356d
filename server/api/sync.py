"""Sync: the device pushes what it recorded and pulls what changed for its user."""

from flask import current_app, g, request
from flask.views import MethodView
from marshmallow import Schema, fields

from server.api.base import Blueprint, auth_required
from server.errors import DomainError
from server.extensions import db
from server.schemas.checklists import ChecklistSummarySchema
from server.schemas.outbox_file import ImportQuerySchema
from server.schemas.reference import DepartmentSchema, LocationSchema
from server.schemas.sync import PullQuerySchema, PushSchema
from server.schemas.tasks import TaskSchema
from server.services import (
    changes,
    checklists,
    epochs,
    outbox_import,
    photos,
    reference,
    sync,
    tasks,
)

blp = Blueprint("sync", __name__, url_prefix="/sync", description="Device sync")


class BatchTooLarge(DomainError):
    """A push over the record or byte limit; the device splits it and tries again."""

    status = 413
    code = "sync.batch_too_large"


@blp.before_request
def _refuse_oversized_push():
    """Refuse a push over the limit before reading it (an import has the app's own limit)."""
    limit = current_app.config["SYNC_MAX_BYTES"]
    if request.endpoint == "sync.Push" and (request.content_length or 0) > limit:
        raise BatchTooLarge(f"Push at most {limit} bytes at a time.")


class PushResultSchema(Schema):
    """Per-record results, the photos still to upload, and the tasks the push touched."""

    results = fields.List(fields.Dict())
    missing_photos = fields.List(fields.String())
    tasks = fields.List(fields.Dict())


class PullResultSchema(Schema):
    """One page of changes, and the epoch the cursor belongs to."""

    changes = fields.List(fields.Dict())
    cursor = fields.Integer()
    more = fields.Boolean()
    epoch = fields.String(
        allow_none=True,
        metadata={
            "description": "The change log's history; when it differs from the one the device "
            "stored (the server was restored from a backup), pull again from cursor 0."
        },
    )


@blp.route("/push")
class Push(MethodView):
    """Idempotent ingest of inspections, findings and records."""

    decorators = [auth_required]

    @blp.arguments(PushSchema)
    @blp.response(200, PushResultSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, payload):
        """Store what the device recorded; every record gets its own result."""
        count = sum(len(payload[key]) for key in ("inspections", "findings", "records"))
        if count > current_app.config["SYNC_MAX_RECORDS"]:
            raise BatchTooLarge(
                f"Push at most {current_app.config['SYNC_MAX_RECORDS']} records at a time."
            )
        return sync.push(db.session, g.user, payload)  # commits


class ImportReportSchema(Schema):
    """What became of each record and photo of an imported outbox."""

    user = fields.String()
    device_id = fields.String()
    records = fields.List(fields.Dict())
    photos = fields.List(fields.Dict())
    missing_photos = fields.List(fields.String())
    tasks = fields.List(fields.Dict())


@blp.route("/import")
class Import(MethodView):
    """An admin stores a phone's exported outbox as its user (docs/operations.md)."""

    decorators = [auth_required]

    @blp.arguments(ImportQuerySchema, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "description": 'The file the phone exported (docs/sync.md, "Outbox export").',
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        security=[{"bearerAuth": []}],
    )
    @blp.response(200, ImportReportSchema)
    def post(self, query):
        """Store the file's records and photos exactly once; every one gets its own result."""
        exported = outbox_import.read_file(request.get_data(cache=False))
        report = outbox_import.import_outbox(
            db.session,
            current_app.extensions["photo_storage"],
            g.user,
            query["user"],
            exported,
            limits=photos.PhotoLimits.from_config(current_app.config),
            batch=current_app.config["SYNC_MAX_RECORDS"],
        )
        db.session.commit()
        return report.as_dict()


# How each kind of change is rendered for a user: entity ids → data (None: not visible).
def _tasks(session, user, ids) -> dict:
    """Render the tasks the user sees; a task they saw and no longer see is ``LOST_SIGHT``."""
    data = _dump(tasks.visible_tasks(session, user, ids), TaskSchema())
    gone = tasks.lost_sight(session, user, set(ids) - set(data))
    return {**dict.fromkeys(gone, changes.LOST_SIGHT), **data}


RENDERERS = {
    "task": _tasks,
    "checklist": lambda s, u, ids: _dump(
        [v for v in checklists.current_versions(s) if v.checklist_id in ids],
        ChecklistSummarySchema(),
        key="checklist_id",
    ),
    "location": lambda s, u, ids: _dump(reference.locations_by_ids(s, u, ids), LocationSchema()),
    "department": lambda s, u, ids: _dump(
        reference.departments_by_ids(s, u, ids), DepartmentSchema()
    ),
}


def _dump(rows, schema, key="id") -> dict:
    return {str(getattr(row, key)): schema.dump(row) for row in rows}


@blp.route("/pull")
class Pull(MethodView):
    """What changed for this user since a cursor."""

    decorators = [auth_required]

    @blp.arguments(PullQuerySchema, location="query")
    @blp.response(200, PullResultSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """Page through changes in ``seq`` order; start with ``cursor=0``."""
        page = changes.pull(db.session, g.user, query["cursor"], query["limit"], RENDERERS)
        return {
            "changes": page.changes,
            "cursor": page.cursor,
            "more": page.more,
            "epoch": epochs.current_epoch(db.session),
        }
