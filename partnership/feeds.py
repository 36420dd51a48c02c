"""RSS and Atom feeds of the news, all of it or one tag."""

import datetime

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .models import Article, Tag


class NewsRssFeed(Feed):
    """The latest published articles; with a tag slug in the URL, those of that tag only."""

    def get_object(self, request, slug=None):
        return get_object_or_404(Tag.objects.in_use(), slug=slug) if slug else None

    def title(self, tag):
        if tag:
            return _("CaMo knowledge base: news tagged %(tag)s") % {"tag": tag.t.name}
        return _("CaMo knowledge base: news")

    def link(self, tag):
        url = reverse("partnership:news")
        return f"{url}?tag={tag.slug}" if tag else url

    def description(self, tag):
        return _("Sourced news about the Franco-Belgian CaMo partnership.")

    def items(self, tag):
        articles = Article.objects.published().prefetch_related("tags")
        if tag:
            articles = articles.filter(tags=tag)
        return articles[:30]

    def item_title(self, article):
        return article.t.title

    def item_description(self, article):
        return article.t.standfirst

    def item_pubdate(self, article):
        day = article.published_on
        return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 12))

    def item_updateddate(self, article):
        return article.updated_at

    def item_categories(self, article):
        return [tag.t.name for tag in article.tags.all()]


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, tag):
        return self.description(tag)
