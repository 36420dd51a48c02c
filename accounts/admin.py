"""API tokens in the admin: each staff member issues their own, sees it once, and revokes it;
Administrators (who manage accounts) see and revoke everyone's. Nobody reads a token back."""

from django.contrib import admin
from django.template.response import TemplateResponse
from rest_framework.authtoken.models import TokenProxy

from .models import ApiToken

# Administrators manages accounts: they see and revoke every account's tokens.
MANAGES_ACCOUNTS = "auth.change_user"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "name", "created_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name"]
    readonly_fields = ["user", "prefix", "created_at"]

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["user", "name", "prefix", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "name", "prefix", "created_at"]

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        if request.user.has_perm(MANAGES_ACCOUNTS):
            return tokens
        return tokens.filter(user=request.user)

    def has_delete_permission(self, request, obj=None):
        """Revoking one's own token needs no delete permission (Contributors hold none)."""
        if super().has_delete_permission(request, obj):
            return True
        own = obj is not None and obj.user_id == request.user.pk
        return own and self.has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False  # a token is issued, then revoked; never edited

    def save_model(self, request, obj, form, change):
        # Issued to the one signed in, whoever they are: a token shown to someone else would let
        # them act as its owner.
        obj.user = request.user
        request.new_api_token = obj.set_new_key()
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        """The new token, once: the page is not cached, and nothing can show it again."""
        response = TemplateResponse(
            request,
            "admin/accounts/apitoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "title": ApiToken._meta.verbose_name,
                "token": obj,
                "key": request.new_api_token,
                "opts": self.opts,
            },
        )
        response["Cache-Control"] = "no-store"
        return response


# DRF's own tokens are kept in plain text: not offered anywhere (settings use ApiToken).
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
