"""The database table the API's rate limits are counted in when no Redis is configured
(settings.CACHES["throttle"]): `migrate` creates it, so no deployment step can forget it."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the tables of every DatabaseCache in settings, and only those missing.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("partnership", "0011_more_than_and_less_than")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
