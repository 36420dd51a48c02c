"""History with diffs and revert, recovery of deleted records, refused concurrent edits, lockout."""

import re

import pytest
import reversion
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape
from reversion.models import Version

from partnership.models import Citation, Delivery, Order, Status, System
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor-h", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return django_user_model.objects.get(pk=user.pk)


def system_form(client, record, **changes):
    """The system change form as the browser would send it back, with `changes` applied."""
    page = client.get(reverse("admin:partnership_system_change", args=[record.pk])).content.decode()
    loaded = re.search(r'name="loaded_at" value="([^"]*)"', page).group(1)
    data = {
        "slug": record.slug,
        "name": record.name,
        "category": record.category_id,
        "role": record.role,
        "status": record.status,
        "specifications": "{}",
        "loaded_at": loaded,
        "variants-TOTAL_FORMS": 0,
        "variants-INITIAL_FORMS": 0,
    }
    return data | factories.citations_inline_data(record) | changes


def save(client, record, data):
    return client.post(reverse("admin:partnership_system_change", args=[record.pk]), data)


@pytest.fixture
def record(editor):
    with reversion.create_revision():
        system = factories.system(role="Troop transport")
        factories.cite(system)
    return system


class TestHistory:
    def test_history_shows_who_changed_what(self, client, editor, record):
        client.force_login(editor)
        assert (
            save(client, record, system_form(client, record, role="Fire support")).status_code
            == 302
        )
        page = client.get(
            reverse("admin:partnership_system_history", args=[record.pk])
        ).content.decode()
        assert "editor-h" in page
        assert "Troop transport" in page and "Fire support" in page
        assert "<del>Troop transport</del>" in page

    def test_revert_to_an_earlier_version(self, client, editor, record):
        client.force_login(editor)
        save(client, record, system_form(client, record, role="Fire support"))
        first = Version.objects.get_for_object(record).order_by("pk").first()
        url = reverse("admin:partnership_system_revision", args=[record.pk, first.pk])
        form = client.get(url)
        assert form.status_code == 200
        data = system_form(client, record, role="Troop transport")
        data["loaded_at"] = re.search(
            r'name="loaded_at" value="([^"]*)"', form.content.decode()
        ).group(1)
        assert client.post(url, data).status_code == 302
        record.refresh_from_db()
        assert record.role == "Troop transport"

    def test_api_writes_are_in_the_history(self, editor):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(editor)
        response = api.post(
            "/api/v1/systems/",
            {"slug": "api-made", "name": "API made", "category": "other"},
            format="json",
        )
        assert response.status_code == 201
        version = Version.objects.get_for_object(System.objects.get(slug="api-made")).get()
        assert version.revision.user == editor


def form_data(form):
    """What the browser would send back for an untouched form (its initial values)."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        key = form.add_prefix(name)
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, bool):
            if value:
                data[key] = "on"
            continue
        data[key] = value
    return data


class TestRecoverDeleted:
    def test_a_deleted_order_comes_back_with_its_deliveries_and_citations(
        self, client, django_user_model
    ):
        admin_user = django_user_model.objects.create_superuser("root-h", "root@example.org", "pw")
        with reversion.create_revision():
            order = factories.order(quantity=10)
            factories.cite(order)
            for quantity in (2, 3):
                delivery = factories.delivery(order=order, quantity=quantity)
                factories.cite(delivery)
            order.save()
        order_pk, slug, name = order.pk, order.slug, str(order)
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:partnership_order_delete", args=[order_pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not Order.objects.filter(pk=order_pk).exists()
        desk = client.get(reverse("admin:index")).content.decode()
        assert "Recently deleted" in desk and "root-h" in desk
        recover_list = client.get(reverse("admin:partnership_order_recoverlist")).content.decode()
        assert escape(name) in recover_list
        version = Version.objects.get_deleted(Order).get(object_id=str(order_pk))
        url = reverse("admin:partnership_order_recover", args=[version.pk])
        page = client.get(url)
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
        response = client.post(url, data)
        assert response.status_code == 302, (
            response.context["adminform"].form.errors if response.context else response
        )
        restored = Order.objects.get(pk=order_pk)
        assert restored.slug == slug
        assert sorted(
            Delivery.objects.filter(order=restored).values_list("quantity", flat=True)
        ) == [2, 3]
        assert Citation.objects.filter(object_id=order_pk, content_type__model="order").exists()


class TestConcurrentEdits:
    def test_saving_over_someone_elses_change_is_refused_and_explained(
        self, client, editor, record, django_user_model
    ):
        other = django_user_model.objects.create_user("other-editor", password="pw", is_staff=True)
        other.groups.add(Group.objects.get(name="Editor"))
        client.force_login(editor)
        mine = system_form(client, record, role="My version")
        client.force_login(other)
        assert (
            save(client, record, system_form(client, record, role="Their version")).status_code
            == 302
        )
        client.force_login(editor)
        response = save(client, record, mine)
        assert response.status_code == 200
        page = response.content.decode()
        assert "changed this record after you opened it" in page
        assert "other-editor" in page
        assert "Their version" in page
        record.refresh_from_db()
        assert record.role == "Their version"


class TestLogin:
    def test_repeated_failures_lock_the_account(self, client, django_user_model):
        django_user_model.objects.create_user(
            "victim", password="right-password-123", is_staff=True
        )
        login = reverse("admin:login")
        statuses = [
            client.post(login, {"username": "victim", "password": "wrong"}).status_code
            for _ in range(settings.AXES_FAILURE_LIMIT)
        ]
        assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
        locked = client.post(login, {"username": "victim", "password": "right-password-123"})
        assert locked.status_code == 429
        assert "Too many failed sign-in attempts" in locked.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_good_password_before_the_limit_still_works(self, client, django_user_model):
        django_user_model.objects.create_user(
            "careful", password="right-password-123", is_staff=True
        )
        login = reverse("admin:login")
        client.post(login, {"username": "careful", "password": "wrong"})
        response = client.post(
            login, {"username": "careful", "password": "right-password-123", "next": "/admin/"}
        )
        assert response.status_code == 302

    def test_staff_sessions_expire(self, client, django_user_model):
        django_user_model.objects.create_user("timed", password="right-password-123", is_staff=True)
        response = client.post(
            reverse("admin:login"),
            {"username": "timed", "password": "right-password-123", "next": "/admin/"},
        )
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["max-age"] == ""  # a browser-session cookie: gone when the browser closes
        assert client.session.get_expiry_age() <= 8 * 3600


class TestEditorsDesk:
    def test_the_admin_home_lists_review_scheduled_and_unsourced(
        self, client, editor, django_assert_max_num_queries
    ):
        factories.system(name="Awaiting system", status=Status.REVIEW)
        factories.organization(name="Unsourced unit", status=Status.DRAFT)
        client.force_login(editor)
        with django_assert_max_num_queries(60):
            page = client.get(reverse("admin:index")).content.decode()
        assert "Awaiting system" in page
        assert "Unsourced unit" in page
        assert "Editor&#x27;s desk" in page or "Editor's desk" in page
