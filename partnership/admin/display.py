"""List columns of the publishable admins."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Source, Status


@admin.display(description=Source._meta.get_field("status").verbose_name, ordering="status")
def publication_status(obj) -> str:
    """The status, or "Scheduled for <date>" for a published record whose publish-at time is still
    to come (readers do not see it yet), in the admin's language and time zone."""
    if obj.status == Status.PUBLISHED and obj.publish_at and obj.publish_at > timezone.now():
        when = date_format(timezone.localtime(obj.publish_at), "DATETIME_FORMAT")
        return _("Scheduled for %(when)s") % {"when": when}
    return obj.get_status_display()


def with_publication_status(list_display) -> list:
    """`list_display` with its "status" column showing scheduled records as such."""
    return [publication_status if name == "status" else name for name in list_display]
