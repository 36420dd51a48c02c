"""Former slugs, for curators to see which old addresses redirect where."""

from django.contrib import admin

from ..models import SlugHistory


@admin.register(SlugHistory)
class SlugHistoryAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "content_type", "object_id", "changed_at"]
    list_filter = ["content_type"]
    search_fields = ["old_slug"]
    list_select_related = ["content_type"]
