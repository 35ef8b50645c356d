"""Reference data a device caches: departments and the location tree."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required, printable_page
from server.extensions import db
from server.schemas.reference import DepartmentSchema, LabelQuerySchema, LocationSchema
from server.services import labels, reference

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


@blp.route("/locations/labels.html")
class LocationLabels(MethodView):
    """Printable QR labels of the locations."""

    decorators = [auth_required]

    @blp.arguments(LabelQuerySchema, location="query")
    @blp.response(200, content_type="text/html", description="Printable A4 sheet")
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """Render a label (QR code, code, names) for each location under ``root`` (or all)."""
        return printable_page(labels.location_labels(db.session, g.user, query.get("root")))
