"""One account per user name whatever its case, held by the database: a unique index on
LOWER(username), so two sign-ups of "alice" and "Alice" at the same moment cannot both be stored.

SQLite's LOWER folds ASCII letters only; PostgreSQL's folds every letter its locale knows.
"""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "accounts_user_username_lower_unique"


def refuse_existing_case_duplicates(apps, schema_editor):
    # The index cannot be built over names that already differ only in case: name them.
    User = apps.get_model("auth", "User")
    taken = (
        User.objects.annotate(folded=Lower("username"))
        .values("folded")
        .annotate(accounts=Count("id"))
        .filter(accounts__gt=1)
    )
    clashes = [
        sorted(User.objects.annotate(folded=Lower("username")).filter(folded=row["folded"]).values_list("username", flat=True))
        for row in taken
    ]
    if clashes:
        raise RuntimeError(
            "These user names differ only in case; rename all but one of each (admin or "
            f"`manage.py shell`) and migrate again: {clashes}"
        )


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(refuse_existing_case_duplicates, migrations.RunPython.noop),
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(username))",
            f"DROP INDEX {INDEX}",
        ),
    ]
