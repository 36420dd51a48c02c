"""An article's links to records: chosen by name among the public record types, never a bare id.

The autocomplete endpoint (select2's JSON), the form's refusals (forged types, missing records,
duplicates), permissions, and query counts that do not grow with links or results.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnership.admin.links import MAX_PAGE, MAX_TERM_LENGTH, PAGE_SIZE
from partnership.models import RECORD_TYPES, Article, ArticleLink, Status, System
from tests import factories

pytestmark = pytest.mark.django_db

RECORDS = reverse("admin:partnership_articlelink_records")
INLINE = "links"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def griffon():
    return System.objects.get(slug="griffon")


def staff_with(django_user_model, *codenames):
    user = django_user_model.objects.create_user(
        f"staff-{factories.n()}", password="pw", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnership", codename__in=codenames)
    )
    return django_user_model.objects.get(pk=user.pk)


def search(client, **params):
    response = client.get(RECORDS, params)
    assert response.status_code == 200, response.content
    return response.json()


def change_url(article):
    return reverse("admin:partnership_article_change", args=[article.pk])


def form_data(form) -> dict:
    """What the browser sends back for an untouched form."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [getattr(v, "pk", v) for v in value]
        else:
            data[bound.html_name] = getattr(value, "pk", value)
    return data


def change_form_data(client, article) -> dict:
    """The article's change form as the browser would send it back, unchanged."""
    page = client.get(change_url(article))
    assert page.status_code == 200
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= {
            f"{formset.prefix}-TOTAL_FORMS": len(formset.forms),
            f"{formset.prefix}-INITIAL_FORMS": formset.initial_form_count(),
        }
        for form in formset.forms:
            data |= form_data(form)
    return data


def with_new_links(data, *records, kind="about") -> dict:
    """`data` plus one new inline row per record value ("system:4")."""
    start = int(data[f"{INLINE}-TOTAL_FORMS"])
    for offset, record in enumerate(records):
        data |= {
            f"{INLINE}-{start + offset}-kind": kind,
            f"{INLINE}-{start + offset}-record": record,
        }
    data[f"{INLINE}-TOTAL_FORMS"] = start + len(records)
    return data


def errors_of(response) -> str:
    """Every error the admin shows on the page, as text."""
    assert response.status_code == 200, "expected the form again, with its errors"
    messages = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        messages += [str(inline.formset.non_form_errors())]
        messages += [str(errors) for errors in inline.formset.errors]
    return " ".join(messages)


def draft_article(**kwargs):
    # A draft needs no citation to be saved, so the tests only deal with links.
    return factories.article(status=Status.DRAFT, **kwargs)


# The autocomplete endpoint -------------------------------------------------------------------


class TestAutocomplete:
    def test_typing_griff_offers_the_griffon_labelled_with_its_type(self, editor_client, griffon):
        answer = search(editor_client, term="Griff")
        assert answer["results"][0] == {"id": f"system:{griffon.pk}", "text": "System: Griffon"}
        labels = [result["text"] for result in answer["results"]]
        assert "System: Griffon MEPAC" in labels
        # Orders are found by their system's name, and named as the site names them.
        assert any(label.startswith("Order: Belgium: 382 × Griffon") for label in labels)
        assert answer["pagination"] == {"more": False}

    def test_names_are_found_in_each_language_and_shown_in_the_users(self, client, editor):
        factories.system(name="Zéphyr léger", name_nl="Lichte Zefier", name_en="Zephyr light tank")
        client.force_login(editor)
        for term in ("zéphyr", "zefier", "zephyr tank"):
            labels = [r["text"] for r in search(client, term=term)["results"]]
            assert labels == ["System: Zephyr light tank"], term
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
        labels = [r["text"] for r in search(client, term="zephyr")["results"]]
        assert labels == ["Systeem: Lichte Zefier"]

    def test_organizations_are_named_with_their_short_name_once(self, editor_client):
        factories.organization(name="Direction des essais", short_name="DE7")
        factories.organization(name="Groupement d'essai (GE9)", short_name="GE9")
        labels = [r["text"] for r in search(editor_client, term="essai")["results"]]
        assert labels == [
            "Organization: Direction des essais (DE7)",
            "Organization: Groupement d'essai (GE9)",
        ]

    def test_a_record_is_found_by_its_slug_and_every_word_must_match(self, editor_client):
        organization = factories.organization(name="Bataillon de reconnaissance", slug="bat-rec-7")
        found = search(editor_client, term="bat-rec-7")["results"]
        assert found == [
            {"id": f"organization:{organization.pk}", "text": f"Organization: {organization}"}
        ]
        assert search(editor_client, term="reconnaissance bat-rec")["results"] == found
        assert search(editor_client, term="reconnaissance zzz")["results"] == []

    def test_every_record_of_every_public_type_once_a_page_at_a_time(self, editor_client):
        expected = sum(model.objects.count() for model in RECORD_TYPES.values())
        seen, page = [], 1
        while True:
            answer = search(editor_client, term="", page=page)
            assert len(answer["results"]) <= PAGE_SIZE
            seen += [result["id"] for result in answer["results"]]
            if not answer["pagination"]["more"]:
                break
            assert len(answer["results"]) == PAGE_SIZE
            page += 1
        assert len(seen) == len(set(seen)) == expected > PAGE_SIZE
        assert {value.partition(":")[0] for value in seen} == set(RECORD_TYPES)

    def test_a_page_past_the_end_is_empty(self, editor_client):
        assert search(editor_client, term="Griff", page=50) == {
            "results": [],
            "pagination": {"more": False},
        }

    def test_select2s_extra_parameters_are_ignored(self, editor_client, griffon):
        answer = search(editor_client, term="Griffon", app_label="", model_name="", field_name="")
        assert answer["results"][0]["id"] == f"system:{griffon.pk}"

    @pytest.mark.parametrize(
        "params, message",
        [
            ({"page": "abc"}, "“page” must be a whole number"),
            ({"page": "0"}, "“page” must be a whole number"),
            ({"page": "-1"}, "“page” must be a whole number"),
            ({"page": "1.5"}, "“page” must be a whole number"),
            ({"page": str(MAX_PAGE + 1)}, "“page” must be a whole number"),
            ({"page": "9" * 40}, "“page” must be a whole number"),
            ({"term": "x" * (MAX_TERM_LENGTH + 1)}, "“term” must be at most"),
            ({"term": "gri\x00ff"}, "“term” must not contain a null character"),
        ],
    )
    def test_bad_parameters_answer_400_with_a_reason(self, editor_client, params, message):
        response = editor_client.get(RECORDS, params)
        assert response.status_code == 400
        assert message in response.json()["error"]

    def test_only_get(self, editor_client):
        assert editor_client.post(RECORDS, {"term": "Griff"}).status_code == 405


class TestAutocompletePermissions:
    def test_anonymous_visitors_are_sent_to_the_login_page(self, client):
        response = client.get(RECORDS, {"term": "Griff"})
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_signed_in_readers_who_are_not_staff_are_sent_to_the_login_page(
        self, client, django_user_model
    ):
        reader = django_user_model.objects.create_user("reader-links", password="pw")
        client.force_login(reader)
        response = client.get(RECORDS, {"term": "Griff"})
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_staff_who_may_view_no_record_type_are_refused(self, client, django_user_model):
        client.force_login(staff_with(django_user_model, "view_tag", "change_articlelink"))
        response = client.get(RECORDS, {"term": "Griff"})
        assert response.status_code == 403
        assert response.json()["error"] == "You may not view any record type."

    def test_staff_see_only_the_types_they_may_view(self, client, django_user_model, griffon):
        client.force_login(staff_with(django_user_model, "view_system"))
        ids = [r["id"] for r in search(client, term="Griff")["results"]]
        assert f"system:{griffon.pk}" in ids
        assert {value.partition(":")[0] for value in ids} == {"system"}  # no orders
        # A change permission lets one view, as everywhere in the admin.
        client.force_login(staff_with(django_user_model, "change_order"))
        ids = [r["id"] for r in search(client, term="Griff")["results"]]
        assert ids and {value.partition(":")[0] for value in ids} == {"order"}

    def test_a_contributor_may_search(self, client, django_user_model, griffon):
        client.force_login(factories.staff("Contributor"))
        assert search(client, term="Griffon")["results"][0]["id"] == f"system:{griffon.pk}"


class TestAutocompleteQueries:
    def count(self, client, **params):
        with CaptureQueriesContext(connection) as queries:
            answer = search(client, **params)
        return len(queries), answer

    def test_a_full_page_of_many_types_costs_what_two_results_cost(self, editor_client):
        factories.person(name="Quokka Unique")
        search(editor_client, term="")  # warm the content type cache
        few, answer = self.count(editor_client, term="quokka")
        assert len(answer["results"]) == 1
        many, answer = self.count(editor_client, term="", page=2)
        assert len(answer["results"]) == PAGE_SIZE
        assert len({r["id"].partition(":")[0] for r in answer["results"]}) >= 2
        orders, answer = self.count(editor_client, term="Griff")
        assert len(answer["results"]) > 5
        assert few == many == orders
        # Session, user, the user's and the group's permissions, then one query for the page.
        assert many <= 5


# The form ------------------------------------------------------------------------------------


class TestChangePage:
    def test_the_current_record_is_shown_by_its_name_not_its_id(self, editor_client, griffon):
        article = draft_article()
        factories.article_link(article=article, target=griffon)
        html = editor_client.get(change_url(article)).content.decode()
        assert f'<option value="system:{griffon.pk}" selected>System: Griffon</option>' in html
        assert 'name="links-0-content_type"' not in html
        assert 'name="links-0-object_id"' not in html

    def test_the_record_field_is_an_admin_autocomplete_on_the_records_endpoint(self, editor_client):
        html = editor_client.get(change_url(draft_article())).content.decode()
        assert f'data-ajax--url="{RECORDS}"' in html
        assert "admin-autocomplete" in html
        assert "admin/js/autocomplete.js" in html
        assert "admin/js/vendor/select2/select2.full" in html
        # No content type select listing users, sessions...
        assert "lockout" not in html.lower()
        assert ">auth | user<" not in html.lower()

    def test_a_saved_row_links_to_its_records_admin_page(self, editor_client, griffon):
        article = draft_article()
        factories.article_link(article=article, target=griffon)
        html = editor_client.get(change_url(article)).content.decode()
        page = reverse("admin:partnership_system_change", args=[griffon.pk])
        assert f'<a href="{page}">System: Griffon</a>' in html

    def test_the_same_record_again_is_refused_in_the_articles_form(self, editor_client, griffon):
        article = draft_article()
        factories.article_link(article=article, target=griffon)
        data = with_new_links(change_form_data(editor_client, article), f"system:{griffon.pk}")
        response = editor_client.post(change_url(article), data)
        assert "This article already links to this record." in errors_of(response)
        assert article.links.count() == 1

    def test_a_link_whose_record_was_deleted_says_so(self, editor_client):
        article = draft_article()
        system = factories.system(name="Short-lived")
        factories.article_link(article=article, target=system)
        pk = system.pk
        System.objects.filter(pk=pk).delete()
        html = editor_client.get(change_url(article)).content.decode()
        assert f"Unknown record (system:{pk})" in html

    def test_read_only_rows_show_the_record_by_name(self, client, django_user_model, griffon):
        article = draft_article()
        factories.article_link(article=article, target=griffon)
        client.force_login(
            staff_with(django_user_model, "view_article", "view_articlelink", "view_system")
        )
        response = client.get(change_url(article))
        assert response.status_code == 200
        html = response.content.decode()
        cell = re.search(r'<td class="field-record">\s*<p>(.*?)</p>', html)
        assert cell and cell.group(1) == "System: Griffon"
        assert 'name="links-0-record"' not in html

    def test_the_link_admin_shows_the_record_by_name(self, editor_client, griffon):
        link = factories.article_link(article=draft_article(), target=griffon)
        url = reverse("admin:partnership_articlelink_change", args=[link.pk])
        html = editor_client.get(url).content.decode()
        assert f'<option value="system:{griffon.pk}" selected>System: Griffon</option>' in html

    def test_the_link_list_filters_only_by_the_types_linked(self, editor_client):
        factories.article_link(article=draft_article())
        html = editor_client.get(reverse("admin:partnership_articlelink_changelist")).content
        assert b"content_type__id__exact" in html
        assert b"lockout" not in html.lower()
        assert b"session" not in html.lower()


class TestSavingLinks:
    def test_a_record_chosen_by_name_is_stored_as_its_type_and_id(self, editor_client, griffon):
        article = draft_article()
        data = with_new_links(change_form_data(editor_client, article), f"system:{griffon.pk}")
        response = editor_client.post(change_url(article), data)
        assert response.status_code == 302, errors_of(response)
        link = ArticleLink.objects.get(article=article)
        assert link.target == griffon
        assert link.content_type == ContentType.objects.get_for_model(System)

    def test_changing_a_links_record_and_saving_untouched_rows(self, editor_client, griffon):
        article = draft_article()
        jaguar = System.objects.get(slug="jaguar")
        factories.article_link(article=article, target=griffon)
        kept = factories.article_link(article=article, target=factories.person())
        data = change_form_data(editor_client, article)
        row = next(k for k, v in data.items() if v == f"system:{griffon.pk}")
        data[row] = f"system:{jaguar.pk}"
        response = editor_client.post(change_url(article), data)
        assert response.status_code == 302, errors_of(response)
        assert {link.target for link in article.links.all()} == {jaguar, kept.target}

    @pytest.mark.parametrize(
        "value, message",
        [
            ("user:1", "Records of this type cannot be linked"),
            ("auth.user:1", "Records of this type cannot be linked"),
            ("citation:1", "Records of this type cannot be linked"),
            ("tag:1", "Records of this type cannot be linked"),
            ("system:999999999", "This record does not exist"),
            ("system:abc", "Choose a record from the list"),
            ("system:", "Choose a record from the list"),
            ("system:0", "Choose a record from the list"),
            ("system:-3", "Choose a record from the list"),
            ("system:" + "9" * 30, "Choose a record from the list"),
        ],
    )
    def test_forged_or_missing_records_are_refused(self, editor_client, value, message):
        article = draft_article()
        data = with_new_links(change_form_data(editor_client, article), value)
        response = editor_client.post(change_url(article), data)
        assert message in errors_of(response)
        assert not ArticleLink.objects.filter(article=article).exists()

    def test_a_forged_content_type_id_is_refused(self, editor_client):
        """The record type of a user account, by its content type id, as the old form took it."""
        article = draft_article()
        user_type = ContentType.objects.get(app_label="auth", model="user")
        data = with_new_links(change_form_data(editor_client, article), f"{user_type.pk}:1")
        data |= {f"{INLINE}-0-content_type": user_type.pk, f"{INLINE}-0-object_id": 1}
        response = editor_client.post(change_url(article), data)
        assert "Records of this type cannot be linked" in errors_of(response)
        assert not ArticleLink.objects.filter(article=article).exists()

    def test_the_old_fields_alone_link_nothing(self, editor_client):
        article = draft_article()
        user_type = ContentType.objects.get(app_label="auth", model="user")
        data = change_form_data(editor_client, article)
        data |= {
            f"{INLINE}-TOTAL_FORMS": 1,
            f"{INLINE}-0-kind": "mentions",
            f"{INLINE}-0-content_type": user_type.pk,
            f"{INLINE}-0-object_id": 1,
        }
        response = editor_client.post(change_url(article), data)
        assert "This field is required" in errors_of(response)
        assert not ArticleLink.objects.filter(article=article).exists()

    def test_a_type_the_user_may_not_view_is_refused(self, client, django_user_model, griffon):
        user = staff_with(
            django_user_model,
            "view_article",
            "change_article",
            "view_articlelink",
            "add_articlelink",
            "change_articlelink",
            "view_system",
        )
        article = draft_article()
        client.force_login(user)
        person = factories.person()
        data = with_new_links(change_form_data(client, article), f"person:{person.pk}")
        response = client.post(change_url(article), data)
        errors = errors_of(response)
        assert "Records of this type cannot be linked. Choose one of: System, Article." in errors
        data[f"{INLINE}-0-record"] = f"system:{griffon.pk}"
        response = client.post(change_url(article), data)
        assert response.status_code == 302, errors_of(response)
        assert [link.target for link in article.links.all()] == [griffon]

    def test_the_same_record_twice_in_one_form_is_refused(self, editor_client, griffon):
        article = draft_article()
        value = f"system:{griffon.pk}"
        data = with_new_links(change_form_data(editor_client, article), value, value)
        response = editor_client.post(change_url(article), data)
        assert "A record can be linked only once: remove the repeated rows." in errors_of(response)
        assert not ArticleLink.objects.filter(article=article).exists()

    def test_the_link_admin_refuses_a_second_link_to_the_same_record(self, editor_client, griffon):
        article = draft_article()
        factories.article_link(article=article, target=griffon)
        add = reverse("admin:partnership_articlelink_add")
        data = {"article": article.pk, "kind": "mentions", "record": f"system:{griffon.pk}"}
        response = editor_client.post(add, data)
        assert response.status_code == 200
        assert "This article already links to this record." in str(
            response.context["adminform"].form.errors
        )
        assert article.links.count() == 1
        data["record"] = "user:1"
        response = editor_client.post(add, data)
        assert "Records of this type cannot be linked" in str(
            response.context["adminform"].form.errors
        )
        jaguar = System.objects.get(slug="jaguar")
        data["record"] = f"system:{jaguar.pk}"
        assert editor_client.post(add, data).status_code == 302
        assert article.links.get(kind="mentions").target == jaguar


# Query counts --------------------------------------------------------------------------------


TARGETS = [
    factories.system,
    factories.person,
    factories.organization,
    factories.country,
    factories.programme,
    factories.activity,
]


class TestChangePageQueries:
    def count(self, client, article):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(change_url(article))
        assert response.status_code == 200
        return len(queries), response

    def test_two_or_six_links_of_six_types_cost_the_same(self, editor_client):
        article = draft_article()
        for make in TARGETS[:2]:
            factories.article_link(article=article, target=make())
        self.count(editor_client, article)  # warm the content type cache
        few, _response = self.count(editor_client, article)
        for make in TARGETS[2:]:
            factories.article_link(article=article, target=make())
        many, response = self.count(editor_client, article)
        html = response.content.decode()
        assert html.count("selected>Country: ") == 1 and html.count("selected>Person: ") == 1
        assert many == few

    def test_saving_six_links_costs_what_saving_two_costs(self, editor_client):
        def save(count):
            article = draft_article()
            data = change_form_data(editor_client, article)
            values = [f"{factory.__name__}:{factory().pk}" for factory in TARGETS[:count]]
            data = with_new_links(data, *values)
            with CaptureQueriesContext(connection) as queries:
                response = editor_client.post(change_url(article), data)
            assert response.status_code == 302, errors_of(response)
            assert article.links.count() == count
            return queries

        save(2)
        two, six = save(2), save(6)
        # Each new row is inserted, checked for a duplicate and recorded in the history: a few
        # queries per row, never one more to find or name its record.
        per_row = (len(six) - len(two)) / 4
        assert per_row <= 4, [q["sql"] for q in six.captured_queries]

    def test_the_article_page_stays_within_the_admin_budget(self, editor_client):
        article = draft_article()
        for make in TARGETS:
            factories.article_link(article=article, target=make())
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(change_url(article)).status_code == 200
        assert len(queries) <= 25


def test_an_untouched_article_with_links_saves_unchanged(editor_client, griffon):
    article = draft_article()
    factories.article_link(article=article, target=griffon, kind="mentions")
    response = editor_client.post(change_url(article), change_form_data(editor_client, article))
    assert response.status_code == 302, errors_of(response)
    link = Article.objects.get(pk=article.pk).links.get()
    assert (link.target, link.kind) == (griffon, "mentions")
