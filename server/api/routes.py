"""The list of resource blueprints and where they are mounted."""

from flask import Flask

from server.api import auth, checklists, inspections, photos, ping, reference, sync, tasks, users
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
)


def register_blueprints(app: Flask) -> None:
    """Attach every resource blueprint under ``/api/v1``."""
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
