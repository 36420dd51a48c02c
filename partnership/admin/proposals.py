"""Reviewing proposed changes: compare with the published record, publish, send back, discard."""

from __future__ import annotations

import copy

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import Resolver404, path, resolve, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import review
from ..comparison import compare, describe_conflicts
from ..models import Proposal
from ..models.i18n import LANGUAGE_CODES, LANGUAGE_NAMES
from ..states import RecordState
from ..writing import ApplyError
from .review import record_admin_url


class OpenFilter(admin.SimpleListFilter):
    """Open proposals by default: what awaits a decision."""

    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open (awaiting review or sent back)")), *Proposal.State.choices]

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.open()
        if value == "all":
            return queryset
        if value in Proposal.State.values:
            return queryset.filter(state=value)
        return queryset

    def choices(self, changelist):
        current = self.value() or "open"
        yield {
            "selected": current == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": _("All"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class ProposalAdmin(admin.ModelAdmin):
    list_display = ["record_link", "record_type", "state", "created_by", "updated_at", "route"]
    list_filter = [OpenFilter, "route"]
    list_select_related = ["content_type", "created_by"]
    search_fields = ["object_repr", "created_by__username"]
    list_display_links = None
    review_template = "admin/partnership/proposal_review.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("record"), ordering="object_repr")
    def record_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:partnership_proposal_change", args=[obj.pk]),
            obj.object_repr,
        )

    @admin.display(description=gettext_lazy("record type"), ordering="content_type")
    def record_type(self, obj):
        return obj.content_type.model_class()._meta.verbose_name

    def get_urls(self):
        preview = path(
            "<int:pk>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="partnership_proposal_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, pk):
        """The record's public page as readers would see it once the proposal is published
        (rendered in a transaction that is then rolled back), for an anonymous reader."""
        proposal = Proposal.objects.select_related("content_type").filter(pk=pk).first()
        if proposal is None or proposal.record_model is None:
            raise Http404(_("No such proposed change."))
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        if not hasattr(proposal.record_model, "get_absolute_url"):
            raise Http404(_("This kind of record has no public page."))

        class _Shown(Exception):
            def __init__(self, response):
                super().__init__()
                self.response = response

        language = request.GET.get("lang") or translation.get_language()
        if language not in LANGUAGE_CODES:
            raise Http404(_("No such language."))
        try:
            with transaction.atomic(), translation.override(language):
                review.apply_proposal(proposal, validate=False)
                record = proposal.record_model._base_manager.get(pk=proposal.object_id)
                page = record.get_absolute_url()
                match = resolve(page)
                reader = copy.copy(request)
                reader.user = AnonymousUser()
                reader.path = reader.path_info = page
                reader.proposal_preview = proposal
                reader.LANGUAGE_CODE = language
                response = match.func(reader, *match.args, **match.kwargs)
                if hasattr(response, "render"):
                    response.render()
                raise _Shown(response)
        except _Shown as shown:
            response = shown.response
        except (ApplyError, Resolver404) as error:
            raise Http404(_("This proposal cannot be shown as a page.")) from error
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = (
            Proposal.objects.select_related("content_type", "created_by", "reviewed_by")
            .filter(pk=unquote(object_id))
            .first()
        )
        if proposal is None or proposal.record_model is None:
            raise Http404(_("No such proposed change."))
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        if request.method == "POST":
            return self.decide(request, proposal)
        return self.review_page(request, proposal)

    def review_page(self, request, proposal):
        model = proposal.record_model
        live = review.live_state(proposal)
        problems, outcome = [], None
        try:
            result = review.outcome(proposal)
            outcome = result.state
            if proposal.is_open and result.unsourced:
                problems.append(
                    _(
                        "Once published, the record would show no source readers see: cite a "
                        "published source in it first (Edit, then publish)."
                    )
                )
        except ApplyError as error:
            problems = error.messages
        target = RecordState.from_json(proposal.proposed)
        found = review.pending_conflicts(proposal, live) if proposal.is_open and live else []
        record = model._base_manager.filter(pk=proposal.object_id).first()
        can_review = proposal.is_open and review.may_review(request.user, proposal)
        is_author = proposal.created_by_id == request.user.pk
        edit_url = None
        if proposal.is_open and record is not None and (can_review or is_author):
            edit_url = record_admin_url(model, proposal.object_id)
            if can_review:
                edit_url += f"?proposal={proposal.pk}"
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": str(proposal),
            "proposal": proposal,
            "record": record,
            "record_url": record_admin_url(model, proposal.object_id) if record else None,
            "public_url": (
                record.get_absolute_url()
                if record is not None
                and getattr(record, "is_published", False)
                and hasattr(record, "get_absolute_url")
                else None
            ),
            "diff": compare(live, outcome) if outcome is not None else None,
            "conflicts": describe_conflicts(found, target),
            "problems": problems,
            "can_review": can_review,
            "can_discard": proposal.is_open and (can_review or is_author),
            "edit_url": edit_url,
            "record_type": model._meta.verbose_name,
            "previews": (
                [
                    (
                        code,
                        LANGUAGE_NAMES[code],
                        reverse("admin:partnership_proposal_preview", args=[proposal.pk])
                        + f"?lang={code}",
                    )
                    for code in LANGUAGE_CODES
                ]
                if proposal.is_open and hasattr(model, "get_absolute_url")
                else []
            ),
        }
        return TemplateResponse(request, self.review_template, context)

    def decide(self, request, proposal):
        action = request.POST.get("action")
        here = reverse("admin:partnership_proposal_change", args=[proposal.pk])
        try:
            if action in ("publish", "publish_anyway"):
                review.publish(proposal, user=request.user, force=action == "publish_anyway")
                messages.success(
                    request,
                    _("The change to “%(record)s” is published.")
                    % {"record": proposal.object_repr},
                )
                return HttpResponseRedirect(
                    record_admin_url(proposal.record_model, proposal.object_id)
                )
            if action == "send_back":
                review.send_back(proposal, user=request.user, note=request.POST.get("note", ""))
                messages.success(
                    request,
                    _("The proposal was sent back to its author with your note."),
                )
                return HttpResponseRedirect(reverse("admin:partnership_proposal_changelist"))
            if action == "discard":
                review.discard(proposal, user=request.user)
                messages.success(request, _("The proposal was discarded; nothing was published."))
                return HttpResponseRedirect(reverse("admin:partnership_proposal_changelist"))
        except review.ReviewError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(here)
        messages.error(request, _("Choose publish, send back or discard."))
        return HttpResponseRedirect(here)
