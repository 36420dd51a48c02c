"""The 403 page: in the admin's look under /admin/, saying why and where to go back to; public
pages keep Django's (templates/403.html when there is one)."""

from django.contrib import admin
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import defaults

ADMIN_VIEWS_ON_A_RECORD = ("change", "delete", "history", "revision")


def permission_denied(request, exception):
    if request.path.startswith(reverse("admin:index")):
        return admin_permission_denied(request, exception)
    return defaults.permission_denied(request, exception)


def admin_permission_denied(request, exception):
    match = request.resolver_match
    model_prefix, view = "", ""
    if match is not None and match.namespace == "admin" and match.url_name:
        model_prefix, _sep, view = match.url_name.rpartition("_")
    context = {
        **admin.site.each_context(request),
        "title": _("Permission denied"),
        "reason": reason(request, exception, view),
        "record_url": record_url(match, model_prefix, view),
        "list_url": admin_url(f"{model_prefix}_changelist") if model_prefix else None,
    }
    return render(request, "admin/403.html", context, status=403)


def reason(request, exception, view) -> str:
    message = str(exception) if exception is not None else ""
    if message:
        return message
    if view == "delete" or request.POST.get("action") == "delete_selected":
        return _("Only Editors and Administrators can delete records.")
    return _("Your role does not allow this action. Ask an Editor or an Administrator.")


def record_url(match, model_prefix: str, view: str) -> str | None:
    """The record the refused page was about, unless that page was the record itself."""
    if view not in ADMIN_VIEWS_ON_A_RECORD or view == "change" or "object_id" not in match.kwargs:
        return None
    return admin_url(f"{model_prefix}_change", match.kwargs["object_id"])


def admin_url(name: str, *args) -> str | None:
    try:
        return reverse(f"admin:{name}", args=args)
    except NoReverseMatch:
        return None
