"""The three staff roles, as groups: Contributor, Editor, Administrator."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_APP = "partnership"


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content = Permission.objects.filter(content_type__app_label=CONTENT_APP)
    contributor = content.filter(codename__regex=r"^(add|change|view)_")
    editor = content.filter(codename__regex=r"^(add|change|view|delete|publish)_")
    administrator = Permission.objects.filter(content_type__app_label__in=[CONTENT_APP, "auth", "authtoken"])

    for name, permissions in (
        ("Contributor", contributor),
        ("Editor", editor),
        ("Administrator", administrator),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Contributor", "Editor", "Administrator"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0002_publication_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
