"""Writes to a draft through the API: by its owner or someone who may publish it (see
workflow.may_change_draft); refused before the request body is even read otherwise."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..models import Publishable
from ..workflow import READER_FACING, may_change_draft


class OwnsTheDraft(BasePermission):
    message = _("This draft is another contributor’s: only its owner, or an Editor, may change it.")

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS or not isinstance(obj, Publishable):
            return True
        if obj.status in READER_FACING:
            return True  # changes to what readers see are reviewed as proposals
        return may_change_draft(request.user, type(obj), obj.pk)
