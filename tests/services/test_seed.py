"""The demo seed: every demo user gets a password hash of their own."""

from __future__ import annotations

from sqlalchemy import select

from server.models import User
from server.services.auth import verify_password
from server.services.seed import seed_demo


def test_demo_users_share_a_password_but_not_a_hash_or_salt(session):
    seed_demo(session, "walk-the-wards")
    session.commit()

    hashes = list(session.scalars(select(User.password_hash)))

    salts = {stored.split("$")[4] for stored in hashes}  # $argon2id$v=…$m=…,t=…,p=…$salt$hash
    assert len(hashes) >= 4
    assert len(set(hashes)) == len(salts) == len(hashes)
    assert all(verify_password(stored, "walk-the-wards") for stored in hashes)
