"""Shared admin pieces: citations inline, publication and uncertainty columns, constant query counts."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin

from .. import records
from ..comments import comment, keep_untranslated
from ..models import Proposal, Status
from ..models.i18n import (
    TRANSLATION_LANGUAGES,
    Localizable,
    Translatable,
    translation_columns,
    with_translations,
)
from ..review import ReviewGate, open_proposal
from ..revisions import record_history
from ..sourcing import SourcingError
from ..workflow import (
    READER_FACING,
    TransitionError,
    can_edit,
    can_publish,
    may_change_draft,
    transition,
)
from .display import with_publication_status
from .filters import HasSourceFilter, ScheduledFilter, TranslationFilter, UncertainValueFilter
from .forms import ConcurrencyForm, EfficientFormMixin, WorkflowForm
from .inlines import CitationInline, ClaimInline
from .owners import reassign
from .review import ReviewedAdminMixin

GROUPS = {
    "uncertainty": ["uncertainty"],
    "publication": ["status", "publish_at", "withdrawn_reason"],
    "history": ["created_at", "updated_at"],
}


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
            # Ordered by key: a default ordering on a nullable link (an order's buyer) would
            # join it, and PostgreSQL cannot lock the nullable side of an outer join.
            for obj in (
                self.model._default_manager.filter(pk__in=list(selected))
                .order_by("pk")
                .select_for_update()
            ):
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
        translated = self.model.translated_fields() if issubclass(self.model, Localizable) else ()
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


class PublishableAdmin(RecordAdmin):
    """The publication workflow in the admin: status choices per role, bulk transitions that
    respect permissions, published records read-only for those who may not publish."""

    form = WorkflowForm
    actions = ["submit_for_review", "publish", "withdraw", "reassign", "confirm_translations"]

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

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.owns(request, obj)

    @staticmethod
    def owns(request, obj) -> bool:
        """Another contributor's draft is shown, not changed (records readers see are changed
        through a proposal instead)."""
        if obj is None or obj.pk is None or obj.status in READER_FACING:
            return True
        return may_change_draft(request.user, type(obj), obj.pk)

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

    reassign = reassign

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
    """Admin of a fact-bearing record: claims and citations inline, source count."""

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), ClaimInline, CitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(source_count=Count("citations__source", distinct=True))
        )

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), UncertainValueFilter, HasSourceFilter]

    @admin.display(description=_("sources"), ordering="source_count")
    def sources(self, obj):
        return obj.source_count


class PublishableFactAdmin(PublishableAdmin, FactAdmin):
    pass
