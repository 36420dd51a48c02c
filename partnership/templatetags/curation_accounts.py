from django import template

from ..admin.accounts import UNLOCK_PERMISSIONS, current_lockouts, lockout_warning

register = template.Library()


@register.inclusion_tag("admin/partnership/locked_accounts_link.html", takes_context=True)
def locked_accounts_link(context):
    """On the admin home, for those who may unlock accounts: the link, and how many are locked."""
    request = context["request"]
    if not request.user.has_perms(UNLOCK_PERMISSIONS):
        return {"show": False}
    return {"show": True, "locked": len(current_lockouts())}


@register.simple_tag(takes_context=True)
def sign_in_warning(context):
    return lockout_warning(context["request"])
