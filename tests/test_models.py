import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnership.dates import PartialDate, Precision
from partnership.models import (
    Activity,
    Appointment,
    Citation,
    Delivery,
    Membership,
    Order,
    Participation,
    Status,
    System,
    Variant,
)
from tests import factories

pytestmark = pytest.mark.django_db


def refused_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


class TestConstraints:
    def test_slugs_are_unique(self):
        existing = factories.system()
        refused_by_database(lambda: factories.system(slug=existing.slug))

    def test_variant_slugs_are_unique_within_a_system_only(self):
        first = factories.variant(slug="voa")
        factories.variant(slug="voa")  # another system: allowed
        refused_by_database(lambda: factories.variant(system=first.system, slug="voa"))

    def test_order_quantity_must_be_positive(self):
        refused_by_database(lambda: factories.order(quantity=0))

    def test_delivery_quantity_must_be_positive_or_undisclosed(self):
        refused_by_database(lambda: factories.delivery(quantity=0))
        assert factories.delivery(quantity=None).quantity is None

    def test_activity_cannot_end_before_it_starts(self):
        refused_by_database(
            lambda: factories.activity(
                start=datetime.date(2023, 11, 24), end=datetime.date(2023, 11, 13)
            )
        )

    def test_a_coarser_end_in_the_same_period_is_allowed_and_checked_in_clean(self):
        record = factories.activity(start=datetime.date(2019, 6, 15))
        record.ended = PartialDate.parse("2019")  # ended some time in 2019: fine
        record.full_clean()
        record.ended = PartialDate.parse("2018")
        with pytest.raises(ValidationError, match="end cannot come before"):
            record.full_clean()

    def test_agreement_cannot_enter_into_force_before_signature(self):
        refused_by_database(
            lambda: factories.agreement(
                signed_on=datetime.date(2018, 11, 7), in_force_on=datetime.date(2018, 6, 21)
            )
        )

    def test_appointment_end_not_before_start(self):
        refused_by_database(
            lambda: factories.appointment(
                start=datetime.date(2020, 1, 1), end=datetime.date(2019, 1, 1)
            )
        )

    def test_country_code_is_iso_alpha2(self):
        refused_by_database(lambda: factories.country(code="be"))

    def test_membership_through_only_for_joined_through(self):
        belgium = factories.country()
        refused_by_database(lambda: factories.membership(role=Membership.Role.JOINED_THROUGH))
        refused_by_database(
            lambda: factories.membership(role=Membership.Role.MEMBER, through=belgium)
        )
        assert (
            factories.membership(role=Membership.Role.JOINED_THROUGH, through=belgium).through
            == belgium
        )

    def test_participation_names_a_participant(self):
        refused_by_database(
            lambda: Participation.objects.create(activity=factories.activity(), role="participant")
        )

    def test_a_source_cannot_be_deleted_while_cited(self):
        citation = factories.cite(factories.organization())
        with pytest.raises(Exception, match="protected"), transaction.atomic():
            citation.source.delete()

    def test_deleting_a_record_deletes_its_citations(self):
        record = factories.organization()
        factories.cite(record)
        record_id = record.pk
        record.delete()
        assert not Citation.objects.filter(
            object_id=record_id, content_type__model="organization"
        ).exists()


class TestDeliveredNeverAboveOrdered:
    def test_a_delivery_beyond_the_ordered_quantity_is_refused(self):
        order = factories.order(quantity=10)
        factories.delivery(order=order, quantity=8)
        extra = Delivery(order=order, delivered_on=datetime.date(2025, 1, 1), quantity=3)
        with pytest.raises(ValidationError, match="add up to 11, more than the 10 ordered"):
            extra.full_clean()

    def test_editing_a_delivery_counts_its_new_quantity_once(self):
        order = factories.order(quantity=10)
        first = factories.delivery(order=order, quantity=8)
        first.quantity = 10
        first.full_clean()  # 10 of 10: allowed
        first.quantity = 11
        with pytest.raises(ValidationError):
            first.full_clean()

    def test_the_order_cannot_be_lowered_below_what_was_delivered(self):
        order = factories.order(quantity=10)
        factories.delivery(order=order, quantity=6)
        order.quantity = 5
        with pytest.raises(ValidationError, match="6 have already been delivered"):
            order.full_clean()

    def test_delivered_total_is_annotated_in_one_query(self, django_assert_num_queries):
        order = factories.order(quantity=10)
        factories.delivery(order=order, quantity=2)
        factories.delivery(order=order, quantity=3)
        factories.delivery(order=order, quantity=None)
        with django_assert_num_queries(1):
            annotated = Order.objects.with_delivered().get(pk=order.pk)
            assert annotated.delivered == 5

    def test_variant_must_belong_to_the_ordered_system(self):
        order = factories.order()
        order.variant = factories.variant()
        with pytest.raises(ValidationError, match="another system"):
            order.full_clean()


class TestPublished:
    def test_drafts_in_review_and_withdrawn_records_are_hidden(self):
        shown = factories.system()
        hidden = [
            factories.system(status=status)
            for status in (Status.DRAFT, Status.REVIEW, Status.WITHDRAWN)
        ]
        visible = set(System.objects.published())
        assert shown in visible
        assert not visible.intersection(hidden)

    def test_publish_at_hides_a_record_until_its_time(self):
        now = timezone.now()
        scheduled = factories.system(publish_at=now + datetime.timedelta(hours=1))
        assert scheduled not in System.objects.published(at=now)
        assert scheduled in System.objects.published(at=now + datetime.timedelta(hours=2))
        assert not scheduled.is_published

    def test_new_records_are_drafts_by_default(self):
        assert System().status == Status.DRAFT

    def test_child_rows_follow_their_parent(self):
        draft_order = factories.order(status=Status.DRAFT)
        hidden = factories.delivery(order=draft_order)
        shown = factories.delivery()
        deliveries = set(Delivery.objects.published())
        assert shown in deliveries
        assert hidden not in deliveries

    def test_an_order_of_a_draft_system_is_hidden(self):
        order = factories.order(system=factories.system(status=Status.DRAFT))
        assert order not in Order.objects.published()

    def test_dependencies_are_followed_transitively(self):
        order = factories.order(buyer=factories.country(status=Status.DRAFT))
        delivery = factories.delivery(order=order)
        assert delivery not in Delivery.objects.published()

    def test_an_optional_link_to_a_hidden_record_reads_as_empty(self):
        without_commander = factories.participation(commander=None)
        draft_commander = factories.participation(commander=factories.person(status=Status.DRAFT))
        visible = {row.pk: row for row in Participation.objects.published()}
        assert without_commander.pk in visible
        assert visible[draft_commander.pk].commander is None
        assert visible[draft_commander.pk].commander_id is None
        # Staff see the link as it is.
        assert Participation.objects.get(pk=draft_commander.pk).commander is not None

    def test_a_hidden_link_is_empty_on_records_joined_to_the_row_too(self):
        draft = factories.agreement(status=Status.DRAFT)
        order = factories.order(agreement=draft)
        delivery = factories.delivery(order=order)
        row = Delivery.objects.published().select_related("order").get(pk=delivery.pk)
        assert row.order.agreement_id is None and row.order.agreement is None

    def test_a_participation_is_hidden_with_its_participant(self):
        hidden = factories.participation(organization=factories.organization(status=Status.DRAFT))
        assert hidden not in Participation.objects.published()

    def test_appointments_of_a_draft_organization_are_hidden(self):
        hidden = factories.appointment(organization=factories.organization(status=Status.DRAFT))
        assert hidden not in Appointment.objects.published()

    def test_variants_follow_their_system(self):
        hidden = factories.variant(system=factories.system(status=Status.DRAFT))
        assert hidden not in Variant.objects.published()

    def test_activity_ordering_is_chronological(self):
        late = factories.activity(start=datetime.date(2030, 2, 1))
        early = factories.activity(start=datetime.date(2030, 1, 1))
        ids = list(Activity.objects.filter(pk__in=[late.pk, early.pk]).values_list("pk", flat=True))
        assert ids == [early.pk, late.pk]


def test_partial_date_accessor_writes_both_columns():
    record = factories.event()
    record.when = PartialDate.parse("2024-12")
    record.save()
    record.refresh_from_db()
    assert (record.date, record.date_precision) == (datetime.date(2024, 12, 1), Precision.MONTH)
