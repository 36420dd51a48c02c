from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.cache import cache_page

from partnership.sitemaps import SITEMAPS
from partnership.views.pages import robots_txt

admin.site.site_header = "CaMo — curation"
admin.site.site_title = "CaMo knowledge base"
admin.site.index_title = "Curation"

handler400 = "partnership.views.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        cache_page(600)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    *i18n_patterns(path("", include("partnership.urls"))),
]
