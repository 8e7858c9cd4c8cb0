"""A random id for this database, so processes sharing a Redis can tell they share the database.

A plain table, not a model: Django's flush (and the test suite's) leaves it alone, so the id lasts
as long as the database. See chat/database_identity.py.
"""

import uuid

from django.db import migrations

TABLE = "kc3chat_database_identity"


def create_identity(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {quote(TABLE)} ({quote('id')} varchar(32) NOT NULL PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {quote(TABLE)} ({quote('id')}) VALUES (%s)", [uuid.uuid4().hex])


def drop_identity(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_main_room")]
    operations = [migrations.RunPython(create_identity, drop_identity)]
