"""The admin's side of review.

Every save in the admin (form, inlines, bulk action, deletion) runs in a review gate: a change
to what readers see by someone who may not publish it becomes a proposal, and readers keep the
published record. Revert, recovery and the editing of a proposal open the change form over the
state they bring back, applied in a transaction that is rolled back unless the form is saved:
so the curator sees exactly what will be saved, and the save is an ordinary change, recorded as
a new version and reviewed like any other.
"""

from __future__ import annotations

import contextlib

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .. import comments, records
from ..comparison import compare
from ..models import Proposal, Publishable, Status
from ..review import (
    ReviewGate,
    apply_proposal,
    current_gate,
    may_review,
    needs_review,
    open_proposal,
    reader_facing_now,
)
from ..sourcing import SourcingError
from ..states import RecordState, label
from ..workflow import can_publish
from ..writing import ApplyError, apply


class _Rollback(Exception):
    """Ends a form shown over a state that was not saved: undo the state, show the form."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def mark_published(proposal: Proposal, user) -> None:
    """An Editor saved the record with the proposal in it: the proposal is published."""
    from django.utils import timezone

    proposal.state = Proposal.State.PUBLISHED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "updated_at"])


class ReviewedAdminMixin:
    """Mixed into RecordAdmin (before django-reversion's VersionAdmin)."""

    revision_form_template = "admin/partnership/revision_form.html"
    recover_form_template = "admin/partnership/recover_form.html"

    # What the gate replaces -------------------------------------------------------------------

    @contextlib.contextmanager
    def create_revision(self, request):
        """django-reversion's revision around a view, replaced by the review gate (which opens
        the revision itself)."""
        with ReviewGate(request.user):
            yield

    def message_user(self, request, message, level=messages.INFO, extra_tags="", **kwargs):
        send = super().message_user
        gate = current_gate()
        if gate is None:
            return send(request, message, level, extra_tags, **kwargs)
        # "Changed successfully" only if the change is kept, not set aside for review.
        gate.defer(lambda: send(request, message, level, extra_tags, **kwargs))
        return None

    # Views -------------------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        self.prepare_review(request, live_status=Status.DRAFT, proposal_mode=False)
        return self.gated(
            request,
            lambda: admin.ModelAdmin.changeform_view(self, request, None, form_url, extra_context),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return admin.ModelAdmin.change_view(self, request, object_id, form_url, extra_context)
        root = records.root_key(obj)
        proposal = open_proposal(*root) if root else None
        proposal_mode = (
            root is not None
            and not can_publish(request.user, root[0])
            and reader_facing_now(*root, obj=obj if root == (self.model, obj.pk) else None)
        )
        loaded = self.proposal_to_load(request, proposal, proposal_mode)
        context = {
            "review": self.review_context(request, proposal, proposal_mode, loaded),
            **(extra_context or {}),
        }
        status = obj.status if isinstance(obj, Publishable) else None
        if loaded is not None and root == (self.model, obj.pk):
            return self.state_form(
                request,
                obj.pk,
                put=lambda: apply_proposal(loaded, validate=False),
                proposal=loaded,
                live_status=status,
                proposal_mode=proposal_mode,
                context=context,
            )
        self.prepare_review(request, live_status=status, proposal_mode=proposal_mode)
        return self.gated(
            request,
            lambda: admin.ModelAdmin.changeform_view(self, request, object_id, form_url, context),
        )

    def changelist_view(self, request, extra_context=None):
        # Bulk actions open a gate per record (so one refusal does not undo the others).
        context = {"has_change_permission": self.has_change_permission(request)}
        context.update(extra_context or {})
        try:
            return admin.ModelAdmin.changelist_view(self, request, context)
        except SourcingError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except SourcingError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        with ReviewGate(request.user, comment=comments.comment("deleted")):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with ReviewGate(request.user, comment=comments.comment("deleted")):
            super().delete_queryset(request, queryset)

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        """Revert or recover: the change form over the version's record with the rows it owned
        then, and nothing else; saving it is a new change, reviewed like any other."""
        if version._model is not self.model:
            raise Http404
        state = RecordState.from_version(version)
        live = RecordState.live(self.model, version.object_id)
        recovering = live is None
        obj = version._object_version.object
        root = records.root_key(obj)
        if root is None or not root[0]._base_manager.filter(pk=root[1]).exists():
            root_live = None
        else:
            root_live = RecordState.live(*root)
        root_after = state if root == (self.model, obj.pk) else root_live
        proposal_mode = root is not None and needs_review(
            request.user, root[0], root_live, root_after
        )
        date = version.revision.date_created.isoformat()
        context = {
            **(extra_context or {}),
            "preview": compare(live, state),
            "version": version,
            "recovering": recovering,
            "review": self.review_context(request, None, proposal_mode, None),
        }
        live_status = live.fields.get("status") if live else Status.DRAFT
        return self.state_form(
            request,
            version.object_id,
            put=lambda: apply(state, validate=False),
            state=state,
            live_status=live_status,
            proposal_mode=proposal_mode,
            context=context,
            template_name=template_name,
            route=Proposal.Route.RECOVER if recovering else Proposal.Route.REVERT,
            comment=comments.comment("recovered" if recovering else "reverted", date=date),
        )

    # Machinery ---------------------------------------------------------------------------------

    def prepare_review(self, request, *, live_status, proposal_mode):
        """What the form needs to know: the status readers see now (a revert or a proposal puts
        another one in the form), and whether saving will make a proposal."""
        request.review_live_status = live_status or Status.DRAFT
        request.review_proposal_mode = proposal_mode

    def proposal_to_load(self, request, proposal, proposal_mode):
        """The open proposal to edit: a Contributor continues it; an Editor opens it on purpose
        (?proposal=<id>), to amend it before publishing."""
        if proposal is None:
            return None
        asked = request.GET.get("proposal")
        if asked is not None:
            if asked != str(proposal.pk):
                raise Http404(_("No such proposal awaits review for this record."))
            return proposal
        return proposal if proposal_mode else None

    def review_context(self, request, proposal, proposal_mode, loaded):
        return {
            "proposal_mode": proposal_mode,
            "proposal": proposal,
            "loaded": loaded is not None,
            "can_review": proposal is not None and may_review(request.user, proposal),
        }

    def gated(self, request, view, *, route=Proposal.Route.FORM):
        gate = ReviewGate(request.user, route=route)
        try:
            with gate:
                response = view()
        except SourcingError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())
        return self.after_gate(request, gate, response)

    def after_gate(self, request, gate, response):
        if not gate.proposals:
            return response
        proposal = gate.proposals[0]
        messages.success(
            request,
            format_html(
                _(
                    "Your change to “{record}” awaits review by an Editor; readers keep seeing "
                    'the published version until it is published. <a href="{url}">See your '
                    "proposal</a>."
                ),
                record=proposal.object_repr,
                url=proposal.get_absolute_url(),
            ),
        )
        return HttpResponseRedirect(proposal.get_absolute_url())

    def state_form(
        self,
        request,
        pk,
        *,
        put,
        live_status,
        proposal_mode,
        context,
        state=None,
        proposal=None,
        template_name=None,
        route=Proposal.Route.FORM,
        comment=None,
    ):
        """The change form over the record as `put()` makes it, in a transaction rolled back
        unless the form is saved."""
        self.prepare_review(request, live_status=live_status, proposal_mode=proposal_mode)
        if proposal is not None and request.method == "POST":
            opened = request.POST.get("proposal_opened_at", "")
            if opened != proposal.updated_at.isoformat():
                who = proposal.updated_by.get_username() if proposal.updated_by else "—"
                messages.error(
                    request,
                    _(
                        "%(who)s changed this proposal after you opened it; your changes were "
                        "not saved. Here it is as it stands now."
                    )
                    % {"who": who},
                )
                return HttpResponseRedirect(request.get_full_path())
        stamp = self.concurrency_token(pk, state)
        # Only a save is recorded; showing the form is rolled back.
        gate = ReviewGate(request.user, route=route, recording=request.method == "POST")
        try:
            with gate:
                put()
                if proposal is not None:
                    gate.on_proposal.add((label(self.model), str(pk)))
                if stamp is not None:
                    self.model._base_manager.filter(pk=pk).update(updated_at=stamp)
                response = admin.ModelAdmin.changeform_view(
                    self, request, quote(str(pk)), request.get_full_path(), context
                )
                if request.method == "POST" and response.status_code == 302:
                    if comment:
                        reversion.set_comment(comment)
                else:
                    if template_name and hasattr(response, "template_name"):
                        response.template_name = template_name
                    if hasattr(response, "render"):
                        response.render()
                    raise _Rollback(response)
        except _Rollback as rollback:
            return rollback.response
        except (ApplyError, ProtectedError, IntegrityError) as error:
            problems = getattr(error, "messages", None) or [str(error)]
            messages.error(
                request,
                _("This version cannot be restored as it stands: %(problems)s")
                % {"problems": " ".join(problems)},
            )
            opts = self.model._meta
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except SourcingError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())
        if proposal is not None and not gate.proposals:
            mark_published(proposal, request.user)
        return self.after_gate(request, gate, response)

    def concurrency_token(self, pk, state):
        """The form refuses to save over a change made since it was opened, comparing the
        record's `updated_at`: the state put in place for the form must keep the live record's
        (or, for a deleted one, the version's), or every save would look like a conflict."""
        if "updated_at" not in {field.name for field in self.model._meta.fields}:
            return None
        stored = self.model._base_manager.filter(pk=pk).values_list("updated_at", flat=True)
        stamp = stored.first()
        if stamp is None and state is not None:
            stamp = state.fields.get("updated_at")
        return stamp


def record_admin_url(model, pk) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(str(pk))])
