"""schema.org JSON-LD for public pages (NewsArticle, Event, Person, Organization, Quotation)."""


def _url(request, record):
    return request.build_absolute_uri(record.get_absolute_url())


def _partial(value):
    return value.isoformat() if value else None


def _clean(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def organization_like(request, record):
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": getattr(record.t, "name", None) or str(record),
            "alternateName": getattr(record, "short_name", "") or getattr(record, "acronym", ""),
            "description": record.t.summary,
            "url": _url(request, record),
            "foundingDate": _partial(getattr(record, "founded", None)),
        }
    )


def product(request, system):
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": str(system),
            "category": str(system.category),
            "description": system.t.summary or system.t.role,
            "url": _url(request, system),
        }
    )


def event(request, record):
    place = getattr(record, "place", None)
    start = getattr(record, "started", None) or getattr(record, "when", None)
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": getattr(record.t, "name", None) or record.t.title,
            "description": record.t.summary,
            "startDate": _partial(start),
            "endDate": _partial(getattr(record, "ended", None)),
            "eventStatus": "https://schema.org/EventCancelled"
            if getattr(record, "is_cancelled", False)
            else "https://schema.org/EventScheduled",
            "location": _clean(
                {
                    "@type": "Place",
                    "name": place.t.name,
                    "geo": _clean(
                        {
                            "@type": "GeoCoordinates",
                            "latitude": str(place.latitude) if place.latitude is not None else None,
                            "longitude": str(place.longitude)
                            if place.longitude is not None
                            else None,
                        }
                    ),
                }
            )
            if place
            else None,
            "url": _url(request, record),
        }
    )


def person(request, record, appointments):
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Person",
            "name": record.t.name,
            "honorificPrefix": record.t.rank,
            "description": record.t.summary,
            "nationality": record.country.t.name if record.country else None,
            "jobTitle": [appointment.t.title for appointment in appointments],
            "url": _url(request, record),
        }
    )


def news_article(request, article):
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.t.title,
            "description": article.t.standfirst,
            # The language of the headline and description the page shows.
            "inLanguage": article.t.title.language,
            "datePublished": _partial(article.published),
            "url": _url(request, article),
        }
    )


def quotation(request, quote):
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Quotation",
            "text": quote.text,
            "inLanguage": quote.language,
            "spokenByCharacter": {"@type": "Person", "name": quote.person.name},
            "dateCreated": _partial(quote.said),
            "url": _url(request, quote),
        }
    )
