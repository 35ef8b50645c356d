"""The in-app inbox: reminders, overdue and escalation notices, coverage gaps."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.notifications import InboxQuerySchema, NotificationSchema
from server.services import notifications

blp = Blueprint("notifications", __name__, url_prefix="/notifications", description="Notifications")


@blp.route("")
class Inbox(MethodView):
    """The caller's notifications."""

    decorators = [auth_required]

    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """List notifications, newest first."""
        return notifications.inbox(db.session, g.user, unread_only=query["unread"])


@blp.route("/read")
class ReadAll(MethodView):
    """Mark everything read."""

    decorators = [auth_required]

    @blp.response(204)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self):
        """Mark all of the caller's notifications read."""
        notifications.mark_read(db.session, g.user)
        db.session.commit()


@blp.route("/<id:notification_id>/read")
class Read(MethodView):
    """Mark one read."""

    decorators = [auth_required]

    @blp.response(204)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, notification_id):
        """Mark one notification read."""
        notifications.mark_read(db.session, g.user, notification_id)
        db.session.commit()
