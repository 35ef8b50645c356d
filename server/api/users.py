"""Users of the caller's hospitals: listed for assignment, created by administrators."""

from flask import g
from flask.views import MethodView

from server.api.base import Blueprint, auth_required
from server.extensions import db
from server.schemas.auth import UserCreateSchema, UserPatchSchema, UserQuerySchema, UserSchema
from server.services import users

blp = Blueprint("users", __name__, url_prefix="/users", description="Users")


@blp.route("")
class UserList(MethodView):
    """Users who share a hospital with the caller."""

    decorators = [auth_required]

    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query):
        """List users (supervisors and administrators), optionally by role or department."""
        return users.list_users(db.session, g.user, **query)

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, data):
        """Create a user (administrators, within their hospitals)."""
        user = users.create_user(db.session, g.user, **data)
        db.session.commit()
        return user


@blp.route("/<id:user_id>")
class UserDetail(MethodView):
    """One user."""

    decorators = [auth_required]

    @blp.response(200, UserSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, user_id):
        """Return a user in the caller's scope (404 otherwise)."""
        return users.get_user(db.session, g.user, user_id)

    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def patch(self, changes, user_id):
        """Change a user (administrators): name, roles, department, a new password, or access."""
        user = users.update_user(db.session, g.user, user_id, changes)
        db.session.commit()
        return user
