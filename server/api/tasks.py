"""Rectification tasks: the problem list, its workflow and its history."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.tasks import (
    ExternalProblemSchema,
    SubmissionSchema,
    TaskDetailSchema,
    TaskEventSchema,
    TaskPatchSchema,
    TaskQuerySchema,
    TaskSchema,
    VerificationSchema,
)
from server.services import external_problems
from server.services import task_workflow as workflow

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Rectification tasks")


@blp.route("")
class TaskList(MethodView):
    """Tasks the caller may see."""

    decorators = [auth_required]

    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskSchema(many=True), headers={"X-Total-Count": {"schema": {}}})
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """List tasks, soonest deadline first; the total is in ``X-Total-Count``."""
        rows, total = workflow.list_tasks(db.session, g.user, **query)
        return rows, 200, {"X-Total-Count": str(total)}

    @blp.arguments(ExternalProblemSchema)
    @blp.response(201, TaskDetailSchema)
    @blp.alt_response(200, schema=TaskDetailSchema, description="A replay of the same id")
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, report):
        """Enter a problem from outside the walk; 201, or 200 for a replay (idempotent by ``id``).

        ``apply_to`` (举一反三) copies it to other places: each copy is a task of its own.
        """
        task, created = external_problems.report_external(db.session, g.user, report)
        db.session.commit()
        return task, 201 if created else 200


@blp.route("/<id:task_id>")
class TaskDetail(MethodView):
    """One task; its ETag is its version."""

    decorators = [auth_required]

    @blp.etag
    @blp.response(200, TaskDetailSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, task_id):
        """Return the task."""
        task = workflow.get_task(db.session, g.user, task_id)
        blp.set_etag(task.version)
        return task

    @blp.etag
    @blp.arguments(TaskPatchSchema)
    @blp.response(200, TaskDetailSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def patch(self, changes, task_id):
        """Move, reschedule, cancel or name the assignee; needs ``If-Match: <version>``.

        Supervisors change anything; the head of the task's department names its assignee.
        """
        task = workflow.get_task(db.session, g.user, task_id, for_update=True)
        blp.check_etag(task.version)
        workflow.update_task(db.session, g.user, task, changes)
        db.session.commit()
        blp.set_etag(task.version)
        return task


@blp.route("/<id:task_id>/evidence")
class Evidence(MethodView):
    """The responsible department reports the fix."""

    decorators = [auth_required]

    @blp.arguments(SubmissionSchema)
    @blp.response(200, TaskDetailSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, submission, task_id):
        """Submit evidence (idempotent by ``id``); the task becomes ``submitted``."""
        task = workflow.get_task(db.session, g.user, task_id, for_update=True)
        workflow.submit_evidence(
            db.session, g.user, task, submission["id"], submission["note"], submission["photo_ids"]
        )
        db.session.commit()
        return task


@blp.route("/<id:task_id>/verify")
class Verify(MethodView):
    """A supervisor or inspector checks the fix."""

    decorators = [auth_required]

    @blp.arguments(VerificationSchema)
    @blp.response(200, TaskDetailSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, verification, task_id):
        """Verify (idempotent by ``id``): pass closes the task, fail returns it."""
        task = workflow.get_task(db.session, g.user, task_id, for_update=True)
        workflow.verify(
            db.session,
            g.user,
            task,
            verification["id"],
            verification["result"],
            verification["note"],
            verification["photo_ids"],
        )
        db.session.commit()
        return task


@blp.route("/<id:task_id>/events")
class Events(MethodView):
    """The append-only history of a task."""

    decorators = [auth_required]

    @blp.response(200, TaskEventSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, task_id):
        """Return every change of the task, oldest first."""
        return workflow.events(db.session, g.user, task_id)
