"""Rows of one model inserted many at a time, in the caller's transaction.

On PostgreSQL, rows whose primary key is already set (messages and events: the room hands out
their ids and seqs) go in by COPY: one stream with values passed as they are, where bulk_create
compiles an INSERT and prepares each value of each row in Python; that was half the database
thread's time per stored message (bench/RESULTS.md). Elsewhere, or for a row COPY cannot take (a
key the database assigns, which COPY cannot return; a value that is an expression), bulk_create.
"""

from datetime import datetime

from django.db import connections, router

# What psycopg sends exactly as Django would send it for the fields of these models.
_PLAIN = {int, str, bool, float, type(None), datetime}


def bulk_insert(model, objects):
    objects = list(objects)
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    fields = model._meta.concrete_fields
    rows = [[getattr(obj, field.attname) for field in fields] for obj in objects]
    if connection.vendor != "postgresql" or not all(type(value) in _PLAIN for row in rows for value in row) or any(
        obj.pk is None for obj in objects
    ):
        model.objects.bulk_create(objects)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # As Django's own queries do: a database error comes out as django.db's (IntegrityError...).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
