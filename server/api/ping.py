"""``GET /ping``: the client's online probe; no auth, no database."""

from flask.views import MethodView

from server.api.base import Blueprint
from server.timeutil import isoformat, utcnow

blp = Blueprint("ping", __name__, url_prefix="/ping", description="Liveness and online probe")


@blp.route("")
class Ping(MethodView):
    """The server is reachable."""

    def get(self):
        """Answer ``{"ok": true, "time": now}``."""
        return {"ok": True, "time": isoformat(utcnow())}
