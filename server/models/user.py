"""People and their device tokens: who may act, in which role, for which hospitals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base
from server.models.org import Department, Hospital
from server.timeutil import utcnow

# ``leader``: hospital leadership (院领导) and the health commission's read-only view.
# ``recorder``: a ward nurse, porter or sewage-station operator who keeps their place's logs.
ROLES = ("admin", "supervisor", "inspector", "department_head", "leader", "recorder")

# A health-commission supervisor sees several hospitals, so scope is many-to-many.
user_hospitals = Table(
    "user_hospitals",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("hospital_id", ForeignKey("hospitals.id", ondelete="CASCADE"), primary_key=True),
)


class UserRole(Base):
    """One role held by a user; a person can be both inspector and department head."""

    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'supervisor', 'inspector', 'department_head', 'leader', 'recorder')",
            name="role_known",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(Base):
    """A person who logs in: inspector, supervisor, department head or administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    hospitals: Mapped[list[Hospital]] = relationship(secondary=user_hospitals, lazy="selectin")
    department: Mapped[Department | None] = relationship()

    @property
    def roles(self) -> list[str]:
        """Return the user's role names, sorted."""
        return sorted(row.role for row in self.role_rows)

    @property
    def hospital_ids(self) -> list[int]:
        """Return the ids of the hospitals the user may see, sorted."""
        return sorted(h.id for h in self.hospitals)

    def has_role(self, *roles: str) -> bool:
        """Return whether the user holds any of ``roles``."""
        return any(row.role in roles for row in self.role_rows)


class ApiToken(Base):
    """A bearer token for one device; only its sha256 is stored: a leaked table logs nobody in."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
