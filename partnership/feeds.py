"""RSS and Atom feeds of the news: all of it, one tag's, one partnership's, or both."""

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .models import Article, Partnership, SiteSettings, Tag
from .views.common import partnership_in_scope

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass
class NewsScope:
    tag: Tag | None = None
    partnership: Partnership | None = None


class NewsRssFeed(Feed):
    """The latest published articles; with a tag slug in the URL, those of that tag only; under
    /partnerships/<slug>/, those of that partnership only."""

    def get_object(self, request, slug=None, partnership=None):
        return NewsScope(
            tag=get_object_or_404(Tag.objects.in_use(), slug=slug) if slug else None,
            partnership=partnership_in_scope(request, partnership),
        )

    def title(self, scope):
        if scope.partnership and scope.tag:
            return _("%(partnership)s: news tagged %(tag)s") % {
                "partnership": scope.partnership,
                "tag": scope.tag.t.name,
            }
        if scope.partnership:
            return _("%(partnership)s: news") % {"partnership": scope.partnership}
        site = SiteSettings.current().t.title
        if scope.tag:
            return _("%(site)s: news tagged %(tag)s") % {"site": site, "tag": scope.tag.t.name}
        return _("%(site)s: news") % {"site": site}

    def link(self, scope):
        if scope.partnership:
            url = reverse("partnership:scoped:news", kwargs={"partnership": scope.partnership.slug})
        else:
            url = reverse("partnership:news")
        return f"{url}?tag={scope.tag.slug}" if scope.tag else url

    def description(self, scope):
        if scope.partnership:
            return _("Sourced news about %(partnership)s.") % {"partnership": scope.partnership}
        return _("Sourced news about every partnership of this knowledge base.")

    def items(self, scope):
        articles = Article.objects.published().prefetch_related("tags")
        if scope.tag:
            articles = articles.filter(tags=scope.tag)
        if scope.partnership:
            articles = articles.in_partnership(
                scope.partnership, readers=scope.partnership.is_published
            )
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

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        if not feed.items:
            # A feed with no article yet is as old as what it is about, not "now" (which would
            # change the feed, and its validators, at every request).
            changed = obj.partnership or obj.tag or Article.objects.order_by("pk").first()
            when = getattr(changed, "updated_at", None) or EPOCH
            feed.latest_post_date = lambda: when
        return feed


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, scope):
        return self.description(scope)
