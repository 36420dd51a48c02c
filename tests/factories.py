"""Small factories that build the domain in a chain: country, organization, system, order..."""

import datetime
import functools
import itertools
import string

from django.contrib.contenttypes.models import ContentType

from partnership.models import (
    Activity,
    Agreement,
    AgreementKind,
    Appointment,
    Article,
    ArticleLink,
    Citation,
    Claim,
    Country,
    Delivery,
    Event,
    Membership,
    Milestone,
    Order,
    OrderShare,
    Organization,
    OrganizationKind,
    Participation,
    Partnership,
    Person,
    Place,
    Programme,
    ProgrammeParticipant,
    Proposal,
    Quote,
    SiteSettings,
    Source,
    Status,
    System,
    SystemCategory,
    Tag,
    Variant,
)

_counter = itertools.count(1)
_codes = itertools.cycle(a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2))


def n() -> int:
    return next(_counter)


def staff(role: str, username: str | None = None, *, password: str = "pw"):
    """A staff account in one of the roles: Contributor, Editor or Administrator."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username or f"{role.lower()}-{n()}", password=password, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return get_user_model().objects.get(pk=user.pk)  # permissions not cached yet


def published(**kwargs):
    return {"status": Status.PUBLISHED} | kwargs


def country(**kwargs):
    code = next(_codes)
    while Country.objects.filter(code=code).exists():
        code = next(_codes)
    return Country.objects.create(
        **published(code=code, slug=f"country-{code.lower()}", name=f"Country {code}") | kwargs
    )


def source(**kwargs):
    i = n()
    return Source.objects.create(
        **published(
            slug=f"source-{i}",
            title=f"Source {i}",
            publisher="Publisher",
            url=f"https://example.org/{i}",
        )
        | kwargs
    )


def cite(record, **kwargs):
    kwargs.setdefault("source", source())
    return Citation.objects.create(content_object=record, **kwargs)


def claim(record, field, value, *, sources=1, **kwargs):
    """A claim about `field` of `record` stating `value`, cited by `sources` new sources."""
    made = Claim.objects.create(content_object=record, field=field, value=value, **kwargs)
    for _ in range(sources):
        cite(record, claim=made)
    return made


def known(vocabulary, code):
    """`code`, made a term of `vocabulary` if it is not one: the migrations create the terms,
    and a transactional test before this one may have emptied the database of them."""
    if isinstance(code, str):
        vocabulary.objects.get_or_create(code=code, defaults={"name": code})
    return code


def organization(**kwargs):
    i = n()
    kwargs.setdefault("country", country())
    kwargs["kind"] = known(OrganizationKind, kwargs.get("kind", "unit"))
    return Organization.objects.create(
        **published(slug=f"org-{i}", name=f"Organization {i}", kind="unit") | kwargs
    )


def person(**kwargs):
    i = n()
    kwargs.setdefault("country", country())
    return Person.objects.create(
        **published(slug=f"person-{i}", name=f"Person {i}", rank="Colonel") | kwargs
    )


def appointment(**kwargs):
    kwargs.setdefault("person", person())
    kwargs.setdefault("organization", organization())
    return Appointment.objects.create(**{"title": f"Post {n()}"} | kwargs)


def partnership(**kwargs):
    i = n()
    return Partnership.objects.create(
        **published(slug=f"partnership-{i}", name=f"Partnership {i}") | kwargs
    )


def membership(**kwargs):
    kwargs.setdefault("partnership", partnership())
    kwargs.setdefault("country", country())
    return Membership.objects.create(**{"role": Membership.Role.MEMBER} | kwargs)


def agreement(**kwargs):
    i = n()
    kwargs.setdefault("partnership", partnership())
    kwargs["kind"] = known(AgreementKind, kwargs.get("kind", "tranche"))
    return Agreement.objects.create(
        **published(slug=f"agreement-{i}", title=f"Agreement {i}", kind="tranche") | kwargs
    )


def programme(**kwargs):
    i = n()
    kwargs.setdefault("lead_organization", organization())
    return Programme.objects.create(
        **published(slug=f"programme-{i}", name=f"Programme {i}") | kwargs
    )


def programme_participant(**kwargs):
    kwargs.setdefault("programme", programme())
    kwargs.setdefault("country", country())
    return ProgrammeParticipant.objects.create(**{"role": "partner"} | kwargs)


def system(**kwargs):
    i = n()
    kwargs.setdefault("programme", programme())
    kwargs["category"] = known(SystemCategory, kwargs.get("category", "other"))
    return System.objects.create(
        **published(slug=f"system-{i}", name=f"System {i}", category="other") | kwargs
    )


def variant(**kwargs):
    i = n()
    kwargs.setdefault("system", system())
    return Variant.objects.create(**{"slug": f"variant-{i}", "name": f"Variant {i}"} | kwargs)


def order(**kwargs):
    i = n()
    kwargs.setdefault("buyer", country())
    kwargs.setdefault("system", system())
    kwargs.setdefault("agreement", agreement())
    return Order.objects.create(
        **published(slug=f"order-{i}", quantity=100, ordered_on=datetime.date(2020, 1, 1)) | kwargs
    )


def delivery(**kwargs):
    kwargs.setdefault("order", order())
    kwargs.setdefault("recipient", organization())
    day = datetime.date(2021, 1, 1) + datetime.timedelta(days=n())
    return Delivery.objects.create(**{"delivered_on": day, "quantity": 1} | kwargs)


def place(**kwargs):
    i = n()
    kwargs.setdefault("country", country())
    return Place.objects.create(**{"slug": f"place-{i}", "name": f"Place {i}"} | kwargs)


def activity(**kwargs):
    i = n()
    kwargs.setdefault("place", place())
    kwargs.setdefault("country", country())
    return Activity.objects.create(
        **published(slug=f"activity-{i}", name=f"Activity {i}", kind=Activity.Kind.EXERCISE)
        | kwargs
    )


def participation(**kwargs):
    kwargs.setdefault("activity", activity())
    kwargs.setdefault("organization", organization())
    kwargs.setdefault("commander", person())
    return Participation.objects.create(**{"role": Participation.Role.PARTICIPANT} | kwargs)


def tag(**kwargs):
    i = n()
    return Tag.objects.create(**{"slug": f"tag-{i}", "name": f"Tag {i}"} | kwargs)


def article(**kwargs):
    i = n()
    return Article.objects.create(
        **published(
            slug=f"article-{i}", title=f"Article {i}", published_on=datetime.date(2025, 1, 1)
        )
        | kwargs
    )


def article_link(**kwargs):
    kwargs.setdefault("article", article())
    target = kwargs.pop("target", None) or system()
    return ArticleLink.objects.create(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, **kwargs
    )


def quote(**kwargs):
    i = n()
    kwargs.setdefault("person", person())
    return Quote.objects.create(**published(slug=f"quote-{i}", text=f"Quote {i}") | kwargs)


def event(**kwargs):
    i = n()
    kwargs.setdefault("place", place())
    partnerships = kwargs.pop("partnerships", None) or [partnership()]
    made = Event.objects.create(
        **published(
            slug=f"event-{i}", title=f"Event {i}", kind="meeting", date=datetime.date(2022, 1, 1)
        )
        | kwargs
    )
    made.partnerships.set(partnerships)
    return made


def citation(**kwargs):
    return cite(kwargs.pop("record", None) or organization(), **kwargs)


def proposal(**kwargs):
    """A pending proposed change to a published system (its role changed)."""
    from partnership.states import RecordState

    record = kwargs.pop("record", None) or system()
    proposed = RecordState.live(type(record), record.pk)
    base = proposed.to_json()
    proposed.rows[proposed.root] = proposed.fields | {"role": f"Proposed role {n()}"}
    return Proposal.objects.create(
        **{
            "content_type": ContentType.objects.get_for_model(type(record)),
            "object_id": record.pk,
            "object_repr": str(record),
            "route": Proposal.Route.FORM,
            "base": base,
            "proposed": proposed.to_json(),
        }
        | kwargs
    )


FACTORIES = {
    Activity: activity,
    Agreement: agreement,
    Appointment: appointment,
    Article: article,
    ArticleLink: article_link,
    Citation: citation,
    Country: country,
    Delivery: delivery,
    Event: event,
    Membership: membership,
    Order: order,
    Organization: organization,
    Participation: participation,
    Partnership: partnership,
    Person: person,
    Place: place,
    Programme: programme,
    ProgrammeParticipant: programme_participant,
    Proposal: proposal,
    Quote: quote,
    Source: source,
    System: system,
    Tag: tag,
    Variant: variant,
}


def term(vocabulary, **kwargs):
    """A new term of `vocabulary` (AgreementKind, SystemCategory, OrganizationKind)."""
    i = n()
    return vocabulary.objects.create(
        **{"code": f"term_{i}", "name": f"Terme {i}", "name_en": f"Term {i}"} | kwargs
    )


def milestone(**kwargs):
    kwargs.setdefault("order", order())
    return Milestone.objects.create(
        **{"kind": "deliveries", "planned_on": datetime.date(2027, 1, 1), "planned_on_precision": 2}
        | kwargs
    )


def claim_row(**kwargs):
    record = kwargs.pop("record", None) or order()
    return Claim.objects.create(
        content_object=record, **{"field": "quantity", "value": str(record.quantity)} | kwargs
    )


def site_settings(**kwargs):
    """The site's one settings row, changed."""
    settings = SiteSettings.current()
    for name, value in kwargs.items():
        setattr(settings, name, value)
    settings.save()
    return settings


FACTORIES[Milestone] = milestone
for _vocabulary in (AgreementKind, SystemCategory, OrganizationKind):
    FACTORIES[_vocabulary] = functools.partial(term, _vocabulary)
FACTORIES[Claim] = claim_row
FACTORIES[SiteSettings] = site_settings


def make(model, **kwargs):
    """A new row of `model` with all its relations filled, cited when it is a fact."""
    record = FACTORIES[model](**kwargs)
    if hasattr(record, "citations"):
        cite(record)
    return record


CITATIONS_INLINE = "partnership-citation-content_type-object_id"


CLAIMS_INLINE = "partnership-claim-content_type-object_id"


def citations_inline_data(record) -> dict:
    """The claims and citations inlines of an admin change form as the browser sends them back,
    unchanged."""
    claims = list(record.claims.all())
    citations = list(record.citations.all())
    data = {
        f"{CLAIMS_INLINE}-TOTAL_FORMS": len(claims),
        f"{CLAIMS_INLINE}-INITIAL_FORMS": len(claims),
        f"{CITATIONS_INLINE}-TOTAL_FORMS": len(citations),
        f"{CITATIONS_INLINE}-INITIAL_FORMS": len(citations),
    }
    for index, claim in enumerate(claims):
        data |= {
            f"{CLAIMS_INLINE}-{index}-id": claim.pk,
            f"{CLAIMS_INLINE}-{index}-field": claim.field,
            f"{CLAIMS_INLINE}-{index}-value": claim.value,
            f"{CLAIMS_INLINE}-{index}-upper": claim.upper,
            f"{CLAIMS_INLINE}-{index}-certainty": claim.certainty,
            f"{CLAIMS_INLINE}-{index}-rank": claim.rank,
            f"{CLAIMS_INLINE}-{index}-reason": claim.reason,
        }
    for index, citation in enumerate(citations):
        data |= {
            f"{CITATIONS_INLINE}-{index}-id": citation.pk,
            f"{CITATIONS_INLINE}-{index}-source": citation.source_id,
            f"{CITATIONS_INLINE}-{index}-claim": citation.claim_id or "",
        }
    return data


def slug_history(**kwargs):
    from django.contrib.contenttypes.models import ContentType

    from partnership.models import SlugHistory

    record = kwargs.pop("record", None) or system()
    return SlugHistory.objects.create(
        **{
            "content_type": ContentType.objects.get_for_model(type(record)),
            "object_id": record.pk,
            "old_slug": f"former-{n()}",
        }
        | kwargs
    )


def _register_slug_history():
    from partnership.models import SlugHistory

    FACTORIES[SlugHistory] = slug_history


_register_slug_history()


def order_share(**kwargs):
    kwargs.setdefault("order", order())
    if "organization" not in kwargs:
        kwargs.setdefault("country", country())
    return OrderShare.objects.create(**{"quantity": 1} | kwargs)


FACTORIES[OrderShare] = order_share


def international_organization(**kwargs):
    """An organization that is not a country's: a partnership member, a party, a buyer."""
    return organization(**{"kind": "other", "country": None} | kwargs)


def pooled_order(*, holders, quantities, **kwargs):
    """A published order bought by an international organization on behalf of `holders`
    (countries or organizations), each with its share."""
    kwargs.setdefault("buying_organization", international_organization())
    made = order(buyer=None, **kwargs)
    for holder, quantity in zip(holders, quantities, strict=True):
        field = "country" if isinstance(holder, Country) else "organization"
        OrderShare.objects.create(order=made, quantity=quantity, **{field: holder})
    return made


def examples_the_dataset_lacks():
    """Published rows of what the CaMo dataset has no example of (an organization as a member,
    a pooled order and its shares), so that schema-wide tests have one of each link."""
    partnership = Partnership.objects.published().order_by("pk").first()
    member = international_organization()
    cite(member)
    cite(membership(partnership=partnership, country=None, organization=member))
    made = pooled_order(
        holders=[Country.objects.published().order_by("pk").first(), member],
        quantities=[2, 1],
        quantity=3,
        agreement=None,
    )
    cite(made)
    cite(made.system)
    for share in made.shares.all():
        cite(share)
    return made
