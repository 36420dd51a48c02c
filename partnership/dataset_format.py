"""The keys of the dataset format (data/SCHEMA.md), shared by the loader and the dumper.

`FIELDS` lists, per section, the keys a record may have besides its child rows and its
provenance, in the order the dump writes them; the loader accepts exactly these.
"""

from __future__ import annotations

from .models import (
    Activity,
    Agreement,
    AgreementKind,
    Article,
    Country,
    Event,
    Order,
    Organization,
    OrganizationKind,
    Partnership,
    Person,
    Place,
    Programme,
    Quote,
    Source,
    System,
    SystemCategory,
    Tag,
)

# The provenance every fact-bearing record may give.
FACT_KEYS = {"sources", "uncertainty"}
# Record-level flags of an earlier format: the doubt now sits on the value it is about.
RECORD_FLAGS = {"estimate", "disputed"}

# Dataset key -> model field, in the order the dataset writes them (as in data/SCHEMA.md).
# A key missing from the mapping is the field's own name.
FIELDS = {
    "agreement_kinds": ["code", "name", "description", "position"],
    "system_categories": ["code", "name", "description", "position"],
    "organization_kinds": ["code", "name", "description", "position"],
    "sources": [
        "slug",
        "title",
        "publisher",
        "url",
        "url_incomplete",
        "language",
        "kind",
        "published_on",
        "retrieved_on",
        "title_reconstructed",
        "notes",
    ],
    "countries": ["code", "slug", "name", "summary"],
    "tags": ["slug", "name"],
    "places": ["slug", "name", "country", "latitude", "longitude"],
    "organizations": [
        "slug",
        "name",
        "short_name",
        "kind",
        "country",
        "parent",
        "founded_on",
        "location",
        "summary",
    ],
    "people": ["slug", "name", "rank", "country", "summary"],
    "appointments": ["organization", "title", "start", "end"],
    "partnerships": ["slug", "name", "acronym", "summary", "objectives"],
    "memberships": ["country", "organization", "role", "through", "since", "until"],
    "programmes": ["slug", "name", "partnerships", "launched_on", "lead_organization", "summary"],
    "participants": ["country", "role", "joined_on"],
    "agreements": [
        "slug",
        "partnership",
        "title",
        "short_title",
        "official_title",
        "kind",
        "parent",
        "signed_on",
        "signed_at",
        "in_force_on",
        "signatories",
        "parties",
        "organization_parties",
        "amount",
        "currency",
        "summary",
    ],
    "systems": [
        "slug",
        "name",
        "designation",
        "category",
        "role",
        "programme",
        "manufacturers",
        "specifications",
        "summary",
    ],
    "variants": ["slug", "name", "designation", "summary"],
    "orders": [
        "slug",
        "partnerships",
        "buyer",
        "buying_organization",
        "system",
        "variant",
        "quantity",
        "ordered_on",
        "status",
        "agreement",
        "contracting_authority",
        "supplier",
        "amount",
        "currency",
        "expected_delivery",
        "deliveries_tracked",
        "summary",
    ],
    "shares": ["country", "organization", "quantity", "amount"],
    "deliveries": ["delivered_on", "quantity", "recipient", "summary"],
    "milestones": ["kind", "planned_on", "planned_until", "quantity", "met_by", "summary"],
    "activities": [
        "slug",
        "name",
        "partnerships",
        "kind",
        "parent",
        "edition",
        "start",
        "end",
        "place",
        "location",
        "country",
        "strength",
        "cancelled",
        "summary",
    ],
    "participations": ["organization", "country", "role", "strength", "description", "commander"],
    "events": [
        "slug",
        "title",
        "kind",
        "date",
        "end",
        "place",
        "partnerships",
        "countries",
        "summary",
    ],
    "articles": [
        "slug",
        "title",
        "standfirst",
        "body",
        "language",
        "published_on",
        "partnerships",
        "tags",
        "related",
    ],
    "quotes": [
        "slug",
        "text",
        "language",
        "person",
        "said_on",
        "occasion",
        "article",
        "partnerships",
    ],
}
# Dataset keys that name another field than their own.
ALIASES = {
    (Order, "status"): "order_status",
    (Activity, "cancelled"): "is_cancelled",
}
SECTIONS = {
    "agreement_kinds": AgreementKind,
    "system_categories": SystemCategory,
    "organization_kinds": OrganizationKind,
    "sources": Source,
    "countries": Country,
    "tags": Tag,
    "places": Place,
    "organizations": Organization,
    "people": Person,
    "partnerships": Partnership,
    "programmes": Programme,
    "agreements": Agreement,
    "systems": System,
    "orders": Order,
    "activities": Activity,
    "events": Event,
    "articles": Article,
    "quotes": Quote,
}
# Child rows: section -> [(dataset key, related name)].
CHILDREN = {
    "people": [("appointments", "appointments")],
    "partnerships": [("memberships", "memberships")],
    "programmes": [("participants", "participants")],
    "systems": [("variants", "variants")],
    "orders": [("shares", "shares"), ("deliveries", "deliveries"), ("milestones", "milestones")],
    "activities": [("participations", "participations")],
}
# Sections whose records may name a parent of their own type, which must come first.
SELF_PARENTS = {"organizations", "agreements", "activities"}


# Sections of vocabulary terms: optional (the migrations create the usual terms), loaded first.
VOCABULARIES = {"agreement_kinds", "system_categories", "organization_kinds"}


def keys_of(section: str, *, fact: bool = True) -> set[str]:
    """Every key a record of `section` may have: its fields, its child rows and, for a
    fact-bearing record, its provenance."""
    children = {key for key, _related in CHILDREN.get(section, [])}
    return {*FIELDS[section], *children, *(FACT_KEYS if fact else ())}
