"""ORM querysets compiled once and run again with other values.

Building and compiling a queryset costs the partner API more than running
it: a page of the listing takes five or six small indexed queries, and Django
spends half a millisecond to two on each before the database sees it, several
times what SQLite then takes. A prepared query is a queryset built once with
stand-in values and compiled to SQL; each run puts the real values into the
parameters where the stand-ins were, executes the SQL and converts the
columns with the converters Django would have used. The ORM stays the one
definition of every query.

Only the values change from run to run, never the SQL: anything that changes
the SQL (a ``LIMIT``, which Django writes into it, a mode, the length of an
``IN`` list) is part of the query's *shape*, and each shape is compiled once.
Lists are padded to the next power of two, repeating their last value (which
changes nothing in an ``IN``), so a list of 1 to 200 values has 9 shapes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

_EPOCH = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
_counter = itertools.count(1)


def _stand_in(example):
    """A value of the same type as ``example`` that no real query carries."""
    number = next(_counter)
    if isinstance(example, bool):
        raise TypeError("booleans cannot be told apart: make them part of the shape")
    if isinstance(example, int):
        return -(10**15) - number
    if isinstance(example, dt.datetime):
        return _EPOCH + dt.timedelta(seconds=number)
    if isinstance(example, str):
        return f"~prepared-{number}~"
    raise TypeError(f"cannot stand in for {type(example).__name__}")


def padded_length(length: int) -> int:
    return 1 << max(length - 1, 0).bit_length()


def _pad(values: Sequence) -> list:
    values = list(values)
    return values + [values[-1]] * (padded_length(len(values)) - len(values))


def _adapt(connection, value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _sqlite_datetime(value, expression, connection):
    """SQLite's datetime converter, for Django's own text format, with
    ``datetime.fromisoformat`` (in C) in place of a regular expression."""
    if value.__class__ is dt.datetime:
        # Already read by the sqlite3 module (a declared datetime column).
        if value.tzinfo is None:
            return value.replace(tzinfo=connection.timezone)
        return value
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = parse_datetime(value)
    if value.tzinfo is None and connection.timezone is not None:
        value = value.replace(tzinfo=connection.timezone)
    return value


def _faster(function, connection):
    """A converter that gives the same values sooner, where there is one:
    a page of rows holds a few hundred datetimes."""
    if (
        connection.vendor == "sqlite"
        and getattr(function, "__name__", "") == "convert_datetimefield_value"
        and settings.USE_TZ
    ):
        return _sqlite_datetime
    return function


@dataclass(frozen=True)
class PreparedQuery:
    sql: str
    params: tuple  # the compiled parameters; constants stay as they are
    slots: tuple[tuple[int, str, int | None], ...]  # position, name, list index
    names: tuple[str, ...]  # the columns, as values() names them
    converters: tuple  # (column position, converters, expression)

    def run(self, connection, values: dict) -> list[dict]:
        params = list(self.params)
        padded = {
            name: _pad(value)
            for name, value in values.items()
            if isinstance(value, list | tuple)
        }
        for position, name, index in self.slots:
            value = values[name] if index is None else padded[name][index]
            params[position] = _adapt(connection, value)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        names, converters = self.names, self.converters
        if not converters:
            return [dict(zip(names, row, strict=True)) for row in rows]
        result = []
        for row in rows:
            row = list(row)
            for position, functions, expression in converters:
                value = row[position]
                if value is None:  # Django's converters leave None as it is
                    continue
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            result.append(dict(zip(names, row, strict=True)))
        return result


def prepare(
    alias: str, build: Callable[..., QuerySet], examples: dict
) -> PreparedQuery:
    """Compile ``build(**stand_ins)``, a ``values()`` queryset, and note where
    each stand-in went. ``examples`` gives each value's type (a list stands
    for an ``IN`` list of its padded length)."""
    connection = connections[alias]
    stand_ins, wanted = {}, {}
    for name, example in examples.items():
        if isinstance(example, list | tuple):
            stand_ins[name] = [
                _stand_in(example[0]) for _ in range(padded_length(len(example)))
            ]
            for index, value in enumerate(stand_ins[name]):
                wanted[_adapt(connection, value)] = (name, index)
        else:
            stand_ins[name] = _stand_in(example)
            wanted[_adapt(connection, stand_ins[name])] = (name, None)
    queryset = build(**stand_ins)
    query = queryset.query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    slots = []
    for position, param in enumerate(params):
        try:
            found = wanted.get(param)
        except TypeError:  # unhashable: a constant
            found = None
        if found is not None:
            slots.append((position, *found))
    missing = {name for name, _index in wanted.values()} - {
        name for _position, name, _index in slots
    }
    if missing:
        raise ValueError(f"stand-ins not found in the compiled query: {missing}")
    # As ValuesIterable names them.
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    converters = tuple(
        (
            position,
            tuple(_faster(function, connection) for function in functions),
            expression,
        )
        for position, (functions, expression) in compiler.get_converters(
            [expression for expression, _sql, _alias in compiler.select]
        ).items()
    )
    return PreparedQuery(
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        names=tuple(names),
        converters=converters,
    )


_prepared: dict[tuple, PreparedQuery] = {}
_lock = threading.Lock()


def run_prepared(
    key: tuple,
    build: Callable[..., QuerySet],
    *,
    using: str,
    **values,
) -> list[dict]:
    """The rows of ``build(**values)`` (a ``values()`` queryset), from the
    query prepared for ``key`` (which must name the query's shape: whatever
    changes its SQL other than ``values``). An empty list value gives no
    rows and no query."""
    if any(isinstance(value, list | tuple) and not value for value in values.values()):
        return []
    shape = tuple(
        (name, padded_length(len(value)))
        for name, value in sorted(values.items())
        if isinstance(value, list | tuple)
    )
    full_key = (key, using, shape)
    prepared = _prepared.get(full_key)
    if prepared is None:
        prepared = prepare(using, build, values)
        with _lock:
            _prepared[full_key] = prepared
    return prepared.run(connections[using], values)
