"""Editors hand drafts over to another owner (a bulk action with a confirmation page)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.ownership import owners, set_owner


def may_own(model):
    """Active staff accounts allowed to change records of `model`: who may own one."""
    opts = model._meta
    permission = Permission.objects.filter(
        content_type__app_label=opts.app_label, codename=f"change_{opts.model_name}"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
        .order_by("username")
    )


@admin.action(description=_("Give to another owner…"), permissions=["publish"])
def reassign(modeladmin, request, queryset):
    model = modeladmin.model
    candidates = may_own(model)
    chosen = candidates.filter(pk=request.POST.get("owner") or None).first()
    if request.POST.get("confirm") and chosen is not None:
        selected = list(queryset.values_list("pk", flat=True))
        for pk in selected:
            set_owner(model, pk, chosen)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d record given to %(owner)s.",
                "%(count)d records given to %(owner)s.",
                len(selected),
            )
            % {"count": len(selected), "owner": chosen.get_username()},
            messages.SUCCESS,
        )
        return None
    records = list(queryset)
    owned = owners(model, [record.pk for record in records])
    names = dict(
        get_user_model().objects.filter(pk__in=owned.values()).values_list("pk", "username")
    )
    return TemplateResponse(
        request,
        "admin/partnership/reassign.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Give to another owner"),
            "records": [(record, names.get(owned.get(record.pk))) for record in records],
            "candidates": candidates,
            "opts": model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "missing_owner": bool(request.POST.get("confirm")),
        },
    )
