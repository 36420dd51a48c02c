"""Sign-in lockouts (django-axes): the warning before one, the page a locked-out curator sees,
and the "Locked accounts" page where Administrators lift them.

A lockout is kept per username and address (settings.AXES_LOCKOUT_PARAMETERS): the failures of
one username from one address within the cool-off time (AXES_COOLOFF_TIME) add up, whatever the
browser, and AXES_FAILURE_LIMIT of them lock it until the cool-off time has passed since enough
of them. Records are read from the database, where axes' default handler keeps them.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import math
from collections import defaultdict

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

# The sign-in page warns from this failed attempt on.
WARN_FROM_FAILURE = 3
UNLOCK_PERMISSIONS = ("axes.view_accessattempt", "axes.delete_accessattempt")


@dataclasses.dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_attempt: datetime.datetime
    unlocks_at: datetime.datetime | None  # None: locked until someone unlocks it


def failure_limit(request=None) -> int:
    return get_failure_limit(request, None)


def cool_off_text(cool_off: datetime.timedelta | None = None) -> str:
    """How long a lockout lasts, in words: "an hour", "30 minutes"."""
    cool_off = cool_off if cool_off is not None else get_cool_off()
    if cool_off is None:
        return _("until an administrator unlocks it")
    minutes = round(cool_off.total_seconds() / 60)
    if minutes == 60:
        return _("an hour")
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def current_lockouts(
    *, now: datetime.datetime | None = None, username: str | None = None, ip_address=None
) -> list[Lockout]:
    """Accounts locked now, most recent attempt first; narrowed to one username (and address)
    when given. One query."""
    now = now or timezone.now()
    cool_off, limit = get_cool_off(), failure_limit()
    attempts = AccessAttempt.objects.exclude(username=None).exclude(username="")
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=now - cool_off)
    if username is not None:
        attempts = attempts.filter(username=username)
        if ip_address is not None:
            attempts = attempts.filter(ip_address=ip_address)
    # One row per browser (user agent): a lockout sums them.
    groups = defaultdict(list)
    rows = attempts.order_by("-attempt_time").values_list(
        "username", "ip_address", "failures_since_start", "attempt_time"
    )
    for user, address, failures, time in rows:
        groups[user, address].append((failures, time))
    lockouts = []
    for (user, address), attempts_ in groups.items():
        total = sum(failures for failures, _time in attempts_)
        if total < limit:
            continue
        # The lockout ends when the newest attempts, which alone still reach the limit, expire.
        counted, unlocks_at = 0, None
        for failures, time in attempts_:
            counted += failures
            if counted >= limit:
                unlocks_at = time + cool_off if cool_off is not None else None
                break
        lockouts.append(Lockout(user, address, total, attempts_[0][1], unlocks_at))
    return lockouts


def unlock(*, username: str, ip_address: str | None) -> int:
    """Lift the lockout of `username` from `ip_address` (from every address when None); returns
    the number of attempt records removed."""
    if not username:
        raise ValueError("unlock() needs a username: an empty one would reset every lockout")
    return reset(ip=ip_address or None, username=username)


def lockout_warning(request) -> str:
    """After a failed sign-in, from the WARN_FROM_FAILURE-th failure on: how many attempts are
    left before the account is locked. Empty otherwise."""
    failures = getattr(request, "axes_failures_since_start", None)
    if not failures or failures < WARN_FROM_FAILURE or getattr(request, "axes_locked_out", False):
        return ""
    left = failure_limit(request) - failures
    if left <= 0:
        return ""
    return ngettext(
        "%(count)d attempt left before this account is locked for %(duration)s.",
        "%(count)d attempts left before this account is locked for %(duration)s.",
        left,
    ) % {"count": left, "duration": cool_off_text()}


def locked_out(request, original_response=None, credentials=None):
    """The page axes shows on a locked sign-in (settings.AXES_LOCKOUT_CALLABLE), in the admin's
    look: axes renders its template without the admin's context (header, site links)."""
    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get(
        settings.AXES_USERNAME_FORM_FIELD, ""
    )
    lockouts = (
        current_lockouts(username=username, ip_address=getattr(request, "axes_ip_address", None))
        if username
        else []
    )
    cool_off = get_cool_off(request)
    unlocks_at = (
        lockouts[0].unlocks_at
        if lockouts
        else (timezone.now() + cool_off if cool_off is not None else None)
    )
    login_url = reverse("admin:login")
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        login_url = f"{login_url}?{urlencode({'next': next_url})}"
    context = {
        **admin.site.each_context(request),
        "title": _("Account locked"),
        "username": username,
        "unlocks_at": unlocks_at,
        "duration": cool_off_text(cool_off),
        "login_url": login_url,
    }
    response = render(
        request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    if unlocks_at is not None:
        # When to try again, in seconds, as every 429 says it.
        response["Retry-After"] = str(
            max(1, math.ceil((unlocks_at - timezone.now()).total_seconds()))
        )
    return response


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=255)
    ip_address = forms.GenericIPAddressField(required=False)


def locked_accounts(request):
    """The accounts locked now, each with an "Unlock" button (Administrators only)."""
    if not request.user.has_perms(UNLOCK_PERMISSIONS):
        raise PermissionDenied(_("Only Administrators can see and unlock locked accounts."))
    status = 200
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if form.is_valid():
            return unlock_from_form(request, form)
        status = 400
        messages.error(request, _("This unlock request is incomplete; use the Unlock buttons."))
    context = {
        **admin.site.each_context(request),
        "title": _("Locked accounts"),
        "lockouts": current_lockouts(),
        "failure_limit": failure_limit(request),
        "duration": cool_off_text(),
    }
    return render(request, "admin/partnership/locked_accounts.html", context, status=status)


def unlock_from_form(request, form):
    username, ip_address = form.cleaned_data["username"], form.cleaned_data["ip_address"] or None
    names = {"username": username, "address": ip_address or _("an unknown address")}
    if not current_lockouts(username=username, ip_address=ip_address):
        messages.info(request, _("“%(username)s” from %(address)s is not locked.") % names)
    else:
        unlock(username=username, ip_address=ip_address)
        logger.warning(
            "Sign-in lockout of %r from %s lifted by %r", username, ip_address, request.user
        )
        messages.success(
            request,
            _("Unlocked “%(username)s” from %(address)s: they can sign in again.") % names,
        )
    return redirect("curation:locked-accounts")
