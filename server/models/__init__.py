"""All models, imported here so that metadata (and Alembic autogenerate) sees every table."""

from server.models.base import Base
from server.models.checklist import ChecklistVersion
from server.models.org import LOCATION_KINDS, Department, Hospital, Location
from server.models.user import ROLES, ApiToken, User, UserRole, user_hospitals

__all__ = [
    "LOCATION_KINDS",
    "ROLES",
    "ApiToken",
    "Base",
    "ChecklistVersion",
    "Department",
    "Hospital",
    "Location",
    "User",
    "UserRole",
    "user_hospitals",
]
