"""Existing records get as owner the account that saved their first version (their history,
django-reversion), where it names one; the others stay unowned (any Contributor may change an
unowned draft until an Editor gives it to someone)."""

from django.db import migrations


def owners_from_history(apps, schema_editor):
    Version = apps.get_model("reversion", "Version")
    RecordOwner = apps.get_model("accounts", "RecordOwner")
    first = {}
    versions = (
        Version.objects.filter(content_type__app_label="partnership", revision__user__isnull=False)
        .order_by("revision__date_created", "pk")
        .values_list("content_type_id", "object_id", "revision__user_id")
    )
    for content_type, object_id, user in versions.iterator():
        if object_id.isdigit():
            first.setdefault((content_type, int(object_id)), user)
    RecordOwner.objects.bulk_create(
        [
            RecordOwner(content_type_id=content_type, object_id=object_id, owner_id=user)
            for (content_type, object_id), user in first.items()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_record_owners"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(owners_from_history, migrations.RunPython.noop)]
