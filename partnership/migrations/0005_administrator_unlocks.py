"""Administrators see django-axes' sign-in records and unlock locked accounts.

The lockout page tells a locked-out curator to ask an administrator; without these permissions
the Administrator group got a 403 on axes' records and on the "Locked accounts" page. Unlocking
deletes the account's access attempts, hence delete_accessattempt; the logs stay read-only.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AXES_PERMISSIONS = [
    "view_accessattempt",
    "delete_accessattempt",
    "view_accessattemptexpiration",
    "view_accessfailurelog",
    "view_accesslog",
]


def axes_permissions(apps):
    # On a fresh database axes' permissions are only created after every migration has run.
    app_config = apps.get_app_config("axes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="axes", codename__in=AXES_PERMISSIONS)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    administrator, _ = Group.objects.get_or_create(name="Administrator")
    administrator.permissions.add(*axes_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Administrator"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="axes", codename__in=AXES_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0004_translations"),
        ("axes", "0010_accessattemptexpiration"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
