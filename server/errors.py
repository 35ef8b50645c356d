"""Domain errors with stable codes, and the one JSON error shape every failure uses.

Body: ``{"code": "task.stale", "status": 409, "message": "...", "errors": {...}}``. The client
translates ``code``; ``message`` is English for logs. Nothing a client sends may become a 500, so
unexpected exceptions are logged and answered with ``server.error`` without internals.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_BUSY_SQLSTATES = {"40001", "40P01", "55P03"}
BUSY_RETRY_AFTER = 2  # seconds: a lock held past the wait clears in about that


def database_busy(exc: OperationalError) -> bool:
    """Return whether the database refused for other writers, which a later try clears.

    SQLite says "database is locked" once ``busy_timeout`` has passed with the write lock held
    elsewhere (a long import, a backup); PostgreSQL names a conflict or lock wait by SQLSTATE.
    """
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in _BUSY_SQLSTATES or "database is locked" in str(exc.orig)


class DomainError(Exception):
    """A rule was broken; carries the HTTP status and the stable code the client translates."""

    status = 400
    code = "request.invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.errors = errors


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it exists."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but their role or scope does not allow this."""

    status = 403
    code = "auth.forbidden"


class Unauthorized(DomainError):
    """No valid token: log in (again)."""

    status = 401
    code = "auth.required"


class Conflict(DomainError):
    """The request clashes with the stored state."""

    status = 409
    code = "conflict"


class Invalid(DomainError):
    """The input is well-formed but breaks a rule; ``errors`` names the fields."""

    status = 422
    code = "request.invalid"


class TooManyAttempts(DomainError):
    """A limit is spent; ``retry_after`` is the whole seconds until the next attempt is counted.

    The answer carries them twice: as ``Retry-After`` for HTTP clients and as ``retry_after`` in
    the body for the app, which tells the user when to try again.
    """

    status = 429
    code = "auth.too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# Codes for the HTTP errors that werkzeug and flask-smorest raise themselves.
HTTP_CODES = {
    400: "request.malformed",
    401: "auth.required",
    403: "auth.forbidden",
    404: "not_found",
    405: "request.method_not_allowed",
    409: "conflict",
    412: "request.precondition_failed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
    428: "request.precondition_required",
    429: "request.rate_limited",
}


_MESSAGES = {
    "request.malformed": "The request body is not valid JSON.",
    "request.invalid": "Some fields are invalid; see 'errors'.",
    "request.rate_limited": "Too many requests; try again later.",
}


def error_body(status: int, code: str, message: str, errors: dict | None = None) -> dict:
    """Build the error JSON; ``errors`` is left out when there is nothing field-level to say."""
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _field_errors(exc: HTTPException) -> dict | None:
    """Flatten webargs' ``{"json": {...}, "query": {...}}`` messages to field → messages."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat or None


def http_error_response(exc: HTTPException):
    """Answer any werkzeug/flask-smorest HTTP error in the one shape."""
    status = exc.code or 500
    errors = _field_errors(exc)
    code = HTTP_CODES.get(status, "server.error" if status >= 500 else "request.error")
    if status == 400 and errors is None:
        code = "request.malformed"
    # webargs answers an unparsable JSON body with 400 {"json": ["Invalid JSON body."]}
    if status in (400, 422) and errors and list(errors) == ["json"]:
        code = "request.malformed"
        status = 400
    message = (getattr(exc, "data", None) or {}).get("message") or _MESSAGES.get(code)
    message = message or exc.description or exc.name
    response = jsonify(error_body(status, code, str(message), errors))
    response.status_code = status
    for header, value in exc.get_headers() if hasattr(exc, "get_headers") else []:
        if header.lower() not in ("content-type", "content-length"):
            response.headers[header] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Attach the handlers that turn every exception into the JSON error shape."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        body = error_body(exc.status, exc.code, exc.message, exc.errors)
        if isinstance(exc, TooManyAttempts):
            body["retry_after"] = exc.retry_after
        response = jsonify(body)
        response.status_code = exc.status
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return http_error_response(exc)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        log.warning("integrity error answered as 409: %s", exc.orig)
        response = jsonify(error_body(409, "conflict", "The change conflicts with stored data."))
        response.status_code = 409
        return response

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        if not database_busy(exc):
            return _unexpected(exc)
        log.warning("database busy, answered 503: %s", exc.orig)
        response = jsonify(error_body(503, "server.busy", "The database is busy; try again."))
        response.status_code = 503
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        response = jsonify(error_body(500, "server.error", "Internal server error."))
        response.status_code = 500
        return response
