"""Inlines: child rows and the sources a record cites."""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import records
from ..claims import claimable_fields, field_label
from ..models import Citation, Claim, Status
from ..sourcing import shows_a_source
from .forms import EfficientFormMixin


class ChildRowsMixin:
    """Child rows and citations are part of their record: whoever may change the record may
    remove one of them (a change reviewed like any other when readers see the record)."""

    def has_delete_permission(self, request, obj=None):
        if super().has_delete_permission(request, obj):
            return True
        owned = records.is_generic_row(self.model) or records.parent_field(self.model) is not None
        return owned and self.has_change_permission(request, obj)


class CitationFormSet(BaseGenericInlineFormSet):
    """A record about to be published must keep at least one citation."""

    def clean(self):
        super().clean()
        if any(self.errors) or getattr(self.instance, "status", None) != Status.PUBLISHED:
            return
        kept = [
            form.cleaned_data["source"]
            for form in self.forms
            if form.cleaned_data.get("source") and not form.cleaned_data.get("DELETE")
        ]
        if not shows_a_source(self.instance, citations=kept):
            raise ValidationError(
                _(
                    "A published record must cite at least one source that readers see: a "
                    "published source, published by the time the record is."
                )
            )


class CitationInline(ChildRowsMixin, EfficientFormMixin, GenericTabularInline):
    model = Citation
    formset = CitationFormSet
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "claim", "locator", "excerpt"]
    classes = ["citations"]  # static/css/admin.css fits its columns to the form's width
    verbose_name = _("source cited")
    verbose_name_plural = _("sources cited")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        claim = formset.form.base_fields.get("claim")
        if claim is not None:
            # A citation backs the whole record or one of the record's own values.
            claim.queryset = claims_of(obj)
            claim.empty_label = _("The whole record")
            # Listed once for every row of the inline, not queried again for each.
            claim.choices = [("", claim.empty_label)] + [
                (value.pk, claim_choice_label(value)) for value in claim.queryset
            ]
        return formset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "excerpt":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def claims_of(obj):
    if obj is None or obj.pk is None:
        return Claim.objects.none()
    content_type = ContentType.objects.get_for_model(type(obj))
    return Claim.objects.filter(content_type=content_type, object_id=obj.pk).select_related(
        "content_type"
    )


def claim_choice_label(claim) -> str:
    model = claim.content_type.model_class()
    return f"{field_label(model, claim.field)}: {claim.value}" + (
        f"–{claim.upper}" if claim.upper else ""
    )


class ClaimForm(forms.ModelForm):
    """The field a claim is about is picked among the values the record can cite."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = getattr(self, "parent_model", None)
        if parent is not None and "field" in self.fields:
            self.fields["field"] = forms.ChoiceField(
                label=self.fields["field"].label,
                help_text=self.fields["field"].help_text,
                choices=[("", "---------")]
                + [(name, field_label(parent, name)) for name in claimable_fields(parent)],
            )


class ClaimInline(ChildRowsMixin, EfficientFormMixin, GenericTabularInline):
    """The values of a record as sources state them: certainty, competing values, ranks."""

    model = Claim
    form = ClaimForm
    extra = 0
    fields = ["field", "value", "certainty", "upper", "rank", "reason"]
    classes = ["claims"]
    verbose_name = _("value and its certainty")
    verbose_name_plural = _("values, their certainty and competing claims")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("ClaimForm", (formset.form,), {"parent_model": self.parent_model})
        return formset


class EfficientInline(ChildRowsMixin, EfficientFormMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
