"""The site's settings: one row (made by the migrations), changed in place, never added or
deleted."""

from django.contrib import admin

from ..models import SiteSettings
from .base import RecordAdmin


@admin.register(SiteSettings)
class SiteSettingsAdmin(RecordAdmin):
    fields = [
        "title",
        "title_nl",
        "title_en",
        "description",
        "description_nl",
        "description_en",
        "featured_partnership",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["featured_partnership"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
