"""Reference data a device caches: departments and the location tree."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.reference import DepartmentSchema, LocationSchema
from server.services import reference

blp = Blueprint("reference", __name__, description="Departments and locations")


@blp.route("/departments")
class Departments(MethodView):
    """Departments of the caller's hospitals."""

    decorators = [auth_required]

    @blp.response(200, DepartmentSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self):
        """List departments."""
        return reference.list_departments(db.session, g.user)


@blp.route("/locations")
class Locations(MethodView):
    """Locations of the caller's hospitals."""

    decorators = [auth_required]

    @blp.response(200, LocationSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self):
        """List locations (a tree through ``parent_id``)."""
        return reference.list_locations(db.session, g.user)
