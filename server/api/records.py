"""Logs kept at places: what an inspector reads on a visit, what a recorder kept."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.records import RecordListQuerySchema, RecordSchema
from server.services import records

blp = Blueprint("records", __name__, url_prefix="/records", description="Logs (record forms)")


@blp.route("")
class RecordList(MethodView):
    """The newest logs the caller may see."""

    decorators = [auth_required]

    @blp.arguments(RecordListQuerySchema, location="query")
    @blp.response(200, RecordSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """List logs, newest first (of one place, form or period if asked)."""
        return records.list_records(db.session, g.user, **query)
