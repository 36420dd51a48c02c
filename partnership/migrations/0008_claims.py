"""Claims: each value of a record with its own citations, certainty and rank.

Citations that named a field (`field`, `claimed_value`) become citations of a claim about that
field: the value the source states, preferred when it is the record's own value, a competing
(normal) claim otherwise. Citations that named a long text (a summary) back the whole record.
Orders say whether their deliveries are tracked; sources whether their title is reconstructed;
planned milestones are kept apart from deliveries.
"""

from decimal import Decimal

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import partnership.models.i18n

NOT_VALUES = {
    "id",
    "slug",
    "status",
    "publish_at",
    "withdrawn_at",
    "withdrawn_reason",
    "created_at",
    "updated_at",
    "is_estimate",
    "is_disputed",
    "uncertainty",
    "translation_sources",
    "outdated_translations",
}
SKIPPED_TYPES = (models.TextField, models.URLField, models.BooleanField)


def claimable(model, name):
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    if (
        name in NOT_VALUES
        or name.endswith(("_precision", "_nl", "_en"))
        or isinstance(field, SKIPPED_TYPES) and not isinstance(field, models.TextField)
        or isinstance(field, models.TextField) and hasattr(model, f"{name}_nl")
        or (field.many_to_one and field.remote_field.on_delete is models.CASCADE)
        or (not getattr(field, "concrete", False)
        and not field.many_to_many)
    ):
        return None
    return field


def written(record, field):
    """The record's value as a claim states it (the dataset's notation)."""
    if field.many_to_many:
        return ", ".join(
            sorted(
                getattr(obj, "slug", None) or str(obj.pk)
                for obj in getattr(record, field.name).all()
            )
        )
    value = getattr(record, field.attname)
    if value is None or value == "":
        return ""
    if isinstance(field, models.DateField):
        precision = getattr(record, f"{field.name}_precision", 4)
        return value.isoformat()[: {1: 4, 2: 4, 3: 7}.get(precision, 10)] + (
            "s" if precision == 1 else ""
        )
    if field.many_to_one:
        target = getattr(record, field.name)
        return getattr(target, "slug", None) or getattr(target, "code", None) or str(target.pk)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {text}" for key, text in value.items())
    return str(value)


def citations_to_claims(apps, schema_editor):
    Citation = apps.get_model("partnership", "Citation")
    Claim = apps.get_model("partnership", "Claim")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for citation in Citation.objects.exclude(field="").order_by("pk"):
        content_type = ContentType.objects.get(pk=citation.content_type_id)
        model = apps.get_model(content_type.app_label, content_type.model)
        record = model._base_manager.filter(pk=citation.object_id).first()
        field = claimable(model, citation.field) if record is not None else None
        if field is None:
            duplicate = Citation.objects.filter(
                content_type_id=citation.content_type_id,
                object_id=citation.object_id,
                source_id=citation.source_id,
                field="",
            ).exists()
            if duplicate:
                citation.delete()
            else:
                citation.field = citation.claimed_value = ""
                citation.save(update_fields=["field", "claimed_value"])
            continue
        held = written(record, field)
        stated = citation.claimed_value or held
        claim, _ = Claim.objects.get_or_create(
            content_type_id=citation.content_type_id,
            object_id=citation.object_id,
            field=field.name,
            value=stated,
            defaults={"rank": "preferred" if stated == held else "normal"},
        )
        citation.claim = claim
        citation.save(update_fields=["claim"])


def grant(apps, schema_editor):
    app_config = apps.get_app_config("partnership")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content = Permission.objects.filter(
        content_type__app_label="partnership", content_type__model__in=["claim", "milestone"]
    )
    for name, actions in (
        ("Contributor", ("add", "change", "view")),
        ("Editor", ("add", "change", "view", "delete")),
        ("Administrator", ("add", "change", "view", "delete")),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*content.filter(codename__regex=rf"^({'|'.join(actions)})_"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("partnership", "0007_review_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="Claim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "translation_sources",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        help_text="For each translation, a fingerprint of the French text it was made from.",
                        verbose_name="translation sources",
                    ),
                ),
                (
                    "outdated_translations",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="Translations made from an earlier French text, as field:language.",
                        max_length=500,
                        verbose_name="outdated translations",
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "field",
                    models.CharField(
                        help_text="The field of the record this value is for.",
                        max_length=60,
                        verbose_name="value of",
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        help_text="As the sources state it: a date as 2019-06-21, 2019-06 or 2019, a number in digits; the lower bound of a range.",
                        max_length=200,
                        verbose_name="value stated",
                    ),
                ),
                (
                    "upper",
                    models.CharField(
                        blank=True,
                        help_text="For a range only.",
                        max_length=200,
                        verbose_name="upper bound",
                    ),
                ),
                (
                    "certainty",
                    models.CharField(
                        choices=[
                            ("exact", "Exact"),
                            ("estimate", "Estimate"),
                            ("range", "Range"),
                            ("at_least", "At least"),
                            ("at_most", "At most"),
                        ],
                        default="exact",
                        max_length=10,
                        verbose_name="certainty",
                    ),
                ),
                (
                    "rank",
                    models.CharField(
                        choices=[
                            ("preferred", "Preferred"),
                            ("normal", "Normal"),
                            ("deprecated", "Deprecated"),
                        ],
                        default="preferred",
                        help_text="Preferred: the value shown. Normal: a credible value other sources give. Deprecated: a value known to be wrong.",
                        max_length=10,
                        verbose_name="rank",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        help_text="Why this value is preferred over the others, or set aside.",
                        max_length=300,
                        verbose_name="reason for the rank",
                    ),
                ),
                (
                    "reason_nl",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="Why this value is preferred over the others, or set aside.",
                        max_length=300,
                        verbose_name="reason for the rank (Dutch)",
                    ),
                ),
                (
                    "reason_en",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="Why this value is preferred over the others, or set aside.",
                        max_length=300,
                        verbose_name="reason for the rank (English)",
                    ),
                ),
            ],
            options={
                "verbose_name": "claim",
                "verbose_name_plural": "claims",
                "ordering": ["content_type", "object_id", "field", "pk"],
            },
            bases=(partnership.models.i18n.Localizable, models.Model),
        ),
        migrations.CreateModel(
            name="Milestone",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "translation_sources",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        help_text="For each translation, a fingerprint of the French text it was made from.",
                        verbose_name="translation sources",
                    ),
                ),
                (
                    "outdated_translations",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="Translations made from an earlier French text, as field:language.",
                        max_length=500,
                        verbose_name="outdated translations",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "is_estimate",
                    models.BooleanField(
                        default=False,
                        help_text="A figure or date is approximate.",
                        verbose_name="estimate",
                    ),
                ),
                (
                    "is_disputed",
                    models.BooleanField(
                        default=False,
                        help_text="Sources disagree; each claim is kept in its citation.",
                        verbose_name="disputed",
                    ),
                ),
                (
                    "uncertainty",
                    models.CharField(blank=True, max_length=300, verbose_name="uncertainty note"),
                ),
                (
                    "uncertainty_nl",
                    models.CharField(
                        blank=True,
                        default="",
                        max_length=300,
                        verbose_name="uncertainty note (Dutch)",
                    ),
                ),
                (
                    "uncertainty_en",
                    models.CharField(
                        blank=True,
                        default="",
                        max_length=300,
                        verbose_name="uncertainty note (English)",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("first_delivery", "First delivery"),
                            ("deliveries", "Deliveries"),
                            ("last_delivery", "Last delivery"),
                            ("service_entry", "Entry into service"),
                            ("full_capability", "Full operational capability"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("planned_on", models.DateField(verbose_name="planned for")),
                (
                    "planned_on_precision",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "decade"), (2, "year"), (3, "month"), (4, "day")],
                        default=4,
                        verbose_name="precision of the planned date",
                    ),
                ),
                (
                    "planned_until",
                    models.DateField(
                        blank=True,
                        help_text="For a plan over a period (deliveries 2025–2031): its end.",
                        null=True,
                        verbose_name="planned until",
                    ),
                ),
                (
                    "planned_until_precision",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "decade"), (2, "year"), (3, "month"), (4, "day")],
                        default=4,
                        verbose_name="precision of the end of the period",
                    ),
                ),
                (
                    "quantity",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="quantity planned"
                    ),
                ),
                ("summary", models.TextField(blank=True, verbose_name="summary")),
                (
                    "summary_nl",
                    models.TextField(blank=True, default="", verbose_name="summary (Dutch)"),
                ),
                (
                    "summary_en",
                    models.TextField(blank=True, default="", verbose_name="summary (English)"),
                ),
            ],
            options={
                "verbose_name": "planned milestone",
                "verbose_name_plural": "planned milestones",
                "ordering": ["order", "planned_on", "pk"],
            },
            bases=(partnership.models.i18n.Localizable, models.Model),
        ),
        migrations.AlterModelOptions(
            name="citation",
            options={
                "ordering": ["content_type", "object_id", "claim", "pk"],
                "verbose_name": "citation",
                "verbose_name_plural": "citations",
            },
        ),
        migrations.RemoveConstraint(
            model_name="citation",
            name="citation_unique_claim_per_source",
        ),
        migrations.AddField(
            model_name="order",
            name="deliveries_tracked",
            field=models.BooleanField(
                default=True,
                help_text="Untick when this knowledge base does not follow this order's deliveries: readers then see “not tracked” instead of a count.",
                verbose_name="deliveries tracked",
            ),
        ),
        migrations.AddField(
            model_name="source",
            name="title_reconstructed",
            field=models.BooleanField(
                default=False,
                help_text="The document's own title is not known; the one shown was rebuilt from its address.",
                verbose_name="title reconstructed",
            ),
        ),
        migrations.AddField(
            model_name="claim",
            name="content_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, to="contenttypes.contenttype"
            ),
        ),
        migrations.AddField(
            model_name="citation",
            name="claim",
            field=models.ForeignKey(
                blank=True,
                help_text="The value this source states; empty when it backs the whole record.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="citations",
                to="partnership.claim",
                verbose_name="claim",
            ),
        ),
        migrations.AddField(
            model_name="milestone",
            name="met_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The delivery that made this plan a fact, once it happened.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="milestones_met",
                to="partnership.delivery",
                verbose_name="met by",
            ),
        ),
        migrations.AddField(
            model_name="milestone",
            name="order",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="milestones",
                to="partnership.order",
                verbose_name="order",
            ),
        ),
        migrations.RunPython(citations_to_claims, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="citation",
            name="claimed_value",
        ),
        migrations.RemoveField(
            model_name="citation",
            name="field",
        ),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.UniqueConstraint(
                fields=("content_type", "object_id", "source", "claim"),
                name="citation_unique_claim_per_source",
            ),
        ),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("claim__isnull", True)),
                fields=("content_type", "object_id", "source"),
                name="citation_unique_record_source",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=["content_type", "object_id"], name="partnership_content_5fd50b_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.UniqueConstraint(
                fields=("content_type", "object_id", "field", "value"),
                name="claim_unique_value_per_field",
                violation_error_message="This value is already claimed for this field.",
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.UniqueConstraint(
                condition=models.Q(("rank", "preferred")),
                fields=("content_type", "object_id", "field"),
                name="claim_one_preferred_per_field",
                violation_error_message="A field has one preferred value at most.",
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("certainty", "range"), _negated=True),
                    models.Q(("upper", ""), _negated=True),
                    _connector="OR",
                ),
                name="claim_range_has_upper_bound",
                violation_error_message="A range needs its upper bound.",
            ),
        ),
        migrations.AddConstraint(
            model_name="milestone",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("quantity__gt", 0), ("quantity__isnull", True), _connector="OR"
                ),
                name="milestone_quantity_positive",
                violation_error_message="The quantity must be positive.",
            ),
        ),
        migrations.AddConstraint(
            model_name="milestone",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("planned_until__isnull", True),
                    ("planned_on__isnull", True),
                    ("planned_until__gte", models.F("planned_on")),
                    ("planned_until_precision__lt", models.F("planned_on_precision")),
                    _connector="OR",
                ),
                name="milestone_planned_until_not_before_planned_on",
                violation_error_message="The end cannot come before the start.",
            ),
        ),
    ]
