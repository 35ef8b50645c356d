"""The list of resource blueprints and where they are mounted."""

from flask import Flask

from server.api import (
    auth,
    checklists,
    inspections,
    notifications,
    photos,
    ping,
    reference,
    sync,
    tasks,
    users,
)
from server.errors import NotFound
from server.extensions import api

BLUEPRINTS = (
    ping.blp,
    auth.blp,
    users.blp,
    checklists.blp,
    reference.blp,
    sync.blp,
    photos.blp,
    inspections.blp,
    tasks.blp,
    notifications.blp,
)


def _unknown_api_route(rest: str):
    raise NotFound(f"No API route /api/{rest}.", code="not_found")


def register_blueprints(app: Flask) -> None:
    """Attach every resource blueprint under ``/api/v1``.

    Any other path under ``/api/`` answers 404 for every method; without this rule the client's
    catch-all GET route would match it and answer 405 to a POST.
    """
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    app.add_url_rule(
        "/api/<path:rest>", "api_not_found", _unknown_api_route,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    )
