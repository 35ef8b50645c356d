"""What every blueprint shares: the Api with Wardwalk's error shape, raw ETags, and auth."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Response, g, request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from server.errors import Unauthorized, http_error_response


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
    """webargs' parser, answering JSON nested too deeply for Python's decoder as malformed.

    ``json.loads`` raises RecursionError (not a decoding error) on a body like ``[[[[…]]]]``
    thousands deep; without this it would end as a 500.
    """

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
        g.token, g.user = auth_service.authenticate(db.session, token)
        return view(*args, **kwargs)

    return wrapper


def printable_page(html: str) -> Response:
    """Answer a server-rendered page for print: private, never cached stale.

    HTML under /api is what ``server.headers`` gives the printable pages' inert policy.
    """
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
