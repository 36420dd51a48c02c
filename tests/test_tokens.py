"""API tokens are kept hashed and shown once: nobody, an Administrator included, can read a
token back and act as its owner; clients still send `Authorization: Token <token>`."""

import hashlib
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db

COUNTRY = {"code": "IS", "slug": "iceland", "name": "Iceland"}


def with_token(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def stored_values():
    """Every value of every token row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        return [str(value) for row in cursor.fetchall() for value in row]


class TestStorage:
    def test_only_a_hash_is_stored(self):
        _token, key = ApiToken.objects.issue(factories.staff("Editor"))
        assert len(key) == 40
        values = stored_values()
        assert hashlib.sha256(key.encode()).hexdigest() in values
        assert not any(key in value for value in values)

    def test_a_token_signs_in_as_its_owner(self):
        _token, key = ApiToken.objects.issue(factories.staff("Editor"))
        response = with_token(key).post("/api/v1/countries/", COUNTRY, format="json")
        assert response.status_code == 201, response.content

    @pytest.mark.parametrize("header", ["Token wrong", "Token ", "Bearer {key}", "Token {digest}"])
    def test_anything_else_is_refused(self, header):
        _token, key = ApiToken.objects.issue(factories.staff("Editor"))
        digest = hashlib.sha256(key.encode()).hexdigest()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=header.format(key=key, digest=digest))
        response = api.post("/api/v1/countries/", COUNTRY, format="json")
        assert response.status_code in (401, 403)

    def test_an_inactive_accounts_token_is_refused(self):
        user = factories.staff("Editor")
        _token, key = ApiToken.objects.issue(user)
        user.is_active = False
        user.save()
        assert with_token(key).post("/api/v1/countries/", COUNTRY).status_code == 401

    def test_a_revoked_token_is_refused(self):
        token, key = ApiToken.objects.issue(factories.staff("Editor"))
        token.delete()
        assert with_token(key).post("/api/v1/countries/", COUNTRY).status_code == 401

    def test_the_schema_still_documents_the_token_scheme(self):
        schema = APIClient().get("/api/schema/?format=json").json()
        scheme = schema["components"]["securitySchemes"]["tokenAuth"]
        assert scheme["type"] == "apiKey" and scheme["in"] == "header"
        assert scheme["name"] == "Authorization"
        assert "Token" in scheme["description"]


class TestAdmin:
    def issue(self, client, **data):
        response = client.post(reverse("admin:accounts_apitoken_add"), {"name": "script", **data})
        assert response.status_code == 200, response.content[:300]
        return response

    def test_a_new_token_is_shown_once_to_its_owner(self, client):
        editor = factories.staff("Editor")
        client.force_login(editor)
        response = self.issue(client)
        assert "no-store" in response["Cache-Control"]
        token = ApiToken.objects.get(user=editor)
        page = response.content.decode()
        key = page.split('<code class="api-token">')[1].split("</code>")[0]
        assert ApiToken.objects.for_key(key).get() == token
        # Never again: not in the list, not on the token's page.
        for url in (
            reverse("admin:accounts_apitoken_changelist"),
            reverse("admin:accounts_apitoken_change", args=[token.pk]),
        ):
            shown = client.get(url)
            assert shown.status_code == 200
            assert token.prefix in shown.content.decode()
            assert key not in shown.content.decode()
        assert with_token(key).post("/api/v1/countries/", COUNTRY).status_code == 201

    def test_an_administrator_cannot_issue_a_token_for_someone_else(self, client):
        administrator = factories.staff("Administrator")
        editor = factories.staff("Editor")
        client.force_login(administrator)
        self.issue(client, user=editor.pk)
        assert not ApiToken.objects.filter(user=editor).exists()
        assert ApiToken.objects.filter(user=administrator).count() == 1

    def test_an_administrator_sees_and_revokes_every_token_but_cannot_read_them(self, client):
        token, key = ApiToken.objects.issue(factories.staff("Editor"), "editor's script")
        client.force_login(factories.staff("Administrator"))
        listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
        assert "editor&#x27;s script" in listing and key not in listing
        page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
        assert key not in page.content.decode()
        assert 'name="name"' not in page.content.decode()  # nothing to edit
        deleted = client.post(
            reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}
        )
        assert deleted.status_code == 302
        assert with_token(key).post("/api/v1/countries/", COUNTRY).status_code == 401

    def test_others_see_only_their_own_tokens(self, client):
        theirs, _key = ApiToken.objects.issue(factories.staff("Editor"))
        contributor = factories.staff("Contributor")
        mine, _key = ApiToken.objects.issue(contributor)
        client.force_login(contributor)
        listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
        assert mine.prefix in listing and theirs.prefix not in listing
        url = reverse("admin:accounts_apitoken_change", args=[theirs.pk])
        assert client.get(url).status_code == 302  # "does not exist": back to the list
        delete = reverse("admin:accounts_apitoken_delete", args=[theirs.pk])
        client.post(delete, {"post": "yes"})
        assert ApiToken.objects.filter(pk=theirs.pk).exists()
        # Their own, they revoke.
        revoke = reverse("admin:accounts_apitoken_delete", args=[mine.pk])
        assert client.post(revoke, {"post": "yes"}).status_code == 302
        assert not ApiToken.objects.filter(pk=mine.pk).exists()

    def test_drfs_plain_text_tokens_are_not_in_the_admin(self, client, admin_user):
        client.force_login(admin_user)
        index = client.get(reverse("admin:index")).content.decode()
        assert "/admin/authtoken/" not in index


def test_the_command_prints_a_working_token_once():
    factories.staff("Editor", "script-owner")
    out = io.StringIO()
    call_command("issue_api_token", "script-owner", "--name", "nightly", stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.for_key(key).get().name == "nightly"
    assert key not in stored_values()
    assert with_token(key).post("/api/v1/countries/", COUNTRY).status_code == 201


def test_existing_plain_text_tokens_are_hashed_and_keep_working():
    migration = importlib.import_module("accounts.migrations.0002_hash_existing_tokens")
    user = factories.staff("Editor")
    old = Token.objects.create(user=user)
    migration.hash_tokens(apps, None)
    assert not Token.objects.exists()
    assert old.key not in stored_values()
    assert with_token(old.key).post("/api/v1/countries/", COUNTRY).status_code == 201
