"""Inlines: child rows and the sources a record cites."""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import records
from ..models import Citation, Status
from ..sourcing import shows_a_source
from .forms import EfficientFormMixin


class ChildRowsMixin:
    """Child rows and citations are part of their record: whoever may change the record may
    remove one of them (a change reviewed like any other when readers see the record)."""

    def has_delete_permission(self, request, obj=None):
        if super().has_delete_permission(request, obj):
            return True
        owned = self.model is Citation or records.parent_field(self.model) is not None
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
    fields = ["source", "field", "claimed_value", "locator", "excerpt"]
    classes = ["citations"]  # static/css/admin.css fits its columns to the form's width
    verbose_name = _("source cited")
    verbose_name_plural = _("sources cited")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "excerpt":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EfficientInline(ChildRowsMixin, EfficientFormMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
