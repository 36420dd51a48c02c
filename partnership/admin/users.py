"""Accounts: Administrators manage them, but only a superuser makes or changes a superuser, and
nobody but a superuser hands out permissions one by one (roles are groups)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()


class StaffUserAdmin(UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        if self.above(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.above(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def above(request, obj) -> bool:
        """Whether `obj` is a superuser account and the user is not one."""
        return obj is not None and obj.is_superuser and not request.user.is_superuser


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
