"""Bulk inserts: one statement per table, new rows in key order, taken keys skipped.

Every writer inserts in key order, so two writers waiting on each other's keys wait in the
same order and cannot deadlock (docs/sync.md, "Lock order").

On PostgreSQL the rows travel as one array per column, ``INSERT … SELECT * FROM unnest(…)``:
a statement with a parameter per column, whatever the number of rows. A many-row ``VALUES``
list has a placeholder per value, and psycopg rewrites such a query into PostgreSQL's own
placeholders in Python on every execution (it caches only short queries): measured, that
rewriting was a third of a push's CPU on PostgreSQL (docs/performance.md). SQLite has no arrays
and takes the ``VALUES`` list.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Row, Table, insert, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


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
    rows.sort(key=lambda row: tuple(row[key] for key in keys))
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        statement = (
            sqlite_insert(table)
            .on_conflict_do_nothing(index_elements=list(keys))
            .returning(*(table.c[name] for name in returning))
        )
        return list(connection.execute(statement, rows))
    statement, parameters = _unnest_insert(table, keys, returning, rows, connection.dialect)
    return list(connection.execute(statement, parameters))


def insert_all(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns) in one statement."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    connection.execute(*_unnest_insert(table, (), (), rows, connection.dialect))


def _columns(table: Table, first: dict[str, Any]) -> list[Column]:
    """Return the columns given in the rows plus those with a default made in Python."""
    given = [table.c[name] for name in first]
    defaulted = [
        column
        for column in table.columns
        if column.name not in first and column.default is not None and not column.primary_key
    ]
    return given + defaulted


def _unnest_insert(
    table: Table,
    keys: Sequence[str],
    returning: Sequence[str],
    rows: list[dict[str, Any]],
    dialect: Dialect,
):
    """Return ``INSERT … SELECT * FROM unnest(…)`` and its parameters.

    ``ON CONFLICT (keys) DO NOTHING`` when ``keys`` are given, ``RETURNING`` when asked for.
    """
    columns = _columns(table, rows[0])
    statement, processors = _unnest_statement(
        table, tuple(column.name for column in columns), tuple(keys), tuple(returning), dialect
    )
    parameters = {}
    for position, (column, process) in enumerate(zip(columns, processors, strict=True)):
        if column.name in rows[0]:
            values = [row[column.name] for row in rows]
        else:
            values = [_default(column) for _ in rows]
        if process is not None:
            values = [process(value) for value in values]
        parameters[f"p{position}"] = values
    return statement, parameters


@functools.cache
def _unnest_statement(
    table: Table,
    names: tuple[str, ...],
    keys: tuple[str, ...],
    returning: tuple[str, ...],
    dialect: Dialect,
):
    """Return the statement for these columns and each column's bind processor, made once."""
    quote = dialect.identifier_preparer.quote
    arrays, processors = [], []
    for position, name in enumerate(names):
        column_type = table.c[name].type.dialect_impl(dialect)
        processors.append(column_type.bind_processor(dialect))
        arrays.append(f"CAST(:p{position} AS {column_type.compile(dialect=dialect)}[])")
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"SELECT * FROM unnest({', '.join(arrays)})"
    )
    if keys:
        sql += f" ON CONFLICT ({', '.join(quote(key) for key in keys)}) DO NOTHING"
    if not returning:
        return text(sql), processors
    sql += f" RETURNING {', '.join(quote(name) for name in returning)}"
    statement = text(sql).columns(*(table.c[name] for name in returning))
    return statement, processors


def _default(column: Column) -> Any:
    default = column.default
    return default.arg(None) if default.is_callable else default.arg
