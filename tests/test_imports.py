"""Import and export of orders, deliveries, activities and participations in the admin."""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from import_export.forms import SelectableFieldsExportForm
from tablib import Dataset

from partnership.dates import PartialDate, Precision
from partnership.models import Activity, Delivery, Order, Participation, Status
from partnership.resources import DeliveryResource, OrderResource
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [Order, Delivery, Activity, Participation]
BUDGET = 8  # import and export pages open in 2 to 5 queries today
CSV_FORMAT, XLSX_FORMAT = "0", "1"
DELIVERY_HEADER = ["order", "delivered", "quantity", "recipient", "summary"]


def url(model, view):
    return reverse(f"admin:partnership_{model._meta.model_name}_{view}")


def resource_class(model):
    return admin.site._registry[model].resource_classes[0]


@pytest.fixture
def client_en(admin_client):
    """A superuser's client, with the admin in English so that messages can be checked."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def contributor(client, django_user_model):
    user = django_user_model.objects.create_user(
        "contributor", password="pw-for-tests-only", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Contributor"))
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def csv_upload(header, rows, name="import.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def post_import(client, model, upload, file_format=CSV_FORMAT):
    """The first step: django-import-export 4's ImportForm (resource, import_file, format)."""
    return client.post(
        url(model, "import"), {"resource": "0", "format": file_format, "import_file": upload}
    )


def confirm(client, model, preview):
    """The second step: ConfirmImportForm's hidden fields, POSTed to process_import."""
    form = preview.context["confirm_form"]
    data = {
        name: form.initial[name]
        for name in ("import_file_name", "original_file_name", "format", "resource")
    }
    return client.post(url(model, "process_import"), data)


def export(client, model, file_format=CSV_FORMAT, query=""):
    """The export form: resource, format and one checkbox per field (all ticked)."""
    resource = resource_class(model)
    data = {"resource": "0", "format": file_format}
    for name in resource().get_export_order():
        data[SelectableFieldsExportForm.create_boolean_field_name(resource, name)] = "on"
    response = client.post(url(model, "export") + query, data)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# Pages -------------------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def assert_csp_safe(response):
    assert "Content-Security-Policy" in response
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group()
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group()
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group()


@pytest.mark.parametrize("view", ["import", "export"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_import_and_export_pages_open_within_budget(model, view, admin_client):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url(model, view))
    assert response.status_code == 200
    assert len(queries) <= BUDGET
    assert_csp_safe(response)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_links_to_import_and_export_with_its_filters(model, admin_client):
    response = admin_client.get(url(model, "changelist") + "?q=x")
    html = response.content.decode()
    assert url(model, "import") in html
    assert url(model, "export") + "?q=x" in html


def test_import_preview_is_csp_safe(client_en):
    order = factories.order(quantity=10)
    preview = post_import(
        client_en, Delivery, csv_upload(DELIVERY_HEADER, [[order.slug, "2024-03", 2, "", "New"]])
    )
    assert preview.context["confirm_form"]
    assert "<ins>" in preview.content.decode()
    assert_csp_safe(preview)


def test_import_needs_add_and_change_permissions(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_delivery"))
    client.force_login(user)
    assert client.get(url(Delivery, "import")).status_code == 403
    assert client.get(url(Delivery, "export")).status_code == 200


# Export ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_export_then_reimport_changes_nothing(model, admin_client):
    # In the site's default language (French), as most curators will run it.
    client = admin_client
    before = model.objects.count()
    exported = export(client, model)
    rows = read_csv(exported)
    assert len(rows) == before

    preview = post_import(client, model, SimpleUploadedFile("same.csv", exported.content))
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} <= {"skip", "update"}
    assert result.totals["new"] == result.totals["delete"] == 0

    done = confirm(client, model, preview)
    assert done.status_code == 302
    assert model.objects.count() == before


def test_xlsx_export_opens_with_openpyxl_and_reimports_unchanged(client_en):
    exported = export(client_en, Order, XLSX_FORMAT)
    workbook = openpyxl.load_workbook(io.BytesIO(exported.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == OrderResource().get_export_headers()
    assert {"slug", "buyer", "system", "ordered", "status"} <= set(rows[0])
    assert len(rows) == Order.objects.count() + 1
    griffon = next(row for row in rows if row[0] == "be-griffon-camo-1")
    assert griffon[rows[0].index("buyer")] == "BE"
    assert griffon[rows[0].index("quantity")] == 382

    preview = post_import(
        client_en, Order, SimpleUploadedFile("orders.xlsx", exported.content), XLSX_FORMAT
    )
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}


def test_export_follows_the_changelist_filters(client_en):
    order = factories.order()
    rows = read_csv(export(client_en, Order, query=f"?buyer__id__exact={order.buyer_id}"))
    assert [row["slug"] for row in rows] == [order.slug]
    assert rows[0]["buyer"] == order.buyer.code


def test_export_is_the_same_whatever_the_admin_language(admin_client):
    order = factories.order(amount=Decimal("1234567.50"), quantity=1500)
    query = f"?buyer__id__exact={order.buyer_id}"
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    [french] = read_csv(export(admin_client, Order, query=query))
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    [english] = read_csv(export(admin_client, Order, query=query))
    assert french == english
    assert (french["amount"], french["quantity"]) == ("1234567.50", "1500")


def test_export_queries_do_not_grow_with_rows(admin_client):
    def count(deliveries):
        query = "?id__in=" + ",".join(str(d.pk) for d in deliveries)
        with CaptureQueriesContext(connection) as queries:
            assert len(read_csv(export(admin_client, Delivery, query=query))) == len(deliveries)
        return len(queries)

    deliveries = [factories.delivery() for _ in range(2)]
    few = count(deliveries)
    deliveries += [factories.delivery() for _ in range(3)]
    assert count(deliveries) == few


# Import ------------------------------------------------------------------------------------------


def test_bad_row_is_reported_with_its_number_and_nothing_is_added(client_en):
    order = factories.order(quantity=10)
    before = Delivery.objects.count()
    upload = csv_upload(
        DELIVERY_HEADER,
        [
            [order.slug, "2024-01-10", 3, "", ""],
            [order.slug, "2024-02", 3, "", ""],
            ["no-such-order", "2024-03", 1, "", ""],
            [order.slug, "2024", 3, "", ""],
        ],
    )
    response = post_import(client_en, Delivery, upload)
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [3]
    assert result.invalid_rows[0].field_specific_errors == {
        "order": ["No order has the slug “no-such-order”."]
    }
    html = response.content.decode()
    assert "No order has the slug “no-such-order”." in html
    assert "<td>3 </td>" in html
    assert Delivery.objects.count() == before


def test_deliveries_exceeding_the_order_are_refused(client_en):
    order = factories.order(quantity=10)
    upload = csv_upload(
        DELIVERY_HEADER,
        [[order.slug, f"2024-0{month}", 3, "", ""] for month in (1, 2, 3)]
        + [[order.slug, "2024-04", 5, "", ""]],
    )
    response = post_import(client_en, Delivery, upload)
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [4]
    assert result.invalid_rows[0].non_field_specific_errors == [
        "Deliveries would add up to 14, more than the 10 ordered."
    ]
    assert "more than the 10 ordered" in response.content.decode()
    assert not order.deliveries.exists()


def test_valid_import_creates_the_rows_after_the_confirm_step(client_en):
    order = factories.order(quantity=10)
    recipient = factories.organization()
    upload = csv_upload(
        DELIVERY_HEADER,
        [
            [order.slug, "2024-01-10", 3, recipient.slug, "First batch"],
            [order.slug, "2024-02", 3, "", ""],
            [order.slug, "2024", "", "", ""],
        ],
    )
    preview = post_import(client_en, Delivery, upload)
    assert preview.status_code == 200
    assert [row.import_type for row in preview.context["result"].rows] == ["new"] * 3
    assert not order.deliveries.exists()  # the preview is a dry run

    done = confirm(client_en, Delivery, preview)
    assert done.status_code == 302
    assert done["Location"] == url(Delivery, "changelist")
    deliveries = list(order.deliveries.order_by("delivered_on", "delivered_on_precision"))
    assert [(d.delivered, d.quantity) for d in deliveries] == [
        (PartialDate(datetime.date(2024, 1, 1), Precision.YEAR), None),
        (PartialDate(datetime.date(2024, 1, 10), Precision.DAY), 3),
        (PartialDate(datetime.date(2024, 2, 1), Precision.MONTH), 3),
    ]
    assert deliveries[1].recipient == recipient
    assert deliveries[1].summary == "First batch"


def test_rows_failing_at_the_confirm_step_roll_back_the_whole_import(client_en):
    order = factories.order(quantity=10)
    upload = csv_upload(
        DELIVERY_HEADER,
        [[order.slug, "2024-01", 3, "", ""], [order.slug, "2024-02", 3, "", ""]],
    )
    preview = post_import(client_en, Delivery, upload)
    assert preview.context["confirm_form"]
    # Between the preview and the confirmation, someone records a delivery: 3 + 3 + 5 > 10.
    factories.delivery(order=order, quantity=5, delivered_on=datetime.date(2023, 5, 1))

    done = confirm(client_en, Delivery, preview)
    assert done.status_code == 302
    assert done["Location"] == url(Delivery, "import")
    assert order.deliveries.count() == 1
    shown = messages_of(client_en.get(done["Location"]))
    assert "Nothing was imported." in shown
    assert any(m.startswith("Row 2:") and "more than the 10 ordered" in m for m in shown)


def test_resource_import_is_all_or_nothing():
    order = factories.order(quantity=10)
    dataset = Dataset(headers=DELIVERY_HEADER)
    dataset.append([order.slug, "2024-01", 3, "", ""])
    dataset.append([order.slug, "2024-02", 3, "", ""])
    dataset.append([order.slug, "2024-03", 3, "", ""])
    dataset.append([order.slug, "not a date", 1, "", ""])

    result = DeliveryResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [4]
    assert not order.deliveries.exists()


def test_a_bad_date_is_an_error_naming_its_column(client_en):
    order = factories.order()
    response = post_import(
        client_en, Delivery, csv_upload(DELIVERY_HEADER, [[order.slug, "2019-13", 1, "", ""]])
    )
    [row] = response.context["result"].invalid_rows
    assert list(row.field_specific_errors) == ["delivered"]
    [message] = row.field_specific_errors["delivered"]
    assert message.startswith("Column “delivered”: “2019-13” is not a date")


def test_partial_dates_round_trip(client_en):
    order = factories.order(
        ordered_on=datetime.date(2025, 7, 1), ordered_on_precision=Precision.MONTH
    )
    [row] = read_csv(export(client_en, Order, query=f"?buyer__id__exact={order.buyer_id}"))
    assert row["ordered"] == "2025-07"

    upload = csv_upload(
        DELIVERY_HEADER, [[order.slug, "2025-07", 1, "", ""], [order.slug, "2020s", 1, "", ""]]
    )
    confirm(client_en, Delivery, post_import(client_en, Delivery, upload))
    assert sorted((d.delivered_on, d.delivered_on_precision) for d in order.deliveries.all()) == [
        (datetime.date(2020, 1, 1), Precision.DECADE),
        (datetime.date(2025, 7, 1), Precision.MONTH),
    ]
    exported = read_csv(export(client_en, Delivery, query=f"?order__id__exact={order.pk}"))
    assert sorted(row["delivered"] for row in exported) == ["2020s", "2025-07"]


def test_imported_records_stay_drafts_unless_a_status_is_given(client_en):
    order = factories.order()
    header = ["slug", "buyer", "system", "quantity", "ordered"]
    upload = csv_upload(
        header, [["new-order", order.buyer.code, order.system.slug, 4, "2024-05"]], "orders.csv"
    )
    done = confirm(client_en, Order, post_import(client_en, Order, upload))
    assert done.status_code == 302
    created = Order.objects.get(slug="new-order")
    assert created.status == Status.DRAFT
    assert created.ordered.isoformat() == "2024-05"


def test_a_contributor_cannot_publish_through_an_import(contributor):
    template = factories.order()
    header = ["slug", "buyer", "system", "quantity", "status"]
    rows = [
        ["contributed-draft", template.buyer.code, template.system.slug, 2, "draft"],
        ["contributed-published", template.buyer.code, template.system.slug, 2, "published"],
    ]
    response = post_import(contributor, Order, csv_upload(header, rows))
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    assert result.invalid_rows[0].field_specific_errors == {
        "status": ["You may not make this record “Published”."]
    }
    assert "confirm_form" not in response.context
    assert not Order.objects.filter(slug__startswith="contributed-").exists()


def test_a_contributor_cannot_change_a_published_record_through_an_import(contributor):
    order = factories.order(quantity=7)
    header = ["slug", "buyer", "system", "quantity"]
    rows = [[order.slug, order.buyer.code, order.system.slug, 8]]
    response = post_import(contributor, Order, csv_upload(header, rows))
    [row] = response.context["result"].invalid_rows
    assert "status" in row.field_specific_errors
    order.refresh_from_db()
    assert order.quantity == 7


def test_publishing_through_an_import_needs_a_cited_source(client_en):
    cited = factories.make(Activity, status=Status.DRAFT)
    uncited = factories.activity(status=Status.DRAFT)
    header = ["slug", "name", "kind", "status"]
    rows = [
        [cited.slug, cited.name, cited.kind, "published"],
        [uncited.slug, uncited.name, uncited.kind, "published"],
    ]
    response = post_import(client_en, Activity, csv_upload(header, rows))
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    assert result.invalid_rows[0].field_specific_errors == {
        "status": [
            "A record cannot be published without citing a source that readers see: a "
            "published source, published by the time the record is."
        ]
    }
