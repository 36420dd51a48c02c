"""Curation pages of the admin that are not a model's: under /admin/, behind the admin's login."""

from django.contrib import admin
from django.urls import path

from .accounts import locked_accounts

app_name = "curation"

urlpatterns = [
    path("locked-accounts/", admin.site.admin_view(locked_accounts), name="locked-accounts"),
]
