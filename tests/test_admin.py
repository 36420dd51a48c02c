"""Every admin page opens for a superuser, within a query budget that does not grow with rows."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericInlineModelAdmin
from django.db import connection
from django.forms.models import _get_foreign_key
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnership.admin.inlines import CitationInline
from partnership.models import Delivery, Order, Organization, Proposal, SiteSettings
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "partnership"),
    key=lambda model: model._meta.model_name,
)
BUDGET = 15


def url(model, view, *args):
    return reverse(f"admin:partnership_{model._meta.model_name}_{view}", args=args)


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return len(queries)


def test_every_model_has_an_admin():
    from django.apps import apps

    assert set(apps.get_app_config("partnership").get_models()) == set(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_on_the_dataset_within_budget(model, admin_client):
    assert count_queries(admin_client, url(model, "changelist")) <= BUDGET


# The site's settings are one row: it cannot grow, be added or be deleted.
SINGLETONS = [SiteSettings]


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m not in SINGLETONS], ids=lambda m: m._meta.model_name
)
def test_changelist_queries_do_not_grow_with_rows(model, admin_client):
    rows = [factories.make(model) for _ in range(2)]
    few = count_queries(
        admin_client, url(model, "changelist") + "?id__in=" + ",".join(str(r.pk) for r in rows)
    )
    rows += [factories.make(model) for _ in range(3)]
    many_path = url(model, "changelist") + "?id__in=" + ",".join(str(r.pk) for r in rows)
    response = admin_client.get(many_path)
    assert response.context["cl"].result_count == 5
    assert count_queries(admin_client, many_path) == few


# Proposed changes are made by editing records, never added by hand.
ADDABLE = [model for model in MODELS if model not in (Proposal, *SINGLETONS)]


@pytest.mark.parametrize("model", [Proposal, *SINGLETONS], ids=lambda m: m._meta.model_name)
def test_proposals_and_the_site_settings_cannot_be_added_by_hand(model, admin_client):
    assert admin_client.get(url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", ADDABLE, ids=lambda m: m._meta.model_name)
def test_add_form_opens_within_budget(model, admin_client):
    assert count_queries(admin_client, url(model, "add")) <= BUDGET


def add_inline_rows(model_admin, record, count):
    for inline in [
        *model_admin.inlines,
        *([CitationInline] if hasattr(record, "citations") else []),
    ]:
        for _ in range(count):
            if issubclass(inline, GenericInlineModelAdmin):
                factories.cite(record)
            else:
                fk = _get_foreign_key(
                    type(record), inline.model, fk_name=getattr(inline, "fk_name", None)
                )
                factories.make(inline.model, **{fk.name: record})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_change_form_queries_do_not_grow_with_inline_rows(model, admin_client):
    model_admin = admin.site._registry[model]
    record = factories.make(model)
    add_inline_rows(model_admin, record, 1)
    # Once before counting: what the first page view caches (e.g. a record without inline rows
    # to add, whose second view would otherwise find it cached) is not counted against it.
    admin_client.get(url(model, "change", record.pk))
    few = count_queries(admin_client, url(model, "change", record.pk))
    add_inline_rows(model_admin, record, 3)
    assert count_queries(admin_client, url(model, "change", record.pk)) == few
    # A proposal's page works out what publishing it would change (applied, then rolled back).
    # One query per inline formset beyond the two (claims, citations) every record form has,
    # and one per many-to-many field (its current values: an order's partnerships).
    inlines = len(model_admin.get_inlines(None, record))
    many = len(model._meta.many_to_many)
    # (31: applying checks that each record it points to still exists, the term of its
    # vocabulary included.)
    assert few <= (31 if model is Proposal else BUDGET + max(0, inlines - 2) + many)


def test_the_dataset_change_forms_open(admin_client):
    griffon_order = Order.objects.get(slug="be-griffon-camo-1")
    response = admin_client.get(url(Order, "change", griffon_order.pk))
    assert response.status_code == 200
    assert b"382" in response.content


def test_admin_is_staff_only(client, django_user_model):
    django_user_model.objects.create_user("reader", password="pw-for-tests-only")
    client.force_login(django_user_model.objects.get(username="reader"))
    response = client.get(url(Organization, "changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_inline_deliveries_adding_up_above_the_order_are_refused(admin_client):
    order = factories.order(quantity=5)
    data = {
        "slug": order.slug,
        "buyer": order.buyer_id,
        "system": order.system_id,
        "quantity": 5,
        "order_status": "ordered",
        "currency": "EUR",
        "status": "published",
        "ordered_on": "2020-01-01",
        "ordered_on_precision": 4,
        "deliveries-TOTAL_FORMS": 2,
        "deliveries-INITIAL_FORMS": 0,
        "deliveries-0-delivered_on": "2021-01-01",
        "deliveries-0-delivered_on_precision": 4,
        "deliveries-0-quantity": 3,
        "deliveries-1-delivered_on": "2021-02-01",
        "deliveries-1-delivered_on_precision": 4,
        "deliveries-1-quantity": 3,
        "partnership-citation-content_type-object_id-TOTAL_FORMS": 0,
        "partnership-citation-content_type-object_id-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url(Order, "change", order.pk), data)
    assert response.status_code == 200
    assert "more than the 5 ordered" in response.content.decode()
    assert not Delivery.objects.filter(order=order).exists()
