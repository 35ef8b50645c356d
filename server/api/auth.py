"""Log in (one token per device), log out, and who am I."""

from datetime import timedelta

from flask import current_app, g, request
from flask.views import MethodView

from server.api.base import Blueprint, ErrorSchema, auth_required
from server.extensions import db
from server.limits import count_login_attempt
from server.schemas.auth import LoginSchema, TokenSchema, UserSchema
from server.services import auth as auth_service

blp = Blueprint("auth", __name__, description="Authentication")


@blp.route("/auth/login")
class Login(MethodView):
    """Exchange a username and password for a device token."""

    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(
        429,
        schema=ErrorSchema,
        description="Too many attempts for the account or the address",
        headers={"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    )
    def post(self, credentials):
        """Log in; a wrong password and an unknown user get the same 401."""
        count_login_attempt(credentials["username"], request.remote_addr)
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        token, row = auth_service.login(db.session, **credentials, ttl=ttl)
        db.session.commit()
        return {"token": token, "expires_at": row.expires_at, "user": row.user}


@blp.route("/auth/logout")
class Logout(MethodView):
    """End this device's session."""

    decorators = [auth_required]

    @blp.response(204)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self):
        """Revoke the token this request carries."""
        auth_service.revoke(g.token)
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    """The logged-in user."""

    decorators = [auth_required]

    @blp.response(200, UserSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self):
        """Return the user the token belongs to."""
        return g.user
