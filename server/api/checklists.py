"""Checklist definitions: the current list, and one version with an ETag of its sha256."""

import re

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.errors import NotFound
from server.extensions import db
from server.schemas.checklist_definition import ID_PATTERN
from server.schemas.checklists import ChecklistSummarySchema, ChecklistVersionQuerySchema
from server.services import checklists as checklist_service
from server.services.permissions import require

blp = Blueprint("checklists", __name__, url_prefix="/checklists", description="Checklists")


@blp.route("")
class ChecklistList(MethodView):
    """The current version of every checklist."""

    decorators = [auth_required]

    @blp.response(200, ChecklistSummarySchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self):
        """List current checklist versions."""
        require(g.user, "checklists.read")
        return checklist_service.current_versions(db.session)


@blp.route("/<string:checklist_id>")
class ChecklistDetail(MethodView):
    """One checklist definition, the newest or ``?version=N``."""

    decorators = [auth_required]

    @blp.etag
    @blp.arguments(ChecklistVersionQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query, checklist_id):
        """Return the definition as JSON; ``If-None-Match`` with its sha256 gives 304."""
        require(g.user, "checklists.read")
        # Ids follow the file format; anything else (a NUL byte breaks PostgreSQL) cannot exist.
        if not re.fullmatch(ID_PATTERN, checklist_id):
            raise NotFound("No such checklist.", code="checklist.not_found")
        row = checklist_service.get_version(db.session, checklist_id, query.get("version"))
        blp.set_etag(row.sha256)
        return {**row.definition, "version": row.version, "sha256": row.sha256}
