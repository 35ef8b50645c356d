"""Field helpers shared by the resource schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter, Map

# The largest numbers the columns can hold. Ids are ``Integer`` columns, 32-bit on PostgreSQL;
# the change log's ``seq`` (the pull cursor) is a ``BigInteger``, 64-bit like SQLite's integers.
MAX_ID = 2**31 - 1
MAX_SEQ = 2**63 - 1


class BoundedInteger(fields.Integer):
    """The one integer type of requests: an integer within ``[minimum, maximum]``.

    Every integer a client sends ends in a SQL comparison, OFFSET or LIMIT. A number beyond the
    column's range makes PostgreSQL answer "out of range" and SQLite's driver overflow, both a
    500; refused here, it is a 422 naming the field. The defaults fit a row id. JSON numbers are
    ``strict`` (``1.0`` and ``true`` are refused); query strings are text, so pass ``strict=False``.
    """

    def __init__(
        self, *, minimum: int = 1, maximum: int = MAX_ID, strict: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(strict=strict, validate=validate.Range(min=minimum, max=maximum), **kwargs)


def id_field(*, strict: bool = True, **kwargs: Any) -> BoundedInteger:
    """Return a field for a row id: a positive integer the id columns can hold."""
    return BoundedInteger(strict=strict, **kwargs)


class IdConverter(IntegerConverter):
    """``<id:name>`` in a URL: a row id the columns can hold.

    Any other number (0, or 2**31 and beyond) matches no route, so it answers 404 like an id
    that does not exist, instead of reaching the database.
    """

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


class StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` only (marshmallow's Boolean also takes 0, 1, "yes" and more)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


UNSTORABLE = "Contains characters that cannot be stored (NUL or a lone surrogate)."


def storable(text: str) -> bool:
    """Return whether the database can store ``text``: no NUL and no lone surrogate."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Text(fields.String):
    """A string the database can store: no NUL characters and no lone surrogates.

    JSON may carry both as escapes; PostgreSQL refuses NUL in text and neither driver can encode
    a lone surrogate, so without this they would end as a 500.
    """

    default_error_messages = {"unstorable": UNSTORABLE}

    def __init__(self, **kwargs: Any) -> None:
        # Documented, so that clients (and fuzzers) know a NUL is refused; JSON Schema cannot
        # name a lone surrogate, which a JSON document can carry only as an escape.
        kwargs["metadata"] = {"pattern": "^[^\\u0000]*$", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not storable(text):
            raise self.make_error("unstorable")
        return text


class JSONValue(fields.Raw):
    """Any JSON value whose strings (keys too) the database can store, ``max_text`` chars in all.

    Answers and record forms carry free JSON; without this a NUL or a lone surrogate anywhere in
    it ends as a 500, and an answer of megabytes is stored whole.
    """

    default_error_messages = {
        "unstorable": UNSTORABLE,
        "too_long": "Longer than {max_text} characters of text.",
        "not_object": "Not a valid mapping type.",
    }

    def __init__(self, *, max_text: int = 5000, object_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_text = max_text
        self.object_only = object_only

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if self.object_only and not isinstance(value, dict):
            raise self.make_error("not_object")
        budget = self.max_text
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                budget -= len(item)
                if not storable(item):
                    raise self.make_error("unstorable")
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
            if budget < 0:
                raise self.make_error("too_long", max_text=self.max_text)
        return value


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


def _describe(path: list[Any], raw: Any, labels: dict[str, str], ident: str) -> str:
    """Turn a marshmallow error path into ``section 'x' › item 'y' › field`` using the raw data.

    A list named in ``labels`` is stepped into by its element's ``ident`` (or its position).
    """
    parts: list[str] = []
    node = raw
    i = 0
    while i < len(path):
        key = path[i]
        nxt = path[i + 1] if i + 1 < len(path) else None
        child = node.get(key) if isinstance(node, dict) else None
        if key in labels and isinstance(nxt, int) and isinstance(child, list):
            element = child[nxt] if nxt < len(child) else None
            name = element.get(ident) if isinstance(element, dict) else None
            parts.append(f"{labels[key]} '{name}'" if name else f"{labels[key]} #{nxt + 1}")
            node = element
            i += 2
            continue
        parts.append(str(key))
        node = child
        i += 1
    return " › ".join(parts)


def error_lines(messages: Any, raw: Any, labels: dict[str, str], ident: str) -> list[str]:
    """Flatten marshmallow's nested messages about a file into one readable line per problem."""
    out: list[str] = []

    def visit(messages: Any, path: list[Any]) -> None:
        if isinstance(messages, dict):
            for key, value in messages.items():
                visit(value, path if key == "_schema" else [*path, key])
        elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            where = _describe(path, raw, labels, ident) or "(file)"
            out.extend(f"{where}: {message}" for message in messages)
        elif isinstance(messages, list):
            for message in messages:
                visit(message, path)
        else:
            out.append(f"{_describe(path, raw, labels, ident) or '(file)'}: {messages}")

    visit(messages, [])
    return out
