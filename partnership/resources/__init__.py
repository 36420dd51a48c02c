"""Import and export of orders, deliveries, activities and participations (django-import-export).

Each record's claims travel in a `claims` column, as JSON in the API's structure (claims.py).

Files name related records by their natural key (a country's ISO code, a slug), never by database
id, and write a partial date as one text column ("2019-06-21", "2019-06", "2019", "2010s").

An import is all-or-nothing: it runs in a transaction that is rolled back when any row has an error
or fails validation (the model's full_clean, e.g. deliveries adding up to more than the order).
New records keep the model's default status (draft) unless the file has a `status` column, and the
publication workflow applies row by row: a user without the publish permission cannot publish, nor
change a record readers already see.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import ModelResource
from import_export.results import Error, Result
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from ..comments import comment
from ..dates import PartialDateAccessor
from ..models import (
    Activity,
    Agreement,
    Country,
    Delivery,
    Order,
    Organization,
    Participation,
    Partnership,
    Person,
    Place,
    Proposal,
    Publishable,
    Status,
    System,
)
from ..models.i18n import with_translations
from ..review import ReviewGate, needs_review
from ..sourcing import SourcingError
from ..workflow import TransitionError, check_transition
from .claims import ClaimsColumn, claims_field
from .fields import (
    PartialDateField,
    PartialDateWidget,
    StylelessDiff,
    VariantWidget,
    key,
    keys,
    status_field,
)

FORMATS = [CSV, XLSX]


class RecordResource(ModelResource):
    """What every resource of the knowledge base shares: natural keys, one column per partial
    date, full model validation, all-or-nothing imports, and the publication workflow."""

    # Fields used only to find the existing record, neither imported nor exported (see
    # DeliveryResource).
    lookup_only: tuple[str, ...] = ()

    class Meta:
        # Inherited by every resource's Meta.
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        """Numbers go out as plain numbers (1500, 1234567.50), never grouped or with a decimal
        comma: a file reads the same whatever the language of the admin that wrote it."""
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        if isinstance(django_field, models.IntegerField | models.DecimalField | models.FloatField):
            kwargs.setdefault("coerce_to_string", False)
        return kwargs

    @classmethod
    def get_diff_class(cls):
        return StylelessDiff

    # Import ---------------------------------------------------------------------------------------

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=True,
        **kwargs,
    ):
        """Like import-export's, but a row failing validation also rolls back every row (the
        default keeps the valid rows), and a real import runs in a review gate: one history
        version per record changed, and rows changing what readers see, by someone who may not
        publish, kept as proposals for review."""
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        options = {
            "dry_run": dry_run,
            "raise_errors": raise_errors,
            "use_transactions": use_transactions,
            "collect_failed_rows": collect_failed_rows,
            "rollback_on_validation_errors": rollback_on_validation_errors,
            **kwargs,
        }
        if dry_run:
            return self.preview(dataset, options)
        gate = ReviewGate(
            self.user,
            route=Proposal.Route.IMPORT,
            comment=comment("imported", file=kwargs.get("file_name")),
        )
        try:
            with gate:
                result = super().import_data(dataset, **options)
        except (SourcingError, PermissionDenied) as error:
            result = Result()
            result.append_base_error(Error(error))
            return result
        # Rows changing what readers see, by someone who may not publish: set aside for review.
        result.proposals = gate.proposals
        return result

    def preview(self, dataset, options):
        """The dry run, noting which records readers see the rows would change: for someone who
        may not publish them, those changes will be proposals for review."""

        class _Preview(Exception):
            pass

        gate = ReviewGate(self.user, route=Proposal.Route.IMPORT)
        try:
            with gate:
                result = super().import_data(dataset, **options)
                result.for_review = [
                    key
                    for key, before in gate.before.items()
                    if before is not None and needs_review(self.user, before.model, before, before)
                ]
                raise _Preview  # nothing of a dry run is kept, not even its history
        except _Preview:
            pass
        return result

    def get_import_order(self):
        return tuple(name for name in super().get_import_order() if name not in self.lookup_only)

    def get_export_order(self):
        return tuple(name for name in super().get_export_order() if name not in self.lookup_only)

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # A key column holds a bad value: import_instance reports it on that column.
            return None
        except self._meta.model.MultipleObjectsReturned:
            raise ValidationError(
                gettext("Several %(models)s match this row's key columns (%(columns)s).")
                % {
                    "models": self._meta.model._meta.verbose_name_plural,
                    "columns": ", ".join(
                        self.fields[name].column_name for name in self.get_import_id_fields()
                    ),
                }
            ) from None

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        # The stored status, before the row changes it: the workflow checks the transition.
        instance._import_stored_status = None if new else getattr(instance, "status", None)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except ValueError:
            raise
        except (ArithmeticError, TypeError):
            # decimal.InvalidOperation and the like: report them like any bad value.
            raise ValueError(
                gettext("“%(value)s” is not a valid value.") % {"value": row.get(field.column_name)}
            ) from None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Errors keyed by column: the file's bad values, the workflow, then full_clean."""
        errors = {name: list(items) for name, items in (import_validation_errors or {}).items()}
        workflow_error = self.workflow_error(instance)
        if workflow_error:
            errors.setdefault("status", []).append(ValidationError(workflow_error))
        columns = self.model_field_columns()
        if self._meta.clean_model_instances:
            # Leave out the model fields behind a column already in error.
            exclude = set(errors) | {name for name, column in columns.items() if column in errors}
            try:
                instance.full_clean(exclude=exclude, validate_unique=validate_unique)
            except ValidationError as error:
                for name, items in error.update_error_dict({}).items():
                    errors.setdefault(columns.get(name, name), []).extend(items)
        if errors:
            raise ValidationError(errors)

    def model_field_columns(self) -> dict[str, str]:
        """Model field name → the column it is read from (a partial date's two fields → its one
        column)."""
        columns = {}
        for field in self.get_import_fields():
            if not field.attribute:
                continue
            accessor = getattr(self._meta.model, field.attribute, None)
            if isinstance(accessor, PartialDateAccessor):
                columns[accessor.field_name] = field.column_name
                columns[accessor.precision_name] = field.column_name
            else:
                columns[field.attribute] = field.column_name
        return columns

    def workflow_error(self, instance) -> str | None:
        """Why the importing user may not give this record the status it has now, if so."""
        if not isinstance(instance, Publishable):
            return None
        stored = instance._import_stored_status if instance.pk else None
        # A row changing a record readers see, by someone who may not publish, becomes a
        # proposal for review (see import_data); its status stays the reviewer's decision.
        try:
            check_transition(self.user, instance, instance.status, previous=stored or Status.DRAFT)
        except TransitionError as error:
            return str(error)
        return None

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if isinstance(instance, Publishable):
            # As the admin does on a status change.
            stored = getattr(instance, "_import_stored_status", None)
            if instance.status == Status.WITHDRAWN and stored != Status.WITHDRAWN:
                instance.withdrawn_at = timezone.now()
            elif instance.status != Status.WITHDRAWN:
                instance.withdrawn_at = None

    # Export ---------------------------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """Join every related record a natural-key column reads, once."""
        relations = [
            field.attribute
            for field in self.get_export_fields()
            if isinstance(field.widget, ForeignKeyWidget)
        ]
        many = [
            field.attribute
            for field in self.get_export_fields()
            if isinstance(field.widget, ManyToManyWidget)
        ]
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related(*relations)
            .prefetch_related(*many)
        )


FACT_FIELDS = ("uncertainty", "claims")


class OrderResource(ClaimsColumn, RecordResource):
    claims = claims_field()
    buyer = key("buyer", Country, "code")
    buying_organization = key("buying_organization", Organization)
    system = key("system", System)
    variant = Field(attribute="variant", column_name="variant", widget=VariantWidget())
    ordered = PartialDateField("ordered")
    agreement = key("agreement", Agreement)
    contracting_authority = key("contracting_authority", Organization)
    supplier = key("supplier", Organization)
    partnerships = keys("partnerships", Partnership)
    status = status_field()

    class Meta:
        model = Order
        name = _("Orders")
        fields = with_translations(
            Order,
            (
                "slug",
                "buyer",
                "buying_organization",
                "system",
                "variant",
                "quantity",
                "ordered",
                "order_status",
                "agreement",
                "contracting_authority",
                "supplier",
                "partnerships",
                "amount",
                "currency",
                "expected_delivery",
                "summary",
                *FACT_FIELDS,
                "status",
            ),
        )
        import_id_fields = ("slug",)
        # Numbers as plain numbers ("1234.50"), whatever the language of the admin.


class DeliveryResource(ClaimsColumn, RecordResource):
    claims = claims_field()
    order = key("order", Order)
    delivered = PartialDateField("delivered", required=True)
    # The import key is (order, delivered_on, delivered_on_precision), read from "delivered".
    delivered_on = Field(
        attribute="delivered_on",
        column_name="delivered",
        widget=PartialDateWidget(required=True, part="value"),
        readonly=True,
    )
    delivered_on_precision = Field(
        attribute="delivered_on_precision",
        column_name="delivered",
        widget=PartialDateWidget(required=True, part="precision"),
        readonly=True,
    )
    recipient = key("recipient", Organization)

    lookup_only = ("delivered_on", "delivered_on_precision")

    class Meta:
        model = Delivery
        name = _("Deliveries")
        fields = with_translations(
            Delivery,
            ("order", "delivered", "quantity", "recipient", "summary", *FACT_FIELDS),
        )
        import_id_fields = ("order", "delivered_on", "delivered_on_precision")


class ActivityResource(ClaimsColumn, RecordResource):
    claims = claims_field()
    parent = key("parent", Activity)
    started = PartialDateField("started")
    ended = PartialDateField("ended")
    place = key("place", Place)
    country = key("country", Country, "code")
    partnerships = keys("partnerships", Partnership)
    status = status_field()

    class Meta:
        model = Activity
        name = _("Activities")
        fields = with_translations(
            Activity,
            (
                "slug",
                "name",
                "kind",
                "parent",
                "edition",
                "started",
                "ended",
                "place",
                "location",
                "country",
                "strength",
                "is_cancelled",
                "partnerships",
                "summary",
                *FACT_FIELDS,
                "status",
            ),
        )
        import_id_fields = ("slug",)


class ParticipationResource(ClaimsColumn, RecordResource):
    claims = claims_field()
    activity = key("activity", Activity)
    organization = key("organization", Organization)
    country = key("country", Country, "code")
    commander = key("commander", Person)

    class Meta:
        model = Participation
        name = _("Participations")
        fields = with_translations(
            Participation,
            (
                "activity",
                "organization",
                "country",
                "role",
                "strength",
                "description",
                "commander",
                *FACT_FIELDS,
            ),
        )
        import_id_fields = ("activity", "organization", "country", "role")


__all__ = [
    "FORMATS",
    "ActivityResource",
    "DeliveryResource",
    "OrderResource",
    "PartialDateField",
    "PartialDateWidget",
    "ParticipationResource",
]
