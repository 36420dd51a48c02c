"""Roles for the review of proposed changes, and one revision per record in existing histories.

Everyone on the staff sees proposed changes; Editors and Administrators publish changes to places
and tags (shared references readers see), as they do for every other record type. Databases
loaded before revisions were kept per record get their multi-record revisions split, so that a
revert can only ever touch one record.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("partnership")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content = Permission.objects.filter(content_type__app_label="partnership")
    for name, codenames in (
        ("Contributor", ["view_proposal"]),
        ("Editor", ["view_proposal", "publish_place", "publish_tag"]),
        ("Administrator", ["view_proposal", "publish_place", "publish_tag"]),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*content.filter(codename__in=codenames))


def split_revisions(apps, schema_editor):
    # The live code, not the historical models: the split follows the record structure of today.
    from partnership.revisions import split_all

    split_all()


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0006_review"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(split_revisions, migrations.RunPython.noop),
    ]
