"""List filters: sources, uncertain values, translations, schedule."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..claims import approximate, disputed
from ..models import Status
from ..models.i18n import (
    LANGUAGE_NAMES,
    TRANSLATION_LANGUAGES,
    column,
)


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


class UncertainValueFilter(admin.SimpleListFilter):
    """Records with a value sources disagree on, or stated as an estimate, a range or a bound
    (from the values' claims)."""

    title = _("uncertain values")
    parameter_name = "uncertain"

    def lookups(self, request, model_admin):
        return [
            ("disputed", _("A value is disputed")),
            ("approximate", _("A value is approximate")),
            ("no", _("Every value exact and undisputed")),
        ]

    def queryset(self, request, queryset):
        model = queryset.model
        if self.value() == "disputed":
            return queryset.filter(disputed(model))
        if self.value() == "approximate":
            return queryset.filter(approximate(model))
        if self.value() == "no":
            return queryset.exclude(disputed(model)).exclude(approximate(model))
        return queryset


class TranslationFilter(admin.SimpleListFilter):
    """Records missing a translation, or whose translation predates the French text."""

    title = _("translation")
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        choices = []
        for language in TRANSLATION_LANGUAGES:
            name = LANGUAGE_NAMES[language]
            choices += [
                (f"missing-{language}", format_lazy(_("Missing in {}"), name)),
                (f"outdated-{language}", format_lazy(_("Outdated in {}"), name)),
            ]
        return [*choices, ("complete", _("Complete and up to date"))]

    @staticmethod
    def missing(model, language) -> Q:
        condition = Q(pk__in=[])
        for name in model.translated_fields():
            condition |= ~Q(**{name: ""}) & Q(**{column(name, language): ""})
        return condition

    def queryset(self, request, queryset):
        value = self.value() or ""
        kind, _sep, language = value.partition("-")
        if kind == "missing" and language in TRANSLATION_LANGUAGES:
            return queryset.filter(self.missing(queryset.model, language))
        if kind == "outdated" and language in TRANSLATION_LANGUAGES:
            return queryset.filter(outdated_translations__contains=f":{language}")
        if value == "complete":
            for language in TRANSLATION_LANGUAGES:
                queryset = queryset.exclude(self.missing(queryset.model, language))
            return queryset.filter(outdated_translations="")
        return queryset


class ScheduledFilter(admin.SimpleListFilter):
    title = _("schedule")
    parameter_name = "scheduled"

    def lookups(self, request, model_admin):
        return [("yes", _("Scheduled for later"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=Status.PUBLISHED, publish_at__gt=timezone.now())
        return queryset
