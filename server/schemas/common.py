"""Field helpers shared by the resource schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

# Ids are 32-bit integer columns on PostgreSQL; a larger number is refused at the edge, before
# the database answers "out of range" (PostgreSQL) or the driver overflows (SQLite).
MAX_ID = 2**31 - 1


def id_field(*, strict: bool = True, **kwargs: Any) -> fields.Integer:
    """Return an integer field for a row id, within the range the database can hold.

    JSON ids are ``strict`` (``1.0`` and ``true`` are refused); query strings are text, so not.
    """
    return fields.Integer(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class Text(fields.String):
    """A string the database can store: no NUL characters and no lone surrogates.

    JSON may carry both as escapes; PostgreSQL refuses NUL in text and neither driver can encode
    a lone surrogate, so without this they would end as a 500.
    """

    default_error_messages = {"unstorable": "Contains characters that cannot be stored."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("unstorable") from None
        if "\x00" in text:
            raise self.make_error("unstorable")
        return text


class Bilingual(fields.Field):
    """Dump ``<prefix>_zh`` / ``<prefix>_en`` attributes as ``{"zh-CN": …, "en": …}``."""

    def __init__(self, prefix: str, **kwargs: Any) -> None:
        super().__init__(dump_only=True, **kwargs)
        self.prefix = prefix

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> dict:
        """Dump the two attributes as one bilingual mapping."""
        return {"zh-CN": getattr(obj, f"{self.prefix}_zh"), "en": getattr(obj, f"{self.prefix}_en")}


class UTCDateTimeField(fields.DateTime):
    """An ISO 8601 timestamp that the server emits in UTC with a ``Z``."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        from server.timeutil import isoformat

        return isoformat(value)
