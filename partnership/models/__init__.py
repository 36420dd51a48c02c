from .activities import Activity, Participation, Place
from .actors import Appointment, Country, Organization, Person
from .agreements import (
    Agreement,
    Membership,
    Partnership,
    Programme,
    ProgrammeParticipant,
    check_member_periods,
)
from .base import Fact, PublicationQuerySet, Publishable, Source, Status
from .content import Article, ArticleLink, Event, Quote, Tag
from .currencies import Currency
from .equipment import (
    Delivery,
    Order,
    OrderShare,
    System,
    Variant,
    check_deliveries_fit,
    check_shares_fit,
)
from .plans import Milestone
from .provenance import Certainty, Citation, Claim, Rank
from .review import Proposal
from .site import SiteSettings
from .slugs import SlugHistory
from .vocabularies import AgreementKind, OrganizationKind, SystemCategory, Vocabulary

# The record types readers reach at /<type>/<slug>/, keyed by the name used in URLs and in the
# dataset's typed links.
RECORD_TYPES = {
    "partnership": Partnership,
    "agreement": Agreement,
    "programme": Programme,
    "system": System,
    "order": Order,
    "activity": Activity,
    "organization": Organization,
    "person": Person,
    "country": Country,
    "event": Event,
    "quote": Quote,
    "article": Article,
}

__all__ = [
    "RECORD_TYPES",
    "Activity",
    "Agreement",
    "AgreementKind",
    "Appointment",
    "Article",
    "ArticleLink",
    "Certainty",
    "Citation",
    "Claim",
    "Country",
    "Currency",
    "Delivery",
    "Event",
    "Fact",
    "Membership",
    "Milestone",
    "Order",
    "OrderShare",
    "Organization",
    "OrganizationKind",
    "Participation",
    "Partnership",
    "Person",
    "Place",
    "Programme",
    "ProgrammeParticipant",
    "Proposal",
    "PublicationQuerySet",
    "Publishable",
    "Quote",
    "Rank",
    "SiteSettings",
    "SlugHistory",
    "Source",
    "Status",
    "System",
    "SystemCategory",
    "Tag",
    "Variant",
    "Vocabulary",
    "check_deliveries_fit",
    "check_member_periods",
    "check_shares_fit",
]
