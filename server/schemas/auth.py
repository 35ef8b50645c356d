"""Login request, token answer and the user object."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.models.user import ROLES
from server.schemas.common import StrictBoolean, Text, UTCDateTimeField, id_field


class LoginSchema(Schema):
    """Credentials for ``POST /auth/login``."""

    username = Text(required=True, validate=validate.Length(min=1, max=80))
    password = Text(required=True, load_only=True, validate=validate.Length(1, 256))
    device_name = Text(load_default="", validate=validate.Length(max=120))


class UserSchema(Schema):
    """The user as the client sees it."""

    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    roles = fields.List(fields.String(), dump_only=True)
    hospital_ids = fields.List(fields.Integer(), dump_only=True)
    department_id = fields.Integer(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)


class TokenSchema(Schema):
    """A freshly issued token (shown once) with its expiry and its user."""

    token = fields.String(dump_only=True)
    expires_at = UTCDateTimeField(dump_only=True)
    user = fields.Nested(UserSchema, dump_only=True)


ROLE = fields.String(validate=validate.OneOf(ROLES))


class UserCreateSchema(Schema):
    """A new user, created by an administrator."""

    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_.-]{2,80}\Z", error="2–80 letters, digits, '_', '.', '-'."
        ),
    )
    display_name = Text(required=True, validate=validate.Length(1, 120))
    password = Text(required=True, load_only=True, validate=validate.Length(8, 256))
    roles = fields.List(ROLE, required=True, validate=validate.Length(min=1))
    hospital_ids = fields.List(id_field(), required=True, validate=validate.Length(min=1))
    department_id = id_field(allow_none=True, load_default=None)


class UserQuerySchema(Schema):
    """Filters for the user list."""

    role = ROLE
    department_id = id_field(strict=False)
    include_inactive = fields.Boolean(load_default=False)


class UserPatchSchema(Schema):
    """An administrator's change to a user; a new password or deactivation ends their sessions."""

    display_name = Text(validate=validate.Length(1, 120))
    roles = fields.List(ROLE, validate=validate.Length(min=1))
    department_id = id_field(allow_none=True)
    active = StrictBoolean()
    password = Text(load_only=True, validate=validate.Length(8, 256))

    @validates_schema
    def _changes_something(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ValidationError("Change at least one field.")
