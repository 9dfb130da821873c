"""Whole model rows read and written with SQL written out, for the requests
every learner makes every few seconds (flip and rate).

Building a query with the ORM costs more CPU than SQLite or PostgreSQL take
to run it: for flip's one join, several times more. `Columns` lists a model's
columns for a SELECT and turns the values of a row back into an instance,
with the same conversions the ORM applies (SQLite returns datetimes as text,
JSON as text, booleans as integers).
"""

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col

# Rows above this id cannot exist: SQLite and PostgreSQL ids are signed 64-bit.
MAX_ID = 2**63 - 1


class Columns:
    """The concrete columns of `model`, as named in a SELECT from its table."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._select: dict[str, str] = {}
        self._converters: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self) -> str:
        """`"table"."column", …` for the database in use."""
        db = connections[DEFAULT_DB_ALIAS]
        vendor = db.vendor
        if vendor not in self._select:
            qn = db.ops.quote_name
            self._select[vendor] = ", ".join(
                f"{qn(self.table)}.{qn(field.column)}" for field in self.fields
            )
        return self._select[vendor]

    def converters(self, db: BaseDatabaseWrapper) -> list[tuple[int, Col, list]]:
        """For each column that needs one, what the ORM's compiler would convert it with."""
        vendor = db.vendor
        if vendor not in self._converters:
            found = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.table)
                functions = db.ops.get_db_converters(column)
                functions += column.get_db_converters(db)
                if functions:
                    found.append((index, column, functions))
            self._converters[vendor] = found
        return self._converters[vendor]

    def instance(self, values: Sequence, db: BaseDatabaseWrapper) -> models.Model:
        """The model instance for a row's values, in the order of `sql()`."""
        values = list(values)
        for index, column, functions in self.converters(db):
            value = values[index]
            for function in functions:
                value = function(value, column, db)
            values[index] = value
        return self.model.from_db(db.alias, self.attnames, values)


def select_one(sql: str, params: Sequence, *parts: Columns) -> tuple[list, tuple] | None:
    """Run a SELECT of `parts`' columns, one after the other, then any others.

    The first row as an instance of each part (None for a part whose id is
    NULL: the far side of a LEFT JOIN that found nothing) and the rest of its
    values; None when there is no row.
    """
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for part in parts:
        values = row[start : start + len(part)]
        instances.append(part.instance(values, db) if values[0] is not None else None)
        start += len(part)
    return instances, row[start:]


def _insert_parts(instance: models.Model, db: BaseDatabaseWrapper) -> tuple[str, list, list]:
    """The table and column list of an INSERT of `instance`, its fields and their values.

    Each value goes through its field's own preparation for the database, as
    in the ORM's insert; no signals are sent (no model of the study path has
    receivers).
    """
    meta = instance._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    qn = db.ops.quote_name
    into = f"{qn(meta.db_table)} ({', '.join(qn(field.column) for field in fields)})"
    values = [field.get_db_prep_save(field.pre_save(instance, True), db) for field in fields]
    return into, fields, values


def _insert_sql(instance: models.Model, db: BaseDatabaseWrapper) -> tuple[str, list]:
    into, fields, values = _insert_parts(instance, db)
    return f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(fields))})", values  # noqa: S608


def _stored(instance: models.Model, pk: int, db: BaseDatabaseWrapper) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias


def insert(instance: models.Model) -> None:
    """Store a new `instance` with one INSERT written out, and set its id."""
    db = connections[DEFAULT_DB_ALIAS]
    meta = instance._meta
    sql, values = _insert_sql(instance, db)
    returning = db.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {db.ops.quote_name(meta.pk.column)}"
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            pk = cursor.fetchone()[0]
        else:
            pk = db.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    _stored(instance, pk, db)


def _update_sql(model: type[models.Model], values: dict, where: dict) -> tuple[str, list]:
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    qn = db.ops.quote_name

    def field(name: str) -> models.Field:
        return meta.pk if name == "pk" else meta.get_field(name)

    sets = [(field(name), value) for name, value in values.items()]
    conditions = [(field(name), value) for name, value in where.items()]
    sql = (
        f"UPDATE {qn(meta.db_table)} SET "  # noqa: S608
        + ", ".join(f"{qn(f.column)} = %s" for f, _ in sets)
        + " WHERE "
        + " AND ".join(f"{qn(f.column)} = %s" for f, _ in conditions)
    )
    params = [f.get_db_prep_save(value, db) for f, value in sets]
    params += [f.get_db_prep_value(value, db) for f, value in conditions]
    return sql, params


def update(model: type[models.Model], values: dict, **where) -> int:
    """UPDATE `model`'s rows matching `where` (field names, "pk" for the id) with
    `values` (field names), in one statement written out; the rows changed."""
    sql, params = _update_sql(model, values, where)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def write_then_insert(write: models.Model | tuple, instance: models.Model) -> bool:
    """PostgreSQL: one row written, then `instance` inserted only if it was, in
    one statement (atomic by itself: no BEGIN and COMMIT, two round trips, around it).

    `write` is a new instance to insert, or `(model, values, where)` for an
    UPDATE of one row as `update()` takes them. Returns whether both rows
    were written, and sets the ids of the new instances. Nothing is written
    when the UPDATE matches no row, or when either row breaks a constraint
    (IntegrityError).
    """
    db = connections[DEFAULT_DB_ALIAS]
    qn = db.ops.quote_name
    if isinstance(write, models.Model):
        write_sql, params = _insert_sql(write, db)
        write_pk = write._meta.pk.column
    else:
        model, values, where = write
        write_sql, params = _update_sql(model, values, where)
        write_pk = model._meta.pk.column
    into, fields, values = _insert_parts(instance, db)
    # Typed: in a SELECT list a parameter takes no type from the column it fills.
    select = ", ".join(f"%s::{field.cast_db_type(db)}" for field in fields)
    sql = (
        f"WITH written AS ({write_sql} RETURNING {qn(write_pk)})"  # noqa: S608
        f" INSERT INTO {into} SELECT {select} FROM written"
        f" RETURNING {qn(instance._meta.pk.column)}, (SELECT {qn(write_pk)} FROM written)"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    _stored(instance, row[0], db)
    if isinstance(write, models.Model):
        _stored(write, row[1], db)
    return True
