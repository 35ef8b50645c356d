"""The list of resource blueprints and where they are mounted."""

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from server.api import (
    auth,
    checklists,
    inspections,
    notifications,
    photos,
    ping,
    records,
    reference,
    reports,
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
    records.blp,
    tasks.blp,
    notifications.blp,
    reports.blp,
)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_CATCH_ALLS = {"api_not_found", "client.static_file"}


def _route_methods(path: str) -> list[str]:
    """Return the methods the real routes at ``path`` answer (the catch-alls answer all)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint not in _CATCH_ALLS:
            allowed.append(method)
    return allowed


def _unknown_api_route(rest: str):
    """Answer 405 if a real route has this path with other methods, else 404."""
    if allowed := _route_methods(request.path):
        raise MethodNotAllowed(valid_methods=[*allowed, "OPTIONS"])
    raise NotFound(f"No API route /api/{rest}.", code="not_found")


def _allow_only_real_methods(response: Response) -> Response:
    """Make ``OPTIONS`` list the methods of the path's routes, not the catch-all's too.

    Flask's automatic answer to ``OPTIONS`` lists every rule matching the path, and the catch-all
    below matches every path under ``/api/`` with every method.
    """
    if (
        request.method == "OPTIONS"
        and request.path.startswith("/api/")
        and "Allow" in response.headers
    ):
        response.headers["Allow"] = ", ".join([*_route_methods(request.path), "OPTIONS"])
    return response


def register_blueprints(app: Flask) -> None:
    """Attach every resource blueprint under ``/api/v1``.

    Any other path under ``/api/`` answers 404 for every method (``OPTIONS`` too); without this
    rule the client's catch-all GET route would match it and answer 405 to a POST.
    """
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    app.add_url_rule(
        "/api/<path:rest>",
        "api_not_found",
        _unknown_api_route,
        methods=[*_METHODS, "OPTIONS"],
        provide_automatic_options=False,
    )
    app.after_request(_allow_only_real_methods)
