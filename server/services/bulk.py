"""Bulk inserts (one statement per table) and look-ups of many ids (one parameter).

Rows whose keys are taken are skipped. Every writer inserts in key order, so two writers waiting
on each other's keys wait in the same order and cannot deadlock (docs/sync.md, "Lock order").

On PostgreSQL the rows travel as one JSON document, ``INSERT … SELECT … FROM
json_populate_recordset(NULL::table, :rows)``: one parameter whatever the number of rows,
serialised by the json module's C encoder and parsed by the server. A many-row ``VALUES`` list
has a placeholder per value, which psycopg rewrites in Python on every execution (a third of a
push's CPU once), and one array per column (``unnest``), the next try, spent a third of the
inserts' time in psycopg's Python array dumper (docs/performance.md). A JSON ``null`` in a row is
SQL ``NULL`` in the table; the app reads both as None. SQLite takes a many-row ``VALUES`` list
with ``?`` placeholders, handed to the driver as it is, each value converted by its column's
bind processor (looked up once per statement shape).

A look-up of a push's ids (``among``) sends them as one parameter too: an array literal on
PostgreSQL, a JSON array read by ``json_each`` on SQLite. ``column.in_(ids)`` renders a placeholder
per id and converts each in Python on every execution (SQLAlchemy's "post-compile" step: 9% of
a push's CPU once, docs/performance.md).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Row, Table, bindparam, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, TypeDecorator

from server.models.base import NAIVE_REFUSED

# SQLite's limit on the parameters of one statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
SQLITE_MAX_VARIABLES = 32766


def insert_new(
    session: Session,
    table: Table,
    keys: Sequence[str],
    rows: list[dict[str, Any]],
    returning: Sequence[str],
) -> list[Row]:
    """Insert ``rows`` (each with the same columns), skipping those whose ``keys`` are taken.

    Return the ``returning`` columns of the rows inserted now. ``rows`` are sorted in place.
    """
    if not rows:
        return []
    rows.sort(key=lambda row: tuple(_sortable(row[key]) for key in keys))
    return _execute(session, table, keys, returning, rows)


def insert_all(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns) in one statement."""
    if not rows:
        return
    _execute(session, table, (), (), rows)


def _sortable(value: Any) -> Any:
    """Return a UUID as its integer (the same order, compared in C: ``UUID.__lt__`` is Python)."""
    return value.int if isinstance(value, uuid.UUID) else value


def _columns(table: Table, first: dict[str, Any]) -> list[Column]:
    """Return the columns given in the rows plus those with a default made in Python."""
    given = [table.c[name] for name in first]
    defaulted = [
        column
        for column in table.columns
        if column.name not in first and column.default is not None and not column.primary_key
    ]
    return given + defaulted


def _execute(
    session: Session,
    table: Table,
    keys: Sequence[str],
    returning: Sequence[str],
    rows: list[dict[str, Any]],
) -> list[tuple]:
    """Insert ``rows``; ``ON CONFLICT (keys) DO NOTHING`` when ``keys`` are given.

    Return the ``returning`` columns of the inserted rows (none asked: an empty list).
    """
    connection = session.connection()
    dialect = connection.dialect
    columns = _columns(table, rows[0])
    names = tuple(column.name for column in columns)
    if dialect.name == "postgresql":
        return _execute_json(connection, table, columns, keys, returning, rows)
    processors = _processors(table, names, dialect)
    values_by_column = []
    for column, process in zip(columns, processors, strict=True):
        if column.name in rows[0]:
            values = [row[column.name] for row in rows]
        else:
            values = [_default(column) for _ in rows]
        if process is not None:
            values = [process(value) for value in values]
        values_by_column.append(values)
    found = []
    per_statement = max(1, SQLITE_MAX_VARIABLES // len(names))
    process_result = _result_processors(table, tuple(returning), dialect)
    values_by_row = list(zip(*values_by_column, strict=True))
    for start in range(0, len(values_by_row), per_statement):
        chunk = values_by_row[start : start + per_statement]
        statement = _values_statement(
            table, names, tuple(keys), tuple(returning), len(chunk), dialect
        )
        result = connection.exec_driver_sql(statement, tuple(v for row in chunk for v in row))
        if returning:
            found += [
                tuple(
                    value if process is None else process(value)
                    for process, value in zip(process_result, row, strict=True)
                )
                for row in result
            ]
    return found


@functools.cache
def _result_processors(table: Table, names: tuple[str, ...], dialect: Dialect) -> list:
    """Return each returned column's result processor: the driver's value as the model's."""
    return [
        table.c[name].type.dialect_impl(dialect).result_processor(dialect, None) for name in names
    ]


@functools.cache
def _processors(table: Table, names: tuple[str, ...], dialect: Dialect) -> list:
    """Return each column's bind processor (None where values go to the driver as they are)."""
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]


def _tail(keys: tuple[str, ...], returning: tuple[str, ...], quote) -> str:
    sql = ""
    if keys:
        sql += f" ON CONFLICT ({', '.join(quote(key) for key in keys)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(name) for name in returning)}"
    return sql


def _execute_json(connection, table: Table, columns, keys, returning, rows) -> list[tuple]:
    """PostgreSQL: insert ``rows`` sent as one JSON array of objects (see the module docstring)."""
    names = tuple(column.name for column in columns)
    given = [column.name for column in columns if column.name in rows[0]]
    defaulted = [column for column in columns if column.name not in rows[0]]
    document = [
        {
            **{name: row[name] for name in given},
            **{column.name: _default(column) for column in defaulted},
        }
        for row in rows
    ]
    statement = _recordset_statement(table, names, tuple(keys), tuple(returning))
    text_ = json.dumps(document, default=_json_value, ensure_ascii=False, separators=(",", ":"))
    result = connection.execute(statement, {"rows": text_})
    return list(result) if returning else []


def _json_value(value: Any) -> Any:
    """Return what JSON cannot say itself as PostgreSQL reads it: UUIDs and times as text."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(NAIVE_REFUSED)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in bulk")


@functools.cache
def _recordset_statement(
    table: Table, names: tuple[str, ...], keys: tuple[str, ...], returning: tuple[str, ...]
):
    """Return ``INSERT … SELECT … FROM json_populate_recordset(…)`` for these columns, made once."""
    columns = ", ".join(f'"{name}"' for name in names)
    sql = (
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
        f'FROM json_populate_recordset(NULL::"{table.name}", CAST(:rows AS json))'
    ) + _tail(keys, returning, lambda name: f'"{name}"')
    if not returning:
        return text(sql)
    return text(sql).columns(*(table.c[name] for name in returning))


@functools.lru_cache(maxsize=512)
def _values_statement(
    table: Table,
    names: tuple[str, ...],
    keys: tuple[str, ...],
    returning: tuple[str, ...],
    count: int,
    dialect: Dialect,
) -> str:
    """Return ``INSERT … VALUES (?, …), …`` for ``count`` rows of these columns, made once."""
    quote = dialect.identifier_preparer.quote
    row = f"({', '.join('?' for _ in names)})"
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"VALUES {', '.join(row for _ in range(count))}"
    ) + _tail(keys, returning, quote)


def _default(column: Column) -> Any:
    default = column.default
    return default.arg(None) if default.is_callable else default.arg


# --- look-ups -----------------------------------------------------------------------------------


def among(column: Any, values: Iterable[uuid.UUID | int | str]) -> FunctionElement:
    """Return the condition: ``column`` is one of ``values`` (UUIDs, integers or text)."""
    return _Among(column, bindparam(None, list(values), type_=_IdList()))


def among_parameter(column: Any, name: str) -> FunctionElement:
    """Return ``among``'s condition with the ids given at execution as parameter ``name``.

    For a statement built once and run on every push: building a statement and its cache key
    costs about as much Python work as running a small one (docs/performance.md, eighth pass).
    """
    return _Among(column, bindparam(name, type_=_IdList()))


class _IdList(TypeDecorator):
    """A list of ids, bound as PostgreSQL's array literal or SQLite's JSON array.

    Bound untyped: typed as text, PostgreSQL would parse the literal again for every row it
    compares (an I/O cast, never folded into a constant) instead of looking the ids up in the
    index.
    """

    impl = NullType
    cache_ok = True

    def process_bind_param(self, value: list, dialect: Dialect) -> str:
        if dialect.name == "postgresql":
            return "{" + ",".join(_array_element(item) for item in value) + "}"
        return json.dumps([_sqlite_id(item) for item in value], ensure_ascii=False)


def _array_element(item: Any) -> str:
    """Return an id as an element of PostgreSQL's array literal (text quoted, so ``,}"`` stay)."""
    if isinstance(item, str):
        return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(_checked_id(item))


def _sqlite_id(item: Any) -> str | int:
    """Return an id as SQLite stores it: a UUID as its 32 hex digits (``Uuid`` on SQLite)."""
    if isinstance(item, str):
        return item
    item = _checked_id(item)
    return item.hex if isinstance(item, uuid.UUID) else item


def _checked_id(item: Any) -> uuid.UUID | int:
    if isinstance(item, uuid.UUID) or (isinstance(item, int) and not isinstance(item, bool)):
        return item
    raise TypeError(f"among() takes UUIDs, integers and text, not {type(item).__name__}")


class _Among(FunctionElement):
    """``column`` among a bound list; rendered per dialect below."""

    name = "among"
    type = NullType()  # not Boolean: SQLite would compare the condition with 1, past the index
    inherit_cache = True


@compiles(_Among)
def _among_sqlite(element: _Among, compiler: Any, **kw: Any) -> str:
    column, ids = element.clauses
    return (
        f"{compiler.process(column, **kw)} IN "
        f"(SELECT value FROM json_each({compiler.process(ids, **kw)}))"
    )


@compiles(_Among, "postgresql")
def _among_postgresql(element: _Among, compiler: Any, **kw: Any) -> str:
    column, ids = element.clauses
    kind = compiler.dialect.type_compiler_instance.process(column.type)
    return (
        f"{compiler.process(column, **kw)} = ANY(CAST({compiler.process(ids, **kw)} AS {kind}[]))"
    )
