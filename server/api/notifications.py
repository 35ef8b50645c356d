"""The in-app inbox: what the caller must act on (new tasks, deadlines, escalations…)."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.notifications import InboxQuerySchema, MarkReadSchema, NotificationSchema
from server.services import notifications
from server.timeutil import utcnow

blp = Blueprint("notifications", __name__, url_prefix="/notifications", description="Notifications")


@blp.route("")
class Inbox(MethodView):
    """The caller's notifications."""

    decorators = [auth_required]

    @blp.etag
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """List the newest 100 notifications, newest first (ETag: a device asks what changed)."""
        return notifications.inbox(db.session, g.user, unread_only=query["unread"])


@blp.route("/read")
class ReadAll(MethodView):
    """Mark several read."""

    decorators = [auth_required]

    @blp.arguments(MarkReadSchema, required=False)
    @blp.response(204)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body):
        """Mark the notifications of ``ids`` read; without ``ids``, all of the caller's."""
        notifications.mark_read(db.session, g.user, utcnow(), ids=body.get("ids"))
        db.session.commit()


@blp.route("/<id:notification_id>/read")
class Read(MethodView):
    """Mark one read."""

    decorators = [auth_required]

    @blp.response(204)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, notification_id):
        """Mark one notification read."""
        notifications.mark_read(db.session, g.user, utcnow(), notification_id=notification_id)
        db.session.commit()
