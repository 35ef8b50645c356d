"""What every blueprint shares: the Api with Wardwalk's error shape, raw ETags, and auth."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, g, request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from sqlalchemy.exc import OperationalError
from webargs.flaskparser import FlaskParser

from server.errors import Unauthorized, http_error_response
from server.timeutil import utcnow
from server.write_intent import sqlite_write_intent

log = logging.getLogger(__name__)


class ErrorSchema(ma.Schema):
    """The one error body (documented in OpenAPI)."""

    code = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict()
    retry_after = ma.fields.Integer(metadata={"description": "429: seconds until a retry counts"})


class WardwalkApi(Api):
    """flask-smorest's Api answering HTTP errors in Wardwalk's error shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        """Answer ``error`` with ``{"code", "status", "message", "errors"}``."""
        return http_error_response(error)


class ArgumentsParser(FlaskParser):
    """webargs' parser: unknown query parameters refused, too deep JSON answered as malformed.

    A misspelt filter (``?departmentid=3``) would otherwise be ignored and answer the unfiltered
    list, so a query parameter the operation does not document is a 422 naming it, as an unknown
    JSON field is. ``json.loads`` raises RecursionError (not a decoding error) on a body like
    ``[[[[…]]]]`` thousands deep; without the override it would end as a 500.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "(body)", 0) from None


class Blueprint(SmorestBlueprint):
    """A blueprint whose ETag for a scalar is the scalar itself (a sha256, a version number).

    flask-smorest hashes ETag data by default; the contract promises that a checklist's ETag is
    its sha256 and a task's is its version, so clients can compare them without the server.
    """

    ARGUMENTS_PARSER = ArgumentsParser()

    @staticmethod
    def _generate_etag(etag_data: Any, extra_data: Any = None) -> str:
        if isinstance(etag_data, (str, int)) and not extra_data:
            return str(etag_data)
        return SmorestBlueprint._generate_etag(etag_data, extra_data)


def bearer_token() -> str | None:
    """Return the token of an ``Authorization: Bearer …`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def auth_required(view: Callable) -> Callable:
    """Authenticate the request's bearer token and put the user on ``g.user`` for the view."""
    from server.extensions import db
    from server.services import auth as auth_service

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        if token is None:
            raise Unauthorized("A bearer token is required.", code="auth.required")
        now = utcnow()
        row, user = auth_service.authenticate(db.session, token, now)
        if auth_service.use_is_due(row, now):
            _record_token_use(row.id, now)
        g.token, g.user = row, user
        return view(*args, **kwargs)

    return wrapper


def reads_first(view: Callable) -> Callable:
    """Begin the request's SQLite transactions without the write lock, unless told otherwise.

    For a write request that checks first and writes later in a transaction of its own, inside
    ``sqlite_write_intent()``: a photo upload looks the id up, decodes the image with no
    transaction open, then stores the row. Its look-up (and a replay, which only reads) then
    never queues for the write lock behind a push, nor holds it while reading.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with sqlite_write_intent(writes=False):
            return view(*args, **kwargs)

    return wrapper


def _record_token_use(token_id: int, now: datetime) -> None:
    """Record a token's use in a short write transaction of its own, or not at all this time.

    The lookup's transaction may only read: on SQLite a GET's transaction is deferred, and
    writing in it must upgrade to the write lock, which fails at once ("database is locked")
    when another connection holds it. So the lookup's transaction ends here, and the use is
    written in one that begins with the write lock, queueing behind ``busy_timeout``. The last
    use is bookkeeping: if it cannot be written, the request goes on and a later one records it.
    """
    from server.extensions import db
    from server.services import auth as auth_service

    db.session.commit()  # the lookup changed nothing; this only ends its transaction
    try:
        with sqlite_write_intent():
            auth_service.record_use(db.session, token_id, now)
            db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.warning("could not record the use of token %s; a later request will", token_id)


def printable_page(html: str) -> Response:
    """Answer a server-rendered page for print: private, never cached stale.

    HTML under /api is what ``server.headers`` gives the printable pages' inert policy.
    """
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
