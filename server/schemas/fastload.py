"""Load valid input of a marshmallow schema fast, and let marshmallow answer everything else.

A push loads up to 500 records with the same three schemas. Measured on this machine, a
``FindingIn().load`` costs ~200–300 µs — more than storing the record — most of it marshmallow's
per-field machinery, not the checks themselves. ``FastLoader(schema)`` reads the schema's fields
once and builds plain checks for the field types the record schemas use. A record that passes
them is returned exactly as ``schema.load`` would return it (a hypothesis test holds the two
together); anything else — a missing or unknown key, a wrong type, a failing validator — is
loaded by ``schema.load`` itself, so the errors a device sees are marshmallow's, word for word.

The schema stays the one definition of a record: the fast path is derived from it. Fields of the
project's own types (``Text``, ``JSONValue``) run their own conversion; a nesting it does not
know makes ``FastLoader`` refuse the schema rather than guess.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing


class _Slow(Exception):
    """The fast path cannot vouch for this input: ask marshmallow."""


_MISSING = object()
Check = Callable[[Any], Any]


def _with_validators(field: fields.Field, convert: Check) -> Check:
    validators = list(field.validators)
    allow_none = field.allow_none

    def check(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise _Slow
        result = convert(value)
        try:
            for validate in validators:
                if validate(result) is False:
                    raise _Slow
        except ValidationError as exc:
            raise _Slow from exc
        return result

    return check


def _uuid(value: Any) -> uuid.UUID:
    if type(value) is not str:
        raise _Slow
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise _Slow from exc


def _string(value: Any) -> str:
    if type(value) is not str:
        raise _Slow
    return value


def _strict_integer(value: Any) -> int:
    if type(value) is not int:
        raise _Slow
    return value


def _aware_datetime(value: Any) -> datetime:
    if type(value) is not str:
        raise _Slow
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Slow from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Slow
    return moment


def _raw(value: Any) -> Any:
    return value


def _plain_dict(value: Any) -> dict:
    if type(value) is not dict or any(type(key) is not str for key in value):
        raise _Slow
    return dict(value)


def _compile_field(field: fields.Field) -> Check:
    """Return the fast check of one field, or raise TypeError for a field it cannot vouch for."""
    if isinstance(field, fields.AwareDateTime):
        if field.format not in (None, "iso", "iso8601") or field.default_timezone is not None:
            raise TypeError(f"unsupported AwareDateTime options on {field!r}")
        convert: Check = _aware_datetime
    elif type(field) is fields.UUID:
        convert = _uuid
    elif type(field) is fields.String:
        convert = _string
    elif type(field) is fields.Integer and field.strict:
        convert = _strict_integer
    elif type(field) is fields.Raw:
        convert = _raw
    elif type(field) is fields.Dict and type(field.key_field) is fields.String:
        if field.value_field is not None or field.key_field.validators:
            raise TypeError(f"unsupported Dict options on {field!r}")
        convert = _plain_dict
    elif type(field) is fields.List and isinstance(field.inner, fields.Nested):
        inner = FastLoader(field.inner.schema)

        def convert(value: Any) -> list:
            if type(value) is not list:
                raise _Slow
            return [inner.fast(item) for item in value]

    elif type(field) in (fields.Nested, fields.Pluck, fields.Method, fields.Function):
        raise TypeError(f"FastLoader does not know {type(field).__name__} ({field!r})")
    else:  # a project field (Text, JSONValue): its own conversion is the definition

        def convert(value: Any) -> Any:
            try:
                return field._deserialize(value, None, None)
            except ValidationError as exc:
                raise _Slow from exc

    return _with_validators(field, convert)


class FastLoader:
    """``load(data)`` returns what ``schema.load(data)`` returns, fast when the data is valid."""

    def __init__(self, schema: Schema) -> None:
        if schema.unknown != RAISE or schema._hooks and any(schema._hooks.values()):
            raise TypeError("FastLoader supports schemas without hooks that refuse unknown keys")
        self.schema = schema
        self._fields: list[tuple[str, str, Check, bool, Any]] = []
        for name, field in schema.load_fields.items():
            key = field.data_key or name
            default = field.load_default
            required = field.required
            self._fields.append((name, key, _compile_field(field), required, default))
        self._keys = frozenset(key for _, key, _, _, _ in self._fields)

    def fast(self, data: Any) -> dict:
        """Return the loaded data, or raise ``_Slow`` where marshmallow must decide."""
        if type(data) is not dict or not self._keys.issuperset(data):
            raise _Slow
        loaded = {}
        for name, key, check, required, default in self._fields:
            value = data.get(key, _MISSING)
            if value is _MISSING:
                if required:
                    raise _Slow
                if default is missing:
                    continue
                loaded[name] = default() if callable(default) else default
            else:
                loaded[name] = check(value)
        return loaded

    def load(self, data: Any) -> dict:
        """Load ``data`` as ``schema.load`` does (raising its ``ValidationError``)."""
        try:
            return self.fast(data)
        except _Slow:
            return self.schema.load(data)
