"""``GET /ping``: the client's online probe; no auth, no database."""

from flask.views import MethodView
from marshmallow import Schema, fields

from server.api.base import Blueprint
from server.schemas.common import UTCDateTimeField
from server.timeutil import utcnow

blp = Blueprint("ping", __name__, url_prefix="/ping", description="Liveness and online probe")


class PingSchema(Schema):
    """The probe's answer: the server is up, and its clock."""

    ok = fields.Boolean(required=True)
    time = UTCDateTimeField(required=True)


@blp.route("")
class Ping(MethodView):
    """The server is reachable."""

    @blp.response(200, PingSchema)
    def get(self):
        """Answer ``{"ok": true, "time": now}``."""
        return {"ok": True, "time": utcnow()}
