from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "CaMo — curation"
admin.site.site_title = "CaMo knowledge base"
admin.site.index_title = "Curation"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("partnership.urls")),
]
