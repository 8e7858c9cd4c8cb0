"""Migrations of the kinds docs/deployment.md calls safe while serving, applied as `migrate` applies
them (each in its own schema editor, atomic or not as the migration says), to a database of a test's
own. Run in a process configured for that database:
`manage.py shell -c "from tests.rehearsed_migrations import apply; apply()"`."""

import time

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader


class AddColumns(migrations.Migration):
    # A nullable column, and one with a constant default kept in the database (db_default): neither
    # rewrites the table (PostgreSQL 11+), and the running version's inserts, which do not name them,
    # still work. With default= instead, Django drops the database default once the column is added,
    # and every post of the old version fails its NOT NULL until the new version runs.
    operations = [
        migrations.AddField("message", "archived_at", models.DateTimeField(null=True)),
        migrations.AddField("message", "pinned", models.BooleanField(db_default=False)),
    ]


class IndexConcurrently(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction; it lets inserts go on while it builds.
    atomic = False
    operations = [
        AddIndexConcurrently("message", models.Index(fields=["author", "created_at"], name="message_author_time")),
    ]


def apply():
    state = MigrationLoader(connection).project_state()
    for migration_class in (AddColumns, IndexConcurrently):
        migration = migration_class(migration_class.__name__.lower(), "chat")
        started = time.monotonic()
        with connection.schema_editor(atomic=migration.atomic) as schema_editor:
            state = migration.apply(state, schema_editor)
        print(f"{migration.name}: {time.monotonic() - started:.2f} s", flush=True)
