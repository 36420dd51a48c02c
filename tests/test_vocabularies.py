"""Vocabularies curators extend (agreement kinds, system categories, organization kinds) and the
ISO 4217 currencies: a memorandum of understanding, a frigate, an international organization or
an amount in Norwegian kroner need no schema change."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from partnership.loading import DatasetError, Loader
from partnership.models import (
    Agreement,
    AgreementKind,
    Organization,
    OrganizationKind,
    System,
    SystemCategory,
)
from tests import factories
from tests.admin_forms import change_url, form_errors, submit
from tests.test_api import data_queries

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# (vocabulary, record model, field, the record's factory, a new term: code, fr, nl, en)
CASES = [
    (
        AgreementKind,
        Agreement,
        "kind",
        factories.agreement,
        (
            "technical_arrangement",
            "Arrangement technique",
            "Technische regeling",
            "Technical arrangement",
        ),
    ),
    (
        SystemCategory,
        System,
        "category",
        factories.system,
        ("corvette", "Corvette", "Korvet", "Corvette"),
    ),
    (
        OrganizationKind,
        Organization,
        "kind",
        factories.organization,
        ("alliance", "Alliance", "Bondgenootschap", "Alliance"),
    ),
]
IDS = [case[0]._meta.model_name for case in CASES]
ROUTES = {
    AgreementKind: "agreement-kinds",
    SystemCategory: "system-categories",
    OrganizationKind: "organization-kinds",
}
RECORD_ROUTES = {Agreement: "agreements", System: "systems", Organization: "organizations"}


def admin_url(model, view, *args):
    return reverse(f"admin:partnership_{model._meta.model_name}_{view}", args=args)


def api_as(user=None):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        api.force_authenticate(user)
    return api


def page(client, record, language):
    with translation.override(language):
        url = record.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_usual_and_general_terms_exist_in_three_languages():
    expected = {
        AgreementKind: ["memorandum_of_understanding", "treaty", "letter_of_intent", "tranche"],
        SystemCategory: ["frigate", "submarine", "helicopter", "multirole_armoured_vehicle"],
        OrganizationKind: ["international_organization", "navy", "air_force", "unit"],
    }
    for vocabulary, codes in expected.items():
        terms = vocabulary.objects.in_bulk(codes, field_name="code")
        assert set(terms) == set(codes)
        assert all(term.name and term.name_nl and term.name_en for term in terms.values())
    mou = AgreementKind.objects.get(code="memorandum_of_understanding")
    assert (mou.name, mou.name_nl, mou.name_en) == (
        "Protocole d’accord",
        "Memorandum van overeenstemming",
        "Memorandum of understanding",
    )
    assert SystemCategory.objects.get(code="frigate").name == "Frégate"


@pytest.mark.parametrize(("vocabulary", "model", "field", "make", "term"), CASES, ids=IDS)
def test_an_editor_adds_a_term_in_the_admin_and_readers_see_it_translated(
    client, editor, vocabulary, model, field, make, term
):
    code, fr, nl, en = term
    client.force_login(editor)
    response = submit(
        client,
        admin_url(vocabulary, "add"),
        {"code": code, "name": fr, "name_nl": nl, "name_en": en},
    )
    assert response.status_code == 302, form_errors(response)
    assert vocabulary.objects.get(code=code).name_en == en

    record = factories.make(model)
    edit = client.get(change_url(record)).content.decode()
    assert f'id="add_id_{field}"' in edit  # the link to add a term beside the select
    assert f'<option value="{code}">{fr}</option>' in edit or f">{en}</option>" in edit
    response = submit(client, change_url(record), {field: code})
    assert response.status_code == 302, form_errors(response)
    record.refresh_from_db()
    assert getattr(record, f"{field}_id") == code

    client.logout()
    for language, name in (("fr", fr), ("nl", nl), ("en", en)):
        html = page(client, record, language)
        assert name in html, language
        if "_" in code:
            assert code not in html, "readers never see the code"

    data = api_as().get(f"/api/v1/{RECORD_ROUTES[model]}/{record.slug}/?lang=nl").json()
    assert data[field] == code
    assert data["links"][field]["name"] == nl
    assert data["links"][field]["api_url"].endswith(f"/api/v1/{ROUTES[vocabulary]}/{code}/")


@pytest.mark.parametrize(("vocabulary", "model", "field", "make", "term"), CASES, ids=IDS)
def test_a_contributor_sees_the_terms_but_cannot_add_one(
    client, contributor, vocabulary, model, field, make, term
):
    client.force_login(contributor)
    assert client.get(admin_url(vocabulary, "changelist")).status_code == 200
    assert client.get(admin_url(vocabulary, "add")).status_code == 403
    # The record's form offers the terms there are, without the link to add one.
    form = client.get(admin_url(model, "add")).content.decode()
    assert f'name="{field}"' in form
    assert f'id="add_id_{field}"' not in form

    code, fr, _nl, _en = term
    api = api_as(contributor)
    assert api.get(f"/api/v1/{ROUTES[vocabulary]}/").status_code == 200
    response = api.post(f"/api/v1/{ROUTES[vocabulary]}/", {"code": code, "name": fr}, format="json")
    assert response.status_code == 403
    existing = vocabulary.objects.first()
    response = api.patch(
        f"/api/v1/{ROUTES[vocabulary]}/{existing.code}/", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 403
    assert api.delete(f"/api/v1/{ROUTES[vocabulary]}/{existing.code}/").status_code == 403
    assert not vocabulary.objects.filter(code=code).exists()
    assert (
        api_as().post(f"/api/v1/{ROUTES[vocabulary]}/", {"code": code, "name": fr}).status_code
        == 401
    )


@pytest.mark.parametrize(("vocabulary", "model", "field", "make", "term"), CASES, ids=IDS)
def test_an_editor_writes_terms_through_the_api(editor, vocabulary, model, field, make, term):
    code, fr, nl, _en = term
    api = api_as(editor)
    route = f"/api/v1/{ROUTES[vocabulary]}/"
    response = api.post(f"{route}?lang=fr", {"code": code, "name": fr}, format="json")
    assert response.status_code == 201, response.json()
    response = api.patch(f"{route}{code}/?lang=nl", {"name": nl}, format="json")
    assert response.status_code == 200, response.json()
    assert vocabulary.objects.get(code=code).name_nl == nl
    # The code is what records name the term by: it stays.
    response = api.patch(f"{route}{code}/", {"code": f"{code}_2"}, format="json")
    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]
    listed = api_as().get(f"{route}?lang=en&page_size=100").json()["results"]
    assert {"code": code, "name": fr}.items() <= next(
        t for t in listed if t["code"] == code
    ).items()
    dutch = api_as().get(f"{route}{code}/?lang=nl").json()
    assert dutch["name"] == nl


@pytest.mark.parametrize(("vocabulary", "model", "field", "make", "term"), CASES, ids=IDS)
def test_a_term_in_use_cannot_be_deleted(client, editor, vocabulary, model, field, make, term):
    code, fr, _nl, _en = term
    factories.term(vocabulary, code=code, name=fr)
    record = factories.make(model, **{field: code})
    client.force_login(editor)
    term_row = vocabulary.objects.get(code=code)
    # Admin: the confirmation page names the record in the way and deletes nothing.
    response = client.post(admin_url(vocabulary, "delete", term_row.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    assert str(record) in response.content.decode()
    # API: a 409 that says why.
    response = api_as(editor).delete(f"/api/v1/{ROUTES[vocabulary]}/{code}/")
    assert response.status_code == 409
    assert str(record) in json.dumps(response.json(), ensure_ascii=False)
    assert vocabulary.objects.filter(code=code).exists()
    # Not in use: it goes.
    usual = {AgreementKind: "tranche", SystemCategory: "other", OrganizationKind: "unit"}
    model.objects.filter(pk=record.pk).update(**{f"{field}_id": usual[vocabulary]})
    assert api_as(editor).delete(f"/api/v1/{ROUTES[vocabulary]}/{code}/").status_code == 204
    assert not vocabulary.objects.filter(code=code).exists()


class TestFilters:
    def test_the_api_filters_by_code(self):
        factories.make(Agreement, kind="memorandum_of_understanding")
        rows = api_as().get("/api/v1/agreements/?kind=memorandum_of_understanding").json()
        assert rows["count"] >= 1
        assert {row["kind"] for row in rows["results"]} == {"memorandum_of_understanding"}
        systems = api_as().get("/api/v1/systems/?category=multirole_armoured_vehicle").json()
        assert systems["count"] >= 1
        assert {row["category"] for row in systems["results"]} == {"multirole_armoured_vehicle"}
        orders = api_as().get("/api/v1/orders/?category=multirole_armoured_vehicle").json()
        assert orders["count"] >= 1

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/agreements/?kind=nonsense",
            "/api/v1/systems/?category=nonsense",
            "/api/v1/orders/?category=nonsense",
            "/api/v1/organizations/?kind=nonsense",
        ],
    )
    def test_an_unknown_code_matches_nothing(self, path):
        """Vocabularies are open lists curators extend: an unknown code is no error, as an
        unknown slug is none (Schemathesis sends any string the schema allows)."""
        response = api_as().get(path)
        assert response.status_code == 200
        assert response.json()["count"] == 0

    def test_the_public_equipment_list_filters_by_category(self, client):
        frigate = factories.make(System, category="frigate")
        html = client.get("/en/systems/?category=frigate").content.decode()
        assert frigate.name in html
        assert "Griffon" not in html.split("</form>", 1)[1]
        assert '<option value="frigate" selected>Frigate</option>' in html
        assert client.get("/en/systems/?category=nonsense").status_code == 400

    def test_the_schema_documents_a_code_string(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)
        kind = schema["components"]["schemas"]["Agreement"]["properties"]["kind"]
        assert kind["type"] == "string"
        assert "agreement-kinds" in kind["description"]
        currency = schema["components"]["schemas"]["Agreement"]["properties"]["currency"]
        if "$ref" in currency:
            currency = schema["components"]["schemas"][currency["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in currency:
            name = currency["allOf"][0]["$ref"].rsplit("/", 1)[1]
            currency = schema["components"]["schemas"][name]
        enum = currency["enum"]
        assert {"NOK", "SEK", "DKK", "PLN", "CHF", "EUR"} <= set(enum)


class TestLoader:
    def test_an_unknown_code_stops_the_load_and_changes_nothing(self):
        before = Agreement.objects.count(), AgreementKind.objects.count()
        data = {
            "agreement_kinds": [{"code": "pact", "name": "Pacte"}],
            "agreements": [
                {
                    "slug": "a-new-agreement",
                    "partnership": "camo",
                    "title": "Un accord",
                    "kind": "accord_secret",
                    "sources": ["defense-gouv-camo-cooperation-franco-belge"],
                }
            ],
        }
        with pytest.raises(
            DatasetError, match=r"agreements\[0\]\.kind: unknown agreement kind 'accord_secret'"
        ):
            Loader(data).run()
        assert (Agreement.objects.count(), AgreementKind.objects.count()) == before

    def test_a_dataset_names_new_terms_and_uses_them(self):
        data = {
            "agreement_kinds": [
                {"code": "pact", "name": {"fr": "Pacte", "nl": "Pact", "en": "Pact"}}
            ],
            "agreements": [
                {
                    "slug": "a-new-agreement",
                    "partnership": "camo",
                    "title": "Un accord",
                    "kind": "pact",
                    "amount": "1000000",
                    "currency": "NOK",
                    "sources": ["defense-gouv-camo-cooperation-franco-belge"],
                }
            ],
        }
        Loader(data).run()
        agreement = Agreement.objects.get(slug="a-new-agreement")
        assert (agreement.kind_id, agreement.currency) == ("pact", "NOK")
        assert AgreementKind.objects.get(code="pact").name_nl == "Pact"
        # A second run changes nothing.
        stats = Loader(data).run()
        assert all(set(counts) <= {"unchanged"} for counts in stats.values()), stats

    def test_an_unknown_currency_stops_the_load(self):
        data = {
            "agreements": [
                {
                    "slug": "a-new-agreement",
                    "partnership": "camo",
                    "title": "Un accord",
                    "kind": "treaty",
                    "amount": "10",
                    "currency": "XYZ",
                    "sources": ["defense-gouv-camo-cooperation-franco-belge"],
                }
            ]
        }
        with pytest.raises(DatasetError, match="currency"):
            Loader(data).run()


class TestCurrencies:
    def test_the_model_takes_any_active_iso_4217_code(self):
        order = factories.order()
        for code in ("NOK", "SEK", "DKK", "PLN", "CHF", "CZK", "KRW", "EUR"):
            order.currency = code
            order.full_clean()
        order.currency = "XYZ"
        with pytest.raises(ValidationError):
            order.full_clean()

    def test_nok_through_the_admin_and_the_api_to_the_page(self, client, editor):
        agreement = factories.make(Agreement, kind="memorandum_of_understanding")
        client.force_login(editor)
        response = submit(client, change_url(agreement), {"amount": "2500000", "currency": "NOK"})
        assert response.status_code == 302, form_errors(response)
        agreement.refresh_from_db()
        assert agreement.currency == "NOK"
        assert "NOK" in page(client, agreement, "en")
        assert "Protocole d’accord" in page(client, agreement, "fr")

        api = api_as(editor)
        route = f"/api/v1/agreements/{agreement.slug}/"
        assert api.patch(route, {"currency": "SEK"}, format="json").status_code == 200
        assert api.get(route).json()["currency"] == "SEK"
        response = api.patch(route, {"currency": "XYZ"}, format="json")
        assert response.status_code == 400
        assert "currency" in response.json()["error"]["fields"]

    def test_the_admin_offers_the_currencies_with_their_names(self, client, editor):
        agreement = factories.make(Agreement)
        client.force_login(editor)
        html = client.get(change_url(agreement)).content.decode()
        assert '<option value="NOK">NOK – Norwegian Krone</option>' in html


class TestQueryCounts:
    def count(self, path, client):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        return len(data_queries(queries))

    @pytest.mark.parametrize(
        ("model", "field", "path"),
        [
            (Agreement, "kind", "/api/v1/agreements/?page_size=100"),
            (System, "category", "/api/v1/systems/?page_size=100"),
            (Organization, "kind", "/api/v1/organizations/?page_size=100"),
            (Organization, "kind", "/en/organizations/"),
            (System, "category", "/en/systems/"),
        ],
    )
    def test_terms_cost_no_query_per_row(self, model, field, path, editor):
        """Counted for a signed-in Editor: anonymous answers are cached (api/freshness.py)."""
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(editor)
        vocabulary = model._meta.get_field(field).related_model
        before = self.count(path, client)
        for _ in range(3):
            term = factories.term(vocabulary)
            factories.make(model, **{field: term.code})
        assert self.count(path, client) == before


MIGRATION_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("partnership", "0012_merge_0011a_throttle_cache_table_0011c_slug_history")]
    after = [("partnership", "0013_vocab")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Partnership = apps.get_model("partnership", "Partnership")
    Agreement = apps.get_model("partnership", "Agreement")
    System = apps.get_model("partnership", "System")
    Organization = apps.get_model("partnership", "Organization")
    camo = Partnership.objects.create(slug="camo-test", name="CaMo")
    Agreement.objects.create(partnership=camo, slug="a1", title="A1", kind="letter_of_intent")
    Agreement.objects.create(partnership=camo, slug="a2", title="A2", kind="tranche")
    System.objects.create(slug="s1", name="S1", category="mortar_carrier")
    Organization.objects.create(slug="o1", name="O1", kind="formation")
    # A value written around the choices: kept, as a term named after itself.
    Organization.objects.create(slug="o2", name="O2", kind="weird")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    get = lambda name: apps.get_model("partnership", name)
    print(json.dumps({
        "agreements": dict(get("Agreement").objects.values_list("slug", "kind")),
        "systems": dict(get("System").objects.values_list("slug", "category")),
        "organizations": dict(get("Organization").objects.values_list("slug", "kind")),
        "names": {
            code: [fr, nl, en]
            for code, fr, nl, en in get("AgreementKind").objects.values_list(
                "code", "name", "name_nl", "name_en"
            )
        },
        "weird": get("OrganizationKind").objects.filter(code="weird").exists(),
        "mortar": get("SystemCategory").objects.get(code="mortar_carrier").name_nl,
    }))
    """
)


@pytest.fixture
def scratch_database(tmp_path):
    """A database of its own (the test database holds the dataset, past 0013): a SQLite file,
    or a PostgreSQL database beside the test one when the tests run on PostgreSQL."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    import psycopg

    params = connection.get_connection_params()
    name = f"{connection.settings_dict['NAME']}_vocab_migration"[:60]
    admin = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
        pg.execute(f'CREATE DATABASE "{name}"')
    user = admin.get("user", "postgres")
    auth = f"{user}:{admin['password']}" if admin.get("password") else user
    yield f"postgres://{auth}@{admin.get('host', '127.0.0.1')}:{admin.get('port', 5432)}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migration_keeps_every_stored_code_and_names_it(scratch_database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {"DATABASE_URL": scratch_database, "DJANGO_SETTINGS_MODULE": "camo_site.settings"}
    result = subprocess.run(
        [sys.executable, "-c", MIGRATION_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["agreements"] == {"a1": "letter_of_intent", "a2": "tranche"}
    assert found["systems"] == {"s1": "mortar_carrier"}
    assert found["organizations"] == {"o1": "formation", "o2": "weird"}
    assert found["names"]["letter_of_intent"] == [
        "Lettre d’intention",
        "Intentieverklaring",
        "Letter of intent",
    ]
    assert found["names"]["memorandum_of_understanding"][0] == "Protocole d’accord"
    assert found["weird"] is True
    assert found["mortar"] == "Mortierdrager"


def test_only_editors_and_administrators_may_change_vocabularies():
    for vocabulary in (AgreementKind, SystemCategory, OrganizationKind):
        model = vocabulary._meta.model_name
        granted = {
            group.name: set(
                group.permissions.filter(content_type__model=model).values_list(
                    "codename", flat=True
                )
            )
            for group in Group.objects.all()
        }
        every = {f"{action}_{model}" for action in ("add", "change", "delete", "view")}
        assert granted["Editor"] == every
        assert granted["Administrator"] == every
        assert granted["Contributor"] == {f"view_{model}"}
