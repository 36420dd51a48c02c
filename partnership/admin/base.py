"""Shared admin pieces: citations inline, publication and uncertainty columns, constant query counts."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import Citation


class KnownLabelAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that shows the current choice without a query when its label is known.

    Django's widget queries the database for the selected option's label once per widget, so an
    inline with N rows costs N queries; the form fills `known` from the already-joined instance.
    """

    known: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not selected or not all(v in self.known for v in selected):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for v in selected:
            options.append(self.create_option(name, v, self.known[v], set(selected), len(options)))
        return [(None, options, 0)]


class KnownLabelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            return
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if not isinstance(widget, KnownLabelAutocompleteSelect):
                continue
            model_field = self.instance._meta.get_field(name)
            if model_field.is_cached(self.instance):
                related = getattr(self.instance, name)
                if related is not None:
                    widget.known = {str(related.pk): field.label_from_instance(related)}


class EfficientFormMixin:
    """Autocomplete widgets that reuse joined rows, and inline rows joined to their relations."""

    form = KnownLabelForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownLabelAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if isinstance(self, admin.options.InlineModelAdmin):
            relations = [
                field.name
                for field in self.model._meta.fields
                if field.many_to_one and field.name != "content_type"
            ]
            if relations:
                queryset = queryset.select_related(*relations)
        return queryset


class CitationInline(EfficientFormMixin, GenericTabularInline):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "field", "claimed_value", "locator", "excerpt"]
    verbose_name = _("source cited")
    verbose_name_plural = _("sources cited")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "excerpt":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EfficientInline(EfficientFormMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


class HasSourceFilter(admin.SimpleListFilter):
    title = _("sources")
    parameter_name = "sourced"

    def lookups(self, request, model_admin):
        return [("yes", _("Cites a source")), ("no", _("No source"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(source_count__gt=0)
        if self.value() == "no":
            return queryset.filter(source_count=0)
        return queryset


GROUPS = {
    "uncertainty": ["is_estimate", "is_disputed", "uncertainty"],
    "publication": ["status", "publish_at"],
    "history": ["created_at", "updated_at"],
}


class RecordAdmin(EfficientFormMixin, admin.ModelAdmin):
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at"]

    def get_fieldsets(self, request, obj=None):
        """The record's own fields first, each partial date beside its precision; then
        uncertainty, publication and history."""
        if self.fieldsets:
            return super().get_fieldsets(request, obj)
        fields = self.get_fields(request, obj)
        grouped = {name for names in GROUPS.values() for name in names}
        main = []
        for name in fields:
            if name in grouped or name.endswith("_precision"):
                continue
            precision = f"{name}_precision"
            main.append((name, precision) if precision in fields else name)
        fieldsets = [(None, {"fields": main})]
        titles = {
            "uncertainty": _("Uncertainty"),
            "publication": _("Publication"),
            "history": _("History"),
        }
        for group, names in GROUPS.items():
            present = [name for name in names if name in fields]
            if present:
                options = {"fields": [tuple(present)]}
                if group == "history":
                    options["classes"] = ["collapse"]
                fieldsets.append((titles[group], options))
        return fieldsets


class FactAdmin(RecordAdmin):
    """Admin of a fact-bearing record: citations inline, uncertainty flags, source count."""

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), CitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(source_count=Count("citations__source", distinct=True))
        )

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), "is_estimate", "is_disputed", HasSourceFilter]

    @admin.display(description=_("sources"), ordering="source_count")
    def sources(self, obj):
        return obj.source_count


class PublishableFactAdmin(FactAdmin):
    def get_list_filter(self, request):
        return ["status", *super().get_list_filter(request)]
