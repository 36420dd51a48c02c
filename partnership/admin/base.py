"""Shared admin pieces: citations inline, publication and uncertainty columns, constant query counts."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin
from reversion.models import Version

from .. import records
from ..history import comment, describe_changes, keep_untranslated, version_fields
from ..models import Citation, Proposal, Source, Status
from ..models.i18n import (
    LANGUAGE_NAMES,
    REFERENCE_LANGUAGE,
    TRANSLATION_LANGUAGES,
    Localizable,
    Translatable,
    column,
    translation_columns,
    with_translations,
)
from ..review import ReviewGate, open_proposal
from ..revisions import record_history
from ..sourcing import SourcingError, dependants, shows_a_source, visible_on
from ..workflow import (
    TransitionError,
    allowed_statuses,
    can_edit,
    can_publish,
    check_transition,
    stored_status,
    transition,
)
from .display import with_publication_status
from .review import ReviewedAdminMixin


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
    "publication": ["status", "publish_at", "withdrawn_reason"],
    "history": ["created_at", "updated_at"],
}


class ConcurrencyForm(KnownLabelForm):
    """Refuses to save over a change made since the form was opened, and says what changed."""

    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stamp = getattr(self.instance, "updated_at", None)
        if self.instance.pk and not self.is_bound and stamp is not None:
            self.fields["loaded_at"].initial = stamp.isoformat()
        self.label_translations()

    def label_translations(self):
        """Name the French field as such, and flag translations made from an older French text."""
        model = type(self.instance)
        for name in model.translated_fields() if issubclass(model, Localizable) else ():
            if name in self.fields:
                field = model._meta.get_field(name)
                self.fields[name].label = format_lazy(
                    "{} ({})", capfirst(field.verbose_name), LANGUAGE_NAMES[REFERENCE_LANGUAGE]
                )
        for key in (getattr(self.instance, "outdated_translations", "") or "").split():
            name, language = key.split(":")
            field = self.fields.get(column(name, language))
            if field is not None:
                field.help_text = _(
                    "Outdated: the French text has changed since this translation was made. "
                    "Update it, or confirm it with the action “Mark translations as up to date”."
                )
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} outdated"

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_at")
        if self.instance.pk and loaded:
            stored = (
                type(self.instance)
                .objects.filter(pk=self.instance.pk)
                .values_list("updated_at", flat=True)
                .first()
            )
            if stored is not None and stored.isoformat() != loaded:
                raise ValidationError(self.conflict_message(loaded))
        return cleaned

    def conflict_message(self, loaded: str) -> str:
        versions = Version.objects.get_for_object(self.instance).select_related("revision__user")
        latest = versions.first()
        opened = versions.filter(
            revision__date_created__lte=datetime.datetime.fromisoformat(loaded)
        ).first()
        who = (
            latest.revision.user
            if latest is not None and latest.revision.user
            else _("someone else")
        )
        changed = (
            describe_changes(type(self.instance), version_fields(opened), version_fields(latest))
            if latest is not None and opened is not None
            else []
        )
        details = "; ".join(f"{c.field}: {c.before} → {c.after}" for c in changed)
        message = _(
            "%(who)s changed this record after you opened it; your changes were not saved."
        ) % {"who": who}
        if details:
            message = f"{message} {_('Their changes:')} {details}."
        return f"{message} {_('Reload the page to edit the current version.')}"


class WorkflowForm(ConcurrencyForm):
    """Offers only the statuses the user may give the record; refuses any other (a forged POST
    included); scheduling is reserved to those who may publish."""

    workflow_user = None
    # Set by the admin view: the status readers see now (a revert, a recovery or a proposal put
    # another one in the form), and whether saving makes a proposal for review.
    live_status = None
    proposal_mode = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_status = self.live_status or stored_status(self.instance)
        if self.proposal_mode:
            # A proposal changes the record's content; its status is the reviewer's decision.
            for name in ("status", "publish_at"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Your change will be reviewed by an Editor, who decides on publication."
                    )
            return
        if "status" in self.fields:
            allowed = allowed_statuses(
                self.workflow_user, self.instance, current=self.previous_status
            )
            self.fields["status"].choices = [
                (value, label) for value, label in Status.choices if value in allowed
            ]
        if "publish_at" in self.fields and not can_publish(self.workflow_user, self._meta.model):
            self.fields["publish_at"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.proposal_mode:
            return cleaned
        status = cleaned.get("status") or self.previous_status
        if isinstance(self.instance, Source):
            self.check_dependants(cleaned, status)
        try:
            check_transition(
                self.workflow_user,
                self.instance,
                status,
                previous=self.previous_status,
                reason=cleaned.get("withdrawn_reason", ""),
                check_sources=False,
            )
        except TransitionError as error:
            self.add_error("status" if "status" in self.fields else None, str(error))
        return cleaned


    def check_dependants(self, cleaned, status) -> None:
        """A source readers see may not be hidden while it is the only source readers see of a
        published record: name those records."""
        source = self.instance
        if source.pk is None or not Source.objects.filter(visible_on(timezone.now()), pk=source.pk):
            return
        publish_at = cleaned.get("publish_at", source.publish_at)
        if status == Status.PUBLISHED and (publish_at is None or publish_at <= timezone.now()):
            return
        records = dependants(source)
        if records:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (
                        reverse(
                            f"admin:{r._meta.app_label}_{r._meta.model_name}_change", args=[r.pk]
                        ),
                        r,
                    )
                    for r in records
                ),
            )
            self.add_error(
                "status" if "status" in self.fields else None,
                format_html(
                    "{} {}",
                    _(
                        "Readers would see no source for these published records, which cite "
                        "no other published source: cite another published source first, or "
                        "take them back to review."
                    ),
                    links,
                ),
            )


class RecordAdmin(ReviewedAdminMixin, EfficientFormMixin, VersionAdmin):
    """Every admin: change history with field diffs, revert and recovery of deleted records
    (django-reversion), and protection against overwriting someone else's change."""

    form = ConcurrencyForm
    list_per_page = 50

    actions = ["confirm_translations"]

    class Media:
        css = {"all": ["css/admin.css"]}

    readonly_fields = ["created_at", "updated_at"]
    object_history_template = "admin/partnership/object_history.html"

    @property
    def translated(self) -> bool:
        return issubclass(self.model, Translatable) and bool(self.model.translated_fields())

    def get_search_fields(self, request):
        return with_translations(self.model, super().get_search_fields(request))

    def get_list_filter(self, request):
        extra = [TranslationFilter] if self.translated else []
        return [*super().get_list_filter(request), *extra]

    def get_list_display(self, request):
        extra = ["translation_status"] if self.translated else []
        return [*super().get_list_display(request), *extra]

    def has_confirm_translations_permission(self, request):
        return self.translated and self.has_change_permission(request)

    @admin.display(description=_("translations"))
    def translation_status(self, obj):
        """Per language: complete, missing texts or outdated texts."""
        parts = []
        for language in TRANSLATION_LANGUAGES:
            missing, outdated = obj.missing_translations(language), obj.outdated_in(language)
            if missing:
                parts.append(format_lazy(_("{}: {} missing"), language.upper(), len(missing)))
            elif outdated:
                parts.append(format_lazy(_("{}: {} outdated"), language.upper(), len(outdated)))
            else:
                parts.append(format_lazy(_("{}: complete"), language.upper()))
        return " · ".join(str(part) for part in parts)

    @admin.action(
        description=_("Mark translations as up to date"), permissions=["confirm_translations"]
    )
    def confirm_translations(self, request, queryset):
        confirmed = 0
        with ReviewGate(
            request.user, route=Proposal.Route.ACTION, comment=comment("translations_confirmed")
        ):
            # The list's queryset may be annotated (GROUP BY), which cannot be locked.
            selected = queryset.values_list("pk", flat=True)
            for obj in self.model._default_manager.filter(
                pk__in=list(selected)
            ).select_for_update():
                if not can_edit(request.user, obj):
                    continue
                obj.track_translations(confirm=True)
                obj.save(update_fields=["translation_sources", "outdated_translations"])
                confirmed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d record’s translations marked as up to date.",
                "%(count)d records’ translations marked as up to date.",
                confirmed,
            )
            % {"count": confirmed},
            messages.SUCCESS,
        )

    def log_addition(self, request, obj, message):
        return keep_untranslated(super().log_addition(request, obj, message))

    def log_change(self, request, obj, message):
        return keep_untranslated(super().log_change(request, obj, message))

    def history_view(self, request, object_id, extra_context=None):
        """Every version of the record, newest first, with what changed: its own fields, then
        its child rows and citations; with the open proposal, if any, on top."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        opts = self.model._meta
        entries = record_history(self.model, obj.pk)
        for entry in entries:
            entry["url"] = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                args=(quote(entry["version"].object_id), entry["version"].id),
            )
        root = records.root_key(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "entries": list(reversed(entries)),
            "proposal": open_proposal(*root) if root else None,
            "object": obj,
            "opts": opts,
            "module_name": str(opts.verbose_name_plural),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def get_fieldsets(self, request, obj=None):
        """The record's own fields first, each partial date beside its precision; then
        uncertainty, publication and history."""
        if self.fieldsets:
            return super().get_fieldsets(request, obj)
        fields = self.get_fields(request, obj)
        translated = (
            self.model.translated_fields() if issubclass(self.model, Localizable) else ()
        )
        copies = {copy for name in translated for copy in translation_columns(name)}
        grouped = {name for names in GROUPS.values() for name in names}
        main = []
        for name in fields:
            if name in grouped or name in copies or name.endswith("_precision"):
                continue
            precision = f"{name}_precision"
            if precision in fields:
                main.append((name, precision))
            elif name in translated:
                # French beside its translations, so translators see the text they work from.
                main.append((name, *translation_columns(name)))
            else:
                main.append(name)
        fieldsets = [(None, {"fields": main})]
        titles = {
            "uncertainty": _("Uncertainty"),
            "publication": _("Publication"),
            "history": _("History"),
        }
        for group, names in GROUPS.items():
            present = [name for name in names if name in fields]
            if present:
                rows = [tuple(name for name in present if name not in translated)]
                rows += [
                    (name, *translation_columns(name)) for name in present if name in translated
                ]
                options = {"fields": [row for row in rows if row]}
                if group == "history":
                    options["classes"] = ["collapse"]
                fieldsets.append((titles[group], options))
        return fieldsets


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


class PublishableAdmin(RecordAdmin):
    """The publication workflow in the admin: status choices per role, bulk transitions that
    respect permissions, published records read-only for those who may not publish."""

    form = WorkflowForm
    actions = ["submit_for_review", "publish", "withdraw", "confirm_translations"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(
            form.__name__,
            (form,),
            {
                "workflow_user": request.user,
                "live_status": getattr(request, "review_live_status", None),
                "proposal_mode": getattr(request, "review_proposal_mode", False),
            },
        )

    def get_list_filter(self, request):
        return ["status", ScheduledFilter, *super().get_list_filter(request)]

    def get_list_display(self, request):
        return with_publication_status(super().get_list_display(request))

    def has_publish_permission(self, request):
        return can_publish(request.user, self.model)

    def save_model(self, request, obj, form, change):
        if obj.status == Status.WITHDRAWN and form.previous_status != Status.WITHDRAWN:
            obj.withdrawn_at = timezone.now()
        elif obj.status != Status.WITHDRAWN:
            obj.withdrawn_at = None
        super().save_model(request, obj, form, change)

    def apply(self, request, queryset, target, *, reason=""):
        done, refused = 0, []
        for record in queryset:
            try:
                with ReviewGate(
                    request.user,
                    route=Proposal.Route.ACTION,
                    comment=comment("status", status=target),
                ):
                    transition(record, user=request.user, to=target, reason=reason)
                done += 1
            except (TransitionError, PermissionDenied, SourcingError) as error:
                refused.append(f"{record}: {error}")
        if done:
            self.message_user(
                request, _("%(count)s record(s) updated.") % {"count": done}, messages.SUCCESS
            )
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self.apply(request, queryset, Status.REVIEW)

    @admin.action(description=_("Publish"), permissions=["publish"])
    def publish(self, request, queryset):
        self.apply(request, queryset, Status.PUBLISHED)

    @admin.action(description=_("Withdraw, with a reason…"), permissions=["publish"])
    def withdraw(self, request, queryset):
        reason = request.POST.get("withdrawn_reason", "").strip()
        if request.POST.get("confirm") and reason:
            self.apply(request, queryset, Status.WITHDRAWN, reason=reason)
            return None
        return TemplateResponse(
            request,
            "admin/partnership/withdraw.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Withdraw records"),
                "records": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "missing_reason": bool(request.POST.get("confirm")),
            },
        )


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


class PublishableFactAdmin(PublishableAdmin, FactAdmin):
    pass
