from django.db import migrations


def create_main_room(apps, schema_editor):
    apps.get_model("chat", "Room").objects.get_or_create(name="main")


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]
    operations = [migrations.RunPython(create_main_room, migrations.RunPython.noop)]
