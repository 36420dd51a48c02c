"""The site's name and description come from its settings, set in the admin, in every language;
only Editors and Administrators change them; nobody adds a second row or deletes the one."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from partnership.models import Partnership, SiteSettings
from tests import factories

pytestmark = pytest.mark.django_db

TITLES = {"fr": "Registre Zêta", "nl": "Zeta-register", "en": "Zeta register"}


def head_of(client, path):
    html = client.get(path).content.decode()
    return {
        "title": re.search(r"<title>(.*?)</title>", html, re.S).group(1),
        "site_name": re.search(r'property="og:site_name" content="([^"]*)"', html).group(1),
        "brand": re.search(r'<a class="brand"[^>]*>(.*?)</a>', html, re.S).group(1),
        "description": re.search(r'<meta name="description" content="([^"]*)"', html).group(1),
    }


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
@pytest.mark.parametrize("page", ["home", "systems", "timeline"])
def test_every_page_is_named_after_the_settings_in_its_language(client, language, page):
    factories.site_settings(
        title=TITLES["fr"],
        title_nl=TITLES["nl"],
        title_en=TITLES["en"],
        description="Ce que le registre Zêta contient.",
        description_nl="Wat het Zeta-register bevat.",
        description_en="What the Zeta register holds.",
    )
    head = head_of(client, f"/{language}" + reverse(f"partnership:{page}")[3:])
    assert head["title"].endswith(f"— {TITLES[language]}")
    assert head["site_name"] == head["brand"] == TITLES[language]
    if page == "home":
        assert "Zeta" in head["description"] or "Zêta" in head["description"]


def test_a_missing_translation_falls_back_to_french(client):
    factories.site_settings(title="Registre Zêta", title_nl="", title_en="")
    assert head_of(client, "/nl/")["brand"] == "Registre Zêta"


def test_an_editor_renames_the_site_in_the_admin(client, editor):
    client.force_login(editor)
    path = reverse("admin:partnership_sitesettings_change", args=[1])
    form = client.get(path).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"title": TITLES["fr"], "title_nl": TITLES["nl"], "title_en": TITLES["en"]}
    data["featured_partnership"] = Partnership.objects.get(slug="camo").pk
    response = client.post(path, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert SiteSettings.current().title_nl == TITLES["nl"]
    assert head_of(client, "/en/")["brand"] == TITLES["en"]


def test_a_contributor_sees_but_cannot_change_the_settings(client, contributor):
    client.force_login(contributor)
    path = reverse("admin:partnership_sitesettings_change", args=[1])
    before = SiteSettings.current().title
    assert client.get(path).status_code == 200
    response = client.post(path, {"title": "Hijacked"})
    assert response.status_code == 403
    assert SiteSettings.current().title == before


def test_nobody_adds_a_second_row_or_deletes_the_one(admin_client):
    assert admin_client.get(reverse("admin:partnership_sitesettings_add")).status_code == 403
    delete = reverse("admin:partnership_sitesettings_delete", args=[1])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert SiteSettings.objects.count() == 1
    # Saved through the model, a second row is the same row.
    SiteSettings(title="Another").save()
    assert SiteSettings.objects.count() == 1


BEFORE, AFTER = (
    ("partnership", "0012_merge_0011a_throttle_cache_table_0011c_slug_history"),
    (
        "partnership",
        "0013_site_settings",
    ),
)


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_camo", [True, False], ids=["camo-database", "empty-database"])
def test_the_migration_keeps_an_existing_sites_name(with_camo):
    """A database that held CaMo before the settings existed keeps its name and features CaMo;
    a new one gets a name that is no partnership's."""
    try:
        old = migrate_to(BEFORE)
        old_partnership = old.get_model("partnership", "Partnership")
        old_partnership.objects.all().delete() if not with_camo else None
        if with_camo and not old_partnership.objects.filter(slug="camo").exists():
            old_partnership.objects.create(slug="camo", name="Capacité Motorisée")
        new = migrate_to(AFTER)
        settings = new.get_model("partnership", "SiteSettings").objects.get()
        if with_camo:
            assert settings.title_en == "CaMo knowledge base"
            assert settings.featured_partnership.slug == "camo"
        else:
            assert "CaMo" not in settings.title + settings.title_nl + settings.title_en
            assert settings.featured_partnership is None
    finally:
        migrate_to(next(iter(MigrationExecutor(connection).loader.graph.leaf_nodes("partnership"))))


def test_the_dataset_names_the_site_and_features_a_partnership(client):
    """site.yaml, loaded with the partnerships' folders, names the site and picks the partnership
    the home page presents first."""
    settings = SiteSettings.current()
    assert (settings.title, settings.title_nl, settings.title_en) == (
        "Base de connaissances CaMo",
        "CaMo-kennisbank",
        "CaMo knowledge base",
    )
    assert settings.featured_partnership.slug == "camo"


def test_an_unknown_key_in_the_site_settings_fails_the_load():
    from partnership.loading import DatasetError, Loader

    with pytest.raises(DatasetError, match=r"site\[0\]: unknown key\(s\) brand"):
        Loader({"site": {"title": "X", "brand": "Y"}}).run()
    assert SiteSettings.current().title == "Base de connaissances CaMo"
