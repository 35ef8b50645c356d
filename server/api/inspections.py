"""Stored inspections with their findings and photo completeness."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.inspections import InspectionListQuerySchema, InspectionSchema
from server.services import inspections

blp = Blueprint("inspections", __name__, url_prefix="/inspections", description="Inspections")


@blp.route("")
class InspectionList(MethodView):
    """The newest inspections the caller may see."""

    decorators = [auth_required]

    @blp.arguments(InspectionListQuerySchema, location="query")
    @blp.response(200, InspectionSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """List inspections, newest first."""
        return inspections.list_inspections(db.session, g.user, **query)


@blp.route("/<uuid:inspection_id>")
class InspectionDetail(MethodView):
    """One inspection."""

    decorators = [auth_required]

    @blp.response(200, InspectionSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, inspection_id):
        """Return the inspection, its findings and how many photos have arrived."""
        return inspections.get_inspection(db.session, g.user, inspection_id)
