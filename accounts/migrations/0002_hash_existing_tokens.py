"""DRF's plain-text tokens become hashed ones: each keeps working for its client (the hash of
the same token), and the plain text is deleted. Every role may issue (and revoke) its own
tokens, Administrators revoke anyone's; Administrators no longer hold permissions on DRF's plain-text tokens."""

import hashlib

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Contributor", "Editor", "Administrator")


def hash_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in Token.objects.all():
        ApiToken.objects.create(
            user_id=token.user_id,
            name="Migrated",
            prefix=token.key[:6],
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
        )
    Token.objects.all().delete()


def grant(apps, schema_editor):
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    tokens = Permission.objects.filter(content_type__app_label="accounts")
    plain = Permission.objects.filter(content_type__app_label="authtoken")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        # Everyone issues and revokes their own (see accounts/admin.py); deleting anyone's is
        # the Administrators' (no other role holds a delete permission).
        codenames = ["add_apitoken", "view_apitoken"]
        if name == "Administrator":
            codenames.append("delete_apitoken")
        group.permissions.add(*tokens.filter(codename__in=codenames))
        group.permissions.remove(*plain)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("partnership", "0003_roles"),
    ]

    operations = [
        migrations.RunPython(hash_tokens, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
