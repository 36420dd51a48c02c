from .activities import Activity, Participation, Place
from .actors import Appointment, Country, Organization, Person
from .agreements import (
    Agreement,
    Currency,
    Membership,
    Partnership,
    Programme,
    ProgrammeParticipant,
)
from .base import Citation, Fact, PublicationQuerySet, Publishable, Source, Status
from .content import Article, ArticleLink, Event, Quote, Tag
from .equipment import Delivery, Order, System, Variant, check_deliveries_fit

__all__ = [
    "Activity",
    "Agreement",
    "Appointment",
    "Article",
    "ArticleLink",
    "Citation",
    "Country",
    "Currency",
    "Delivery",
    "Event",
    "Fact",
    "Membership",
    "Order",
    "Organization",
    "Participation",
    "Partnership",
    "Person",
    "Place",
    "Programme",
    "ProgrammeParticipant",
    "PublicationQuerySet",
    "Publishable",
    "Quote",
    "Source",
    "Status",
    "System",
    "Tag",
    "Variant",
    "check_deliveries_fit",
]
