"""What was bought: systems and their variants, orders and deliveries."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, precision_field
from ..locking import locked
from .actors import Country, Organization
from .agreements import Agreement, Programme
from .base import (
    PUBLISH_PERMISSIONS,
    Fact,
    PublicationQuerySet,
    Publishable,
    Timestamped,
    check_one_of,
    one_of_constraint,
    positive_constraint,
    publication_q,
)
from .currencies import Currency, currency_choices
from .i18n import translations
from .vocabularies import SystemCategory, TermField


class System(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_nl, name_en = translations(name)
    designation = models.CharField(_("designation"), max_length=60, blank=True)
    category = TermField(
        SystemCategory, db_column="category", related_name="systems", verbose_name=_("category")
    )
    role = models.CharField(_("role"), max_length=300, blank=True)
    role_nl, role_en = translations(role)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems",
        verbose_name=_("programme"),
    )
    manufacturers = models.ManyToManyField(
        Organization, blank=True, related_name="systems_made", verbose_name=_("manufacturers")
    )
    specifications = models.JSONField(
        _("key specifications"),
        default=dict,
        blank=True,
        help_text=_('Label to value, e.g. {"Main armament": "120 mm mortar"}.'),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("programme__partnerships", "orders")

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("system")
        verbose_name_plural = _("systems")

    def __str__(self):
        name = self.t.name
        # A name may already hold its designation ("Griffon MEPAC" is the MEPAC, "CAESAR NG"
        # the CAESAR Mk II): then the designation would only repeat it.
        if not self.designation or self.designation.split()[0] in name.split():
            return name
        return f"{name} {self.designation}"

    def get_absolute_url(self):
        return reverse("partnership:system", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if not isinstance(self.specifications, dict) or not all(
            isinstance(value, str | int | float) for value in self.specifications.values()
        ):
            raise ValidationError(
                {"specifications": _("Give the specifications as label: value pairs.")}
            )


class Variant(Timestamped, Fact):
    system = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="variants", verbose_name=_("system")
    )
    slug = models.SlugField(_("slug"), max_length=80)
    name = models.CharField(_("name"), max_length=120)
    name_nl, name_en = translations(name)
    designation = models.CharField(_("designation"), max_length=60, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    objects = PublicationQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("system",)

    class Meta:
        ordering = ["system", "name"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(fields=["system", "slug"], name="variant_unique_slug"),
        ]

    def __str__(self):
        label = f"{self.t.name} ({self.designation})" if self.designation else self.t.name
        return f"{self.system.t.name} — {label}"


class OrderQuerySet(PublicationQuerySet):
    def with_delivered(self):
        """Annotate `delivered_quantity`: the sum of the disclosed quantities of the deliveries
        readers may see (0 if none)."""
        visible = Q(deliveries__recipient=None) | publication_q(
            Organization, now=timezone.now(), prefix="deliveries__recipient__"
        )
        return self.annotate(
            delivered_quantity=models.functions.Coalesce(
                Sum("deliveries__quantity", filter=visible), 0
            )
        )


ONE_BUYER = _("Name the buyer: a country or an organization buying for others, not both.")
ONE_HOLDER = _("Name who holds the share: a country or an organization, not both.")


class Order(Publishable, Fact):
    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved, not yet ordered")
        ORDERED = "ordered", _("Ordered")
        DELIVERING = "delivering", _("Being delivered")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    buyer = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    buying_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_bought",
        verbose_name=_("buying organization"),
        help_text=_(
            "An organization buying on behalf of several (OCCAR, NSPA...), instead of a "
            "buying country; record what each gets as shares."
        ),
    )
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="orders", verbose_name=_("system")
    )
    variant = models.ForeignKey(
        Variant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("variant"),
    )
    quantity = models.PositiveIntegerField(_("quantity ordered"))
    ordered_on = models.DateField(_("ordered on"), null=True, blank=True)
    ordered_on_precision = precision_field(_("precision of the order date"))
    order_status = models.CharField(
        _("order status"), max_length=12, choices=Status.choices, default=Status.ORDERED
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("under agreement"),
    )
    contracting_authority = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_placed",
        verbose_name=_("contracting authority"),
    )
    supplier = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_supplied",
        verbose_name=_("supplier"),
    )
    partnerships = models.ManyToManyField(
        "partnership.Partnership",
        blank=True,
        related_name="orders",
        verbose_name=_("partnerships"),
    )
    amount = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=currency_choices, default=Currency.EUR
    )
    expected_delivery = models.CharField(_("expected delivery"), max_length=100, blank=True)
    expected_delivery_nl, expected_delivery_en = translations(expected_delivery)
    deliveries_tracked = models.BooleanField(
        _("deliveries tracked"),
        default=True,
        help_text=_(
            "Untick when this knowledge base does not follow this order's deliveries: readers "
            "then see “not tracked” instead of a count."
        ),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    ordered = PartialDateAccessor("ordered_on")

    # An order means nothing without its buyer: hidden with it.
    publication_requires = ("buyer", "buying_organization")

    objects = OrderQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnerships", "agreement__partnership")

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["ordered_on", "buyer__name", "buying_organization__name", "system__name"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            one_of_constraint("order", "buyer", "buying_organization", ONE_BUYER),
            positive_constraint("order", "quantity"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="order_amount_not_negative",
            ),
        ]

    def __str__(self):
        when = f", {self.ordered}" if self.ordered_on else ""
        return f"{self.purchaser.t.name}: {self.quantity} × {self.system.t.name}{when}"

    def get_absolute_url(self):
        return reverse("partnership:order", kwargs={"slug": self.slug})

    @property
    def purchaser(self):
        """Who placed the order: the buying country or organization."""
        return self.buyer or self.buying_organization

    @property
    def delivered(self) -> int:
        if hasattr(self, "delivered_quantity"):
            return self.delivered_quantity
        return self.deliveries.aggregate(total=Sum("quantity"))["total"] or 0

    def clean(self):
        super().clean()
        check_one_of(self, "buyer", "buying_organization", ONE_BUYER)
        if self.variant_id and self.system_id and self.variant.system_id != self.system_id:
            raise ValidationError({"variant": _("This variant belongs to another system.")})
        # A quantity that failed its own field's validation ("lots") is reported there.
        if self.pk and isinstance(self.quantity, int) and self.quantity:
            # Locked: a delivery saved meanwhile by another writer waits for this one.
            locked(Order, self.pk).values_list("pk").first()
            delivered = Delivery.objects.filter(order=self).aggregate(total=Sum("quantity"))
            if (delivered["total"] or 0) > self.quantity:
                raise ValidationError(
                    {
                        "quantity": _(
                            "%(delivered)s have already been delivered; the order cannot be lower."
                        )
                        % {"delivered": delivered["total"]}
                    }
                )
            shared = OrderShare.objects.filter(order=self).aggregate(total=Sum("quantity"))
            if (shared["total"] or 0) > self.quantity:
                raise ValidationError(
                    {
                        "quantity": _(
                            "The shares already add up to %(shared)s; the order cannot be lower."
                        )
                        % {"shared": shared["total"]}
                    }
                )


class Delivery(Timestamped, Fact):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("order")
    )
    delivered_on = models.DateField(_("delivered on"))
    delivered_on_precision = precision_field(_("precision of the delivery date"))
    quantity = models.PositiveIntegerField(
        _("quantity delivered"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the number was not disclosed."),
    )
    recipient = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries_received",
        verbose_name=_("recipient"),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    delivered = PartialDateAccessor("delivered_on")

    objects = PublicationQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("order",)

    class Meta:
        ordering = ["order", "delivered_on", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            positive_constraint("delivery", "quantity", nullable=True),
            models.UniqueConstraint(
                fields=["order", "delivered_on", "delivered_on_precision"],
                name="delivery_unique_date_per_order",
            ),
        ]

    def __str__(self):
        count = self.quantity if self.quantity is not None else _("undisclosed number")
        return f"{count} — {self.delivered}"

    def clean(self):
        super().clean()
        if self.order_id and self.quantity:
            check_deliveries_fit(self.order, [self.quantity], replacing=[self.pk])


def check_deliveries_fit(order: Order, quantities, *, replacing=()) -> None:
    """Refuse deliveries that would add up to more than the order.

    `quantities` are about to be saved, in place of the stored deliveries whose keys are in
    `replacing` (None for a new delivery); the order's other deliveries count as stored.
    The order's row is locked first: two writers adding deliveries at once are checked one
    after the other, the second against what the first saved.
    """
    if order.pk:
        locked(Order, order.pk).values_list("pk").first()
    stored = order.deliveries.exclude(pk__in=[pk for pk in replacing if pk is not None])
    total = (stored.aggregate(total=Sum("quantity"))["total"] or 0) + sum(
        quantity or 0 for quantity in quantities
    )
    if total > order.quantity:
        raise ValidationError(
            _("Deliveries would add up to %(total)s, more than the %(ordered)s ordered.")
            % {"total": total, "ordered": order.quantity}
        )


class OrderShare(Timestamped, Fact):
    """What one country (or organization) gets of an order placed for several (pooled
    procurement through OCCAR, NSPA...)."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shares", verbose_name=_("order")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_shares",
        verbose_name=_("country"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_shares",
        verbose_name=_("organization"),
    )
    quantity = models.PositiveIntegerField(
        _("quantity"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the number was not disclosed."),
    )
    amount = models.DecimalField(
        _("value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("In the order's currency."),
    )

    # A share means nothing without whoever holds it: hidden with it.
    publication_requires = ("country", "organization")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["order", "country__name", "organization__name", "pk"]
        verbose_name = _("share of an order")
        verbose_name_plural = _("shares of the order")
        constraints = [
            one_of_constraint("ordershare", "country", "organization", ONE_HOLDER),
            positive_constraint("ordershare", "quantity", nullable=True),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="ordershare_amount_not_negative",
            ),
        ]

    def __str__(self):
        holder = self.holder
        count = self.quantity if self.quantity is not None else _("undisclosed number")
        return f"{holder.t.name if holder else '?'}: {count}"

    @property
    def holder(self):
        return self.country or self.organization

    def clean(self):
        super().clean()
        check_one_of(self, "country", "organization", ONE_HOLDER)
        # In a formset the other shares are not saved yet: the formset checks them together.
        if self.order_id and self.quantity and not getattr(self, "_shares_checked_together", False):
            check_shares_fit(self.order, [self.quantity], replacing=[self.pk])


def check_shares_fit(order: Order, quantities, *, replacing=()) -> None:
    """Refuse shares that would add up to more than the order, as `check_deliveries_fit` does
    for deliveries (the order's row locked first)."""
    if order.pk:
        locked(Order, order.pk).values_list("pk").first()
        stored = OrderShare.objects.filter(order=order).exclude(
            pk__in=[pk for pk in replacing if pk is not None]
        )
        total = stored.aggregate(total=Sum("quantity"))["total"] or 0
    else:
        total = 0
    total += sum(quantity or 0 for quantity in quantities)
    if order.quantity and total > order.quantity:
        raise ValidationError(
            {
                "quantity": _(
                    "Shares would add up to %(total)s, more than the %(ordered)s ordered."
                )
                % {"total": total, "ordered": order.quantity}
            }
        )
