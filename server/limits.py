"""Login limits: strict per account, generous per address, counted where every worker sees them.

A hospital's staff reach the server from one NAT address, so a per-address limit alone would lock
a whole ward out after one person's typing mistakes, or be too loose to stop guessing. The strict
limit therefore counts attempts per account (whatever address they come from) and the address
limit is only a brake on one machine spraying many accounts. Every attempt counts, right or
wrong, and is counted before the password is checked: with shared storage that is one atomic
step, so N attempts pass in any window however many workers and hosts answer them.

The counters live in flask-limiter's storage (``RATELIMIT_STORAGE_URI``): process memory for the
embedded default, Redis as soon as more than one process serves (``create_app`` refuses memory
with ``WEB_WORKERS`` > 1).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.errors import StorageError

from server.errors import DomainError, TooManyAttempts
from server.extensions import limiter

_NAMESPACE = "wardwalk-login"


def configure_login_limits(app: Flask) -> None:
    """Check the limit settings at start: unparsable figures or per-worker counters fail loudly."""
    for name in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS"):
        try:
            parse_many(app.config[name])
        except ValueError as exc:
            raise RuntimeError(f"{name}={app.config[name]!r} is not a rate limit: {exc}") from exc
    storage = app.config["RATELIMIT_STORAGE_URI"]
    if app.config["WEB_WORKERS"] > 1 and storage.startswith("memory://"):
        raise RuntimeError(
            f"WEB_WORKERS={app.config['WEB_WORKERS']} with RATELIMIT_STORAGE_URI={storage}: "
            "each worker would count login attempts on its own, multiplying the limit. "
            "Set RATELIMIT_STORAGE_URI to a Redis shared by every worker "
            "(for example redis://127.0.0.1:6379/0)."
        )


def account_key(username: str) -> str:
    """Return the account's counter key: case-folded (``Admin`` and ``admin`` share it), hashed."""
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def address_key(address: str | None) -> str:
    """Return the address's counter key; IPv6 by /64, since one device may own a whole /64."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def count_login_attempt(username: str, address: str | None) -> None:
    """Count one attempt against the account, then the address; raise 429 when either is spent.

    The account is counted first and an attempt refused for its account is not counted against
    the address, so someone hammering one locked account cannot use up the ward's address budget.
    """
    config = current_app.config
    checks = (
        ("account", account_key(username), config["LOGIN_LIMIT_PER_ACCOUNT"]),
        ("address", address_key(address), config["LOGIN_LIMIT_PER_ADDRESS"]),
    )
    try:
        for scope, key, figures in checks:
            for item in parse_many(figures):
                if not limiter.limiter.hit(item, _NAMESPACE, scope, key):
                    raise TooManyAttempts(
                        f"Too many login attempts for this {scope}.",
                        retry_after=_seconds_until_free(item, scope, key),
                    )
    except StorageError as exc:
        current_app.logger.error("login limit storage unreachable: %s", exc)
        raise DomainError(
            "Login limits cannot be counted right now; try again shortly.",
            code="auth.limits_unavailable",
            status=503,
        ) from None


def _seconds_until_free(item: RateLimitItem, scope: str, key: str) -> int:
    """Return the whole seconds until the window lets one more attempt through (at least 1)."""
    reset_at, _remaining = limiter.limiter.get_window_stats(item, _NAMESPACE, scope, key)
    return max(1, math.ceil(reset_at - time.time()))
