from django.urls import include, path

from . import views
from .feeds import NewsAtomFeed, NewsRssFeed

app_name = "partnership"

# The lists again under /partnerships/<slug>/, each limited to that partnership's records
# (names in the "scoped" namespace: partnership:scoped:activities...).
scoped = [
    path("systems/", views.SystemList.as_view(), name="systems"),
    path("activities/", views.ActivityList.as_view(), name="activities"),
    path("organizations/", views.OrganizationList.as_view(), name="organizations"),
    path("people/", views.PersonList.as_view(), name="people"),
    path("news/", views.ArticleList.as_view(), name="news"),
    path("news/rss.xml", NewsRssFeed(), name="news-rss"),
    path("news/atom.xml", NewsAtomFeed(), name="news-atom"),
    path("news/tags/<slug:slug>/rss.xml", NewsRssFeed(), name="tag-rss"),
    path("news/tags/<slug:slug>/atom.xml", NewsAtomFeed(), name="tag-atom"),
    path("timeline/", views.timeline_page, name="timeline"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("partnerships/", views.PartnershipList.as_view(), name="partnerships"),
    path("partnerships/<slug:slug>/", views.PartnershipDetail.as_view(), name="partnership"),
    path("partnerships/<slug:partnership>/", include((scoped, "scoped"))),
    path("agreements/<slug:slug>/", views.AgreementDetail.as_view(), name="agreement"),
    path("programmes/<slug:slug>/", views.ProgrammeDetail.as_view(), name="programme"),
    path("systems/", views.SystemList.as_view(), name="systems"),
    path("systems/<slug:slug>/", views.SystemDetail.as_view(), name="system"),
    path("orders/<slug:slug>/", views.OrderDetail.as_view(), name="order"),
    path("activities/", views.ActivityList.as_view(), name="activities"),
    path("activities/<slug:slug>/", views.ActivityDetail.as_view(), name="activity"),
    path("organizations/", views.OrganizationList.as_view(), name="organizations"),
    path("organizations/<slug:slug>/", views.OrganizationDetail.as_view(), name="organization"),
    path("people/", views.PersonList.as_view(), name="people"),
    path("people/<slug:slug>/", views.PersonDetail.as_view(), name="person"),
    path("countries/", views.CountryList.as_view(), name="countries"),
    path("countries/<slug:slug>/", views.CountryDetail.as_view(), name="country"),
    path("news/", views.ArticleList.as_view(), name="news"),
    path("news/rss.xml", NewsRssFeed(), name="news-rss"),
    path("news/atom.xml", NewsAtomFeed(), name="news-atom"),
    path("news/tags/<slug:slug>/rss.xml", NewsRssFeed(), name="tag-rss"),
    path("news/tags/<slug:slug>/atom.xml", NewsAtomFeed(), name="tag-atom"),
    path("news/<slug:slug>/", views.ArticleDetail.as_view(), name="article"),
    path("events/<slug:slug>/", views.EventDetail.as_view(), name="event"),
    path("quotes/<slug:slug>/", views.QuoteDetail.as_view(), name="quote"),
    path("timeline/", views.timeline_page, name="timeline"),
    path("sources/", views.SourceList.as_view(), name="sources"),
    path("sources/<slug:slug>/", views.SourceDetail.as_view(), name="source"),
    path("methodology/", views.methodology, name="methodology"),
]
