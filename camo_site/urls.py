from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularSwaggerSplitView

from partnership.api.schema_view import SchemaView
from partnership.sitemaps import SITEMAPS
from partnership.views.pages import robots_txt

# The admin names no partnership: the site's own name is data (its settings, in the admin).
admin.site.site_header = _("Knowledge base — curation")
admin.site.site_title = _("Knowledge base")
admin.site.index_title = _("Curation")

# Swagger UI (served from drf-spectacular-sidecar, no CDN) sets one inline style; allow exactly
# that style, by its hash, on the docs page only. Scripts stay 'self' only.
api_docs = csp_override(
    {
        **settings.SECURE_CSP,
        "style-src": [
            CSP.SELF,
            "'unsafe-hashes'",
            "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",
        ],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

handler400 = "partnership.views.bad_request"
handler403 = "partnership.views.errors.permission_denied"
handler404 = "partnership.views.page_not_found"
handler500 = "partnership.views.server_error"

urlpatterns = [
    path("admin/", include("partnership.admin.urls")),  # curation pages that are not a model's
    path("admin/", admin.site.urls),
    path("api/v1/", include("partnership.api.urls")),
    # Generated once per language, under a lock (see SchemaView).
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("robots.txt", robots_txt, name="robots"),
    # Not cached: a withdrawn record leaves it at once, on every worker (a few queries).
    path("sitemap.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    *i18n_patterns(path("", include("partnership.urls"))),
]
