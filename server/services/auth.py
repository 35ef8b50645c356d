"""Passwords and device tokens: log in, authenticate a request, log out.

Tokens are random and shown once; only their sha256 is stored. A wrong password and an unknown
user get the same answer, after the same amount of hashing work, so the answer leaks nothing.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session, joinedload

from server.errors import Unauthorized
from server.models import ApiToken, User
from server.timeutil import utcnow

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
# last_used_at is refreshed at most this often, so reading the API does not write on every call.
_TOUCH_EVERY = timedelta(minutes=5)


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def login(
    session: Session,
    username: str,
    password: str,
    *,
    device_name: str = "",
    ttl: timedelta,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Check credentials and issue a token for one device; return the token and its row."""
    user = session.scalars(select(User).where(User.username == username)).first()
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        raise Unauthorized("Wrong username or password.", code="auth.invalid_credentials")
    return issue_token(session, user, device_name=device_name, ttl=ttl, now=now)


def issue_token(
    session: Session,
    user: User,
    *,
    device_name: str = "",
    ttl: timedelta,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Issue a token for one device of ``user``; return the token and its row.

    The caller has checked the credentials, as ``login`` does.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        token_hash=token_digest(token),
        device_name=device_name[:120],
        created_at=now,
        expires_at=now + ttl,
        last_used_at=now,
    )
    session.add(row)
    session.flush()
    return token, row


def authenticate(
    session: Session, token: str, now: datetime | None = None
) -> tuple[ApiToken, User]:
    """Return the token row and user for a bearer token, or raise 401. Only reads.

    One query reads the token, its user, roles and hospitals (every request makes it; by
    relationship they were four round trips).
    """
    now = now or utcnow()
    digest = token_digest(token)
    row = session.scalars(_token_with_user_statement(), {"digest": digest}).unique().first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The token is not valid.", code="auth.invalid_token")
    if row.expires_at <= now:
        raise Unauthorized("The token has expired.", code="auth.token_expired")
    if not row.user.active:
        raise Unauthorized("The account is disabled.", code="auth.invalid_token")
    return row, row.user


@functools.cache
def _token_with_user_statement() -> Select:
    """Return the token look-up, built once.

    Every request runs it; building the statement, its eager loads and its cache key was a third
    of its Python work (docs/performance.md, eighth pass).
    """
    user = joinedload(ApiToken.user)
    return (
        select(ApiToken)
        .where(ApiToken.token_hash == bindparam("digest"))
        .options(user.joinedload(User.role_rows), user.joinedload(User.hospitals))
    )


def use_is_due(token: ApiToken, now: datetime | None = None) -> bool:
    """Return whether the token's last use is old enough to be recorded again."""
    now = now or utcnow()
    return token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY


def record_use(session: Session, token_id: int, now: datetime | None = None) -> None:
    """Record that a token was used at ``now``, unless a use in the last five minutes is.

    One conditional UPDATE: of a device's concurrent requests, the first writes, the rest find
    the use recorded and change nothing.
    """
    now = now or utcnow()
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - _TOUCH_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke(token: ApiToken, now: datetime | None = None) -> None:
    """Stop a token from working (log out)."""
    token.revoked_at = now or utcnow()
