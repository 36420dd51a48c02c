"""Parties, members and buyers need not be countries (issue 13, part B): an international
organization as a member, as a party to an agreement and as a buyer on behalf of several
countries with their shares; members that left and re-joined; periods that may not overlap and
shares that may not add up to more than the order, through every route (model, admin inline,
API, dataset)."""

import datetime
import re

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from partnership.dumping import Dumper
from partnership.figures import key_figures, with_progress, with_shares
from partnership.loading import DatasetError, Loader
from partnership.models import Membership, Order, OrderShare, Organization, Partnership
from tests import factories
from tests.admin_forms import add_inline_row, change_url, form_errors, page_form

pytestmark = pytest.mark.django_db

YEAR = 2  # Precision.YEAR


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def text_of(response) -> str:
    """The page's text, tags and runs of white space removed."""
    html = response.content.decode()
    html = re.sub(r"<sup class=\"cite\">.*?</sup>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def nato():
    organization = factories.international_organization(
        name="North Atlantic Treaty Organization",
        name_en="North Atlantic Treaty Organization",
        short_name="NATO",
    )
    factories.cite(organization)
    return organization


@pytest.fixture
def partnership():
    partnership = factories.partnership(
        name="Demonstration partnership", name_en="Demonstration partnership"
    )
    factories.cite(partnership)
    return partnership


def member(partnership, who, since, until=None, role=Membership.Role.MEMBER):
    field = "organization" if isinstance(who, Organization) else "country"
    membership = Membership(
        partnership=partnership,
        role=role,
        since=day(since),
        since_precision=YEAR,
        until=day(until) if until else None,
        until_precision=YEAR,
        **{field: who},
    )
    membership.full_clean()
    membership.save()
    factories.cite(membership)
    return membership


def fields(response) -> dict:
    """The API's errors by field."""
    return response.json()["error"]["fields"]


def editor_api(editor):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(editor)
    return api


# Members ---------------------------------------------------------------------------------------


class TestMembers:
    def test_an_organization_is_a_member_linked_to_its_page(self, client, partnership, nato):
        member(partnership, nato, 2019, role=Membership.Role.OBSERVER)
        page = client.get(partnership.get_absolute_url())
        assert f'href="{nato.get_absolute_url()}"' in page.content.decode()
        assert "North Atlantic Treaty Organization Observer, since 2019" in text_of(page)
        on_its_page = text_of(client.get(nato.get_absolute_url()))
        assert "Demonstration partnership : Observer, since 2019" in on_its_page

    def test_a_member_is_a_country_or_an_organization_not_both(self, partnership, nato):
        both = Membership(
            partnership=partnership, country=factories.country(), organization=nato, role="member"
        )
        with pytest.raises(ValidationError) as refused:
            both.full_clean()
        assert "a country or an organization, not both" in str(refused.value)
        neither = Membership(partnership=partnership, role="member")
        with pytest.raises(ValidationError):
            neither.full_clean()
        with transaction.atomic(), pytest.raises(IntegrityError):
            neither.save()

    def test_leaving_and_rejoining_shows_both_periods(self, client, partnership):
        country = factories.country(name="Ruritania", name_en="Ruritania")
        member(partnership, country, 2019, 2022)
        member(partnership, country, 2024)
        assert partnership.memberships.filter(country=country).count() == 2
        page = text_of(client.get(partnership.get_absolute_url()))
        assert "Ruritania Member 2019 – 2022 , re-joined 2024" in page
        country_page = text_of(client.get(country.get_absolute_url()))
        assert "Demonstration partnership : Member 2019 – 2022 , re-joined 2024" in country_page

    def test_lead_and_framework_nations(self, client, partnership):
        lead = factories.country(name="Lead country", name_en="Lead country")
        member(partnership, lead, 2020, role=Membership.Role.LEAD_NATION)
        member(partnership, factories.country(), 2020, role=Membership.Role.FRAMEWORK_NATION)
        page = text_of(client.get(partnership.get_absolute_url()))
        assert "Lead country Lead nation, since 2020" in page
        assert "Framework nation, since 2020" in page

    @pytest.mark.parametrize(
        ("first", "second"),
        [((2019, 2022), (2021, None)), ((2019, None), (2024, None)), ((2019, 2025), (2020, 2021))],
        ids=["rejoined-before-leaving", "still-a-member", "inside"],
    )
    def test_overlapping_periods_are_refused(self, partnership, nato, first, second):
        member(partnership, nato, *first)
        with pytest.raises(ValidationError) as refused:
            member(partnership, nato, *second)
        assert "since" in refused.value.message_dict
        assert "cannot overlap" in str(refused.value)

    def test_periods_of_other_members_or_partnerships_may_overlap(self, partnership, nato):
        member(partnership, nato, 2019)
        member(partnership, factories.country(), 2019)
        member(factories.partnership(), nato, 2019)
        # Left and re-joined within the same year: the dates cannot show an overlap.
        country = factories.country()
        member(partnership, country, 2018, 2020)
        member(partnership, country, 2020)

    def test_an_overlap_is_refused_through_the_admin_inline(self, admin_client, partnership):
        country = factories.country()
        member(partnership, country, 2019)
        url = change_url(partnership)
        data = page_form(admin_client.get(url).content.decode())
        data = add_inline_row(
            data,
            "memberships",
            {
                "country": country.pk,
                "role": "member",
                "since": "2023-01-01",
                "since_precision": "2",
            },
        )
        data.pop("csrfmiddlewaretoken", None)
        response = admin_client.post(url, data | {"_save": "1"})
        assert response.status_code == 200
        assert "cannot overlap" in form_errors(response)
        assert partnership.memberships.count() == 1

    def test_the_admin_inline_ends_a_period_and_adds_the_next_at_once(
        self, admin_client, partnership
    ):
        """The rows are checked together: the stored open period does not refuse the new one
        that the same form closes."""
        country = factories.country()
        stored = member(partnership, country, 2019)
        url = change_url(partnership)
        data = page_form(admin_client.get(url).content.decode())
        [index] = [
            key.split("-")[1]
            for key, value in data.items()
            if key.startswith("memberships-") and key.endswith("-id") and value == str(stored.pk)
        ]
        data |= {
            f"memberships-{index}-until": "2022-01-01",
            f"memberships-{index}-until_precision": "2",
        }
        data = add_inline_row(
            data,
            "memberships",
            {
                "country": country.pk,
                "role": "member",
                "since": "2024-01-01",
                "since_precision": "2",
            },
        )
        data.pop("csrfmiddlewaretoken", None)
        response = admin_client.post(url, data | {"_save": "1"})
        assert response.status_code == 302, form_errors(response)
        assert sorted(partnership.memberships.values_list("since", "until")) == [
            (day(2019), day(2022)),
            (day(2024), None),
        ]

    def test_an_overlap_posted_to_the_api_is_a_400_naming_the_field(
        self, editor, partnership, nato
    ):
        member(partnership, nato, 2019)
        response = editor_api(editor).post(
            "/api/v1/memberships/",
            {
                "partnership": partnership.slug,
                "organization": nato.slug,
                "role": "member",
                "since": "2021",
            },
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "cannot overlap" in fields(response)["since"][0]
        both = editor_api(editor).post(
            "/api/v1/memberships/",
            {
                "partnership": partnership.slug,
                "organization": nato.slug,
                "country": factories.country().code,
                "role": "member",
            },
            format="json",
        )
        assert both.status_code == 400
        assert "country" in fields(both)

    def test_the_api_gives_the_member_organization(self, client, partnership, nato):
        member(partnership, nato, 2019)
        rows = client.get("/api/v1/memberships/", {"organization": nato.slug}).json()["results"]
        assert [(row["country"], row["organization"]) for row in rows] == [(None, nato.slug)]
        listed = client.get("/api/v1/partnerships/", {"organization": nato.slug}).json()
        assert [row["slug"] for row in listed["results"]] == [partnership.slug]


# Agreements ------------------------------------------------------------------------------------


def test_an_organization_is_a_party_to_an_agreement(client, admin_client, nato):
    agreement = factories.agreement(title="Framework arrangement")
    factories.cite(agreement)
    country = factories.country(name="Partyland", name_en="Partyland")
    agreement.parties.add(country)
    agreement.organization_parties.add(nato)
    page = text_of(client.get(agreement.get_absolute_url()))
    assert "Parties Partyland , North Atlantic Treaty Organization" in page
    assert "Agreements it is party to Framework arrangement" in text_of(
        client.get(nato.get_absolute_url())
    )
    partnership_page = client.get(agreement.partnership.get_absolute_url()).content.decode()
    assert f'href="{nato.get_absolute_url()}"' in partnership_page
    row = client.get(f"/api/v1/agreements/{agreement.slug}/").json()
    assert row["parties"] == [country.code]
    assert row["organization_parties"] == [nato.slug]
    found = client.get("/api/v1/agreements/", {"organization": nato.slug}).json()
    assert [row["slug"] for row in found["results"]] == [agreement.slug]
    form = admin_client.get(change_url(agreement)).content.decode()
    assert 'name="organization_parties"' in form


# Pooled orders ---------------------------------------------------------------------------------


@pytest.fixture
def pooled(nato):
    """NATO buys 30 for two countries: 20 for Alphaland, 10 for Betaland."""
    alpha = factories.country(name="Alphaland", name_en="Alphaland")
    beta = factories.country(name="Betaland", name_en="Betaland")
    order = factories.pooled_order(
        holders=[alpha, beta],
        quantities=[20, 10],
        quantity=30,
        buying_organization=nato,
        agreement=None,
    )
    factories.cite(order)
    factories.cite(order.system)
    for share in order.shares.all():
        factories.cite(share)
    return order, alpha, beta


class TestPooledOrders:
    def test_the_buyer_is_a_country_or_an_organization_not_both(self, nato):
        order = factories.order()
        order.buying_organization = nato
        with pytest.raises(ValidationError) as refused:
            order.full_clean()
        assert "buyer" in refused.value.message_dict
        order.buyer = None
        order.full_clean()
        order.buying_organization = None
        with pytest.raises(ValidationError):
            order.full_clean()

    def test_the_order_page_says_who_bought_for_whom(self, client, pooled):
        order, _alpha, _beta = pooled
        page = text_of(client.get(order.get_absolute_url()))
        assert "Buyer North Atlantic Treaty Organization" in page
        assert "Pooled 20 for Alphaland , 10 for Betaland" in page
        assert str(order).startswith("North Atlantic Treaty Organization: 30 ×")

    def test_per_country_figures_count_shares(self, client, pooled):
        order, alpha, _beta = pooled
        orders = with_shares(
            with_progress(Order.objects.published().filter(pk=order.pk)).select_related(
                "buyer", "buying_organization", "system"
            )
        )
        rows = {row["country"].t.name: row["ordered"] for row in key_figures(orders)}
        assert rows == {"Alphaland": 20, "Betaland": 10}
        page = text_of(client.get(alpha.get_absolute_url()))
        assert "20 × " in page
        assert "of 30 bought by North Atlantic Treaty Organization" in page
        system_page = text_of(client.get(order.system.get_absolute_url()))
        assert "20 for Alphaland, 10 for Betaland" in system_page

    def test_a_share_without_a_quantity_counts_the_order_for_the_country(self, pooled):
        order, _alpha, _beta = pooled
        gamma = factories.country(name="Gammaland", name_en="Gammaland")
        OrderShare.objects.create(order=order, country=gamma)
        orders = with_shares(
            with_progress(Order.objects.published().filter(pk=order.pk)).select_related(
                "buyer", "buying_organization", "system"
            )
        )
        [row] = key_figures(orders, party=gamma)
        assert row["ordered"] == 0 and row["uncertain"]

    def test_the_api_gives_the_buying_organization_and_the_shares(self, client, pooled, nato):
        order, alpha, beta = pooled
        row = client.get(f"/api/v1/orders/{order.slug}/").json()
        assert row["buyer"] is None
        assert row["buying_organization"] == nato.slug
        assert [(s["country"], s["quantity"]) for s in row["shares"]] == [
            (alpha.code, 20),
            (beta.code, 10),
        ]
        for params in ({"country": beta.code}, {"buying_organization": nato.slug}):
            found = client.get("/api/v1/orders/", params).json()
            assert [row["slug"] for row in found["results"]] == [order.slug], params
        shares = client.get("/api/v1/shares/", {"order": order.slug}).json()["results"]
        assert {share["country"] for share in shares} == {alpha.code, beta.code}
        csv = client.get("/api/v1/orders/", {"format": "csv", "country": alpha.code})
        assert "buying_organization" in csv.content.decode().splitlines()[0]

    def test_the_data_package_describes_the_shares(self, client):
        package = client.get("/api/v1/datapackage.json").json()
        [share] = [resource for resource in package["resources"] if resource["name"] == "share"]
        keys = {
            key["fields"][0]: key["reference"]["resource"] for key in share["schema"]["foreignKeys"]
        }
        assert keys == {
            "order": "order",
            "buying_organization": "organization",
            "system": "system",
            "country": "country",
            "organization": "organization",
        }

    def test_a_pooled_orders_shares_add_up(self, pooled):
        order, alpha, _beta = pooled
        assert sum(order.shares.values_list("quantity", flat=True)) <= order.quantity
        extra = OrderShare(order=order, country=factories.country(), quantity=1)
        with pytest.raises(ValidationError) as refused:
            extra.full_clean()
        assert "more than the 30 ordered" in str(refused.value)
        # Changing a share is checked without counting its stored quantity.
        share = order.shares.get(country=alpha)
        share.quantity = 20
        share.full_clean()
        order.quantity = 29
        with pytest.raises(ValidationError) as lowered:
            order.full_clean()
        assert "quantity" in lowered.value.message_dict

    def test_shares_over_the_order_are_refused_in_the_admin_inline(self, admin_client):
        order = factories.order(quantity=10)
        url = change_url(order)
        data = page_form(admin_client.get(url).content.decode())
        for holder in (factories.country(), factories.country()):
            data = add_inline_row(data, "shares", {"country": holder.pk, "quantity": "6"})
        data.pop("csrfmiddlewaretoken", None)
        response = admin_client.post(url, data | {"_save": "1"})
        assert response.status_code == 200
        assert "more than the 10 ordered" in form_errors(response)
        assert not order.shares.exists()

    def test_the_admin_inline_moves_quantity_between_shares_at_once(self, admin_client, pooled):
        """30 = 20 + 10 becomes 30 = 15 + 15: checked together, not one at a time."""
        order, alpha, beta = pooled
        url = change_url(order)
        data = page_form(admin_client.get(url).content.decode())
        ids = {
            data[f"shares-{index}-country"]: index
            for index in range(int(data["shares-TOTAL_FORMS"]))
            if f"shares-{index}-country" in data
        }
        data |= {
            f"shares-{ids[str(alpha.pk)]}-quantity": "15",
            f"shares-{ids[str(beta.pk)]}-quantity": "15",
        }
        data.pop("csrfmiddlewaretoken", None)
        response = admin_client.post(url, data | {"_save": "1"})
        assert response.status_code == 302, form_errors(response)
        assert sorted(order.shares.values_list("quantity", flat=True)) == [15, 15]

    def test_an_order_lowered_below_its_shares_through_the_api_is_a_400(self, editor, pooled):
        order, _alpha, _beta = pooled
        response = editor_api(editor).patch(
            f"/api/v1/orders/{order.slug}/", {"quantity": 25}, format="json"
        )
        assert response.status_code == 400, response.content
        assert "shares already add up to 30" in fields(response)["quantity"][0]
        both = editor_api(editor).patch(
            f"/api/v1/orders/{order.slug}/", {"buyer": factories.country().code}, format="json"
        )
        assert both.status_code == 400
        assert "buyer" in fields(both)

    def test_the_timeline_names_the_organization_and_counts_the_order_for_each_country(
        self, client, pooled
    ):
        order, alpha, beta = pooled
        for country in (alpha, beta):
            entries = client.get(
                "/api/v1/timeline/", {"country": country.code, "kind": "order"}
            ).json()
            titles = [entry["title"] for entry in entries]
            assert titles == ["North Atlantic Treaty Organization orders 30 × " + order.system.name]


# The dataset -----------------------------------------------------------------------------------


DATASET = """
sources:
  - {slug: parties-source, title: A source, publisher: P, url: "https://example.org/parties"}
countries:
  - {code: QA, slug: qa-land, name: Qaland}
  - {code: QB, slug: qb-land, name: Qbland}
organizations:
  - {slug: parties-occar, name: OCCAR test, kind: other, sources: [parties-source]}
partnerships:
  - slug: parties-partnership
    name: Parties partnership
    sources: [parties-source]
    memberships:
      - {country: QA, role: lead_nation, since: "2019", until: "2021", sources: [parties-source]}
      - {country: QA, role: member, since: "2023", sources: [parties-source]}
      - {organization: parties-occar, role: observer, since: "2020", sources: [parties-source]}
systems:
  - {slug: parties-system, name: Parties system, category: other, sources: [parties-source]}
orders:
  - slug: parties-pooled
    buying_organization: parties-occar
    system: parties-system
    quantity: 12
    sources: [parties-source]
    shares:
      - {country: QA, quantity: 8, sources: [parties-source]}
      - {country: QB, quantity: 4, amount: "1000", sources: [parties-source]}
"""


class TestDataset:
    def test_the_loader_reads_organizations_periods_and_shares(self):
        Loader(yaml.safe_load(DATASET)).run()
        partnership = Partnership.objects.get(slug="parties-partnership")
        assert partnership.memberships.filter(country__code="QA").count() == 2
        assert partnership.memberships.get(organization__slug="parties-occar").role == "observer"
        order = Order.objects.get(slug="parties-pooled")
        assert order.buyer is None and order.buying_organization.slug == "parties-occar"
        assert sorted(order.shares.values_list("country__code", "quantity")) == [
            ("QA", 8),
            ("QB", 4),
        ]
        Loader(yaml.safe_load(DATASET)).run()  # idempotent: no second row per period
        assert partnership.memberships.count() == 3
        assert order.shares.count() == 2

    def test_the_dumper_writes_them_back(self):
        Loader(yaml.safe_load(DATASET)).run()
        data = Dumper().run()
        [order] = [spec for spec in data["orders"] if spec["slug"] == "parties-pooled"]
        assert order["buying_organization"] == "parties-occar"
        assert [(s["country"], s["quantity"]) for s in order["shares"]] == [("QA", 8), ("QB", 4)]
        [partnership] = [s for s in data["partnerships"] if s["slug"] == "parties-partnership"]
        assert [m.get("organization") for m in partnership["memberships"]] == [
            None,
            None,
            "parties-occar",
        ]

    @pytest.mark.parametrize(
        ("find", "replace", "message"),
        [
            ('since: "2023"', 'since: "2020"', "cannot overlap"),
            ("quantity: 4,", "quantity: 5,", "more than the 12 ordered"),
        ],
        ids=["overlap", "shares-over-the-order"],
    )
    def test_the_loader_refuses_what_the_rules_refuse(self, find, replace, message):
        with pytest.raises(DatasetError, match=message):
            Loader(yaml.safe_load(DATASET.replace(find, replace))).run()


# Queries ---------------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "page",
    [
        "partnership",
        "organization",
        "country",
        "order",
        "system",
        "orders-api",
        "shares-api",
        "memberships-api",
        "partnerships-api",
        "agreements-api",
    ],
)
def test_pages_and_lists_keep_their_queries_as_rows_grow(
    client, django_assert_max_num_queries, partnership, nato, page
):
    """Two more members, pooled orders and shares cost no more queries."""
    system = factories.system()
    alpha = factories.country()

    def grow():
        beta = factories.country()
        other = factories.international_organization()
        for who in (beta, other):
            member(partnership, who, 2019, 2020)
            member(partnership, who, 2022)
        order = factories.pooled_order(
            holders=[alpha, beta, other],
            quantities=[1, 1, 1],
            quantity=3,
            buying_organization=nato,
            system=system,
            agreement=None,
        )
        for share in order.shares.all():
            factories.cite(share)
        agreement = factories.agreement(partnership=partnership)
        factories.cite(agreement)
        agreement.parties.add(beta)
        agreement.organization_parties.add(nato, other)
        return order

    first = grow()
    url = {
        "partnership": partnership.get_absolute_url(),
        "organization": nato.get_absolute_url(),
        "country": alpha.get_absolute_url(),
        "order": first.get_absolute_url(),
        "system": system.get_absolute_url(),
        "orders-api": f"/api/v1/orders/?buying_organization={nato.slug}",
        "shares-api": f"/api/v1/shares/?buying_organization={nato.slug}",
        "memberships-api": f"/api/v1/memberships/?partnership={partnership.slug}",
        "partnerships-api": f"/api/v1/partnerships/{partnership.slug}/",
        "agreements-api": f"/api/v1/agreements/?partnership={partnership.slug}",
    }[page]
    grow()
    budget = count_queries(client, url)
    grow()
    grow()
    with django_assert_max_num_queries(budget):
        client.get(url)


@pytest.mark.parametrize("model", ["ordershare", "membership", "order"])
def test_admin_changelists_keep_their_queries_as_rows_grow(
    admin_client, django_assert_max_num_queries, partnership, nato, model
):
    url = f"/admin/partnership/{model}/"

    def grow():
        other = factories.international_organization()
        member(partnership, other, 2019, 2020)
        member(partnership, other, 2022)
        factories.pooled_order(
            holders=[factories.country(), other], quantities=[1, 1], quantity=2, agreement=None
        )

    grow()
    budget = count_queries(admin_client, url)
    grow()
    grow()
    with django_assert_max_num_queries(budget):
        assert admin_client.get(url).status_code == 200
