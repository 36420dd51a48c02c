from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import RECORD_TYPES, Source


class RecordSitemap(Sitemap):
    """Every published record of one type, in every language."""

    i18n = True
    alternates = True
    x_default = True

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.published().order_by("pk")

    def lastmod(self, record):
        return record.updated_at


class PageSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    names = [
        "home",
        "partnerships",
        "systems",
        "activities",
        "organizations",
        "people",
        "countries",
        "news",
        "timeline",
        "sources",
        "methodology",
    ]

    def items(self):
        return self.names

    def location(self, name):
        return reverse(f"partnership:{name}")


SITEMAPS = {
    "pages": PageSitemap(),
    **{name: RecordSitemap(model) for name, model in RECORD_TYPES.items()},
    "source": RecordSitemap(Source),
}
