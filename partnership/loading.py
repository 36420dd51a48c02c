"""Load a dataset file (see data/SCHEMA.md) into the database, idempotently and all-or-nothing.

Records are matched on their slug (or natural key for child rows): a missing record is created and
published, an existing one is updated only where the file differs, so a second run changes nothing.
Any error (an unknown key, a missing reference, a record that fails validation) aborts the whole
load with a message naming the place in the file.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import reversion
import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from . import claim_specs
from .comments import comment
from .dataset_format import RECORD_FLAGS, SECTIONS, VOCABULARIES, keys_of
from .dates import PartialDate
from .models import (
    RECORD_TYPES,
    Activity,
    Agreement,
    Appointment,
    Article,
    ArticleLink,
    Citation,
    Country,
    Delivery,
    Event,
    Membership,
    Milestone,
    Order,
    OrderShare,
    Organization,
    Participation,
    Partnership,
    Person,
    Place,
    Programme,
    ProgrammeParticipant,
    Quote,
    SiteSettings,
    Source,
    Status,
    System,
    Tag,
    Variant,
)
from .models.i18n import (
    LANGUAGE_CODES,
    REFERENCE_LANGUAGE,
    TRANSLATION_LANGUAGES,
    Localizable,
    column,
)
from .models.site import SITE_SETTINGS_ID
from .sourcing import published_without_visible_source

# Every partnership's folder (data/camo/, data/benesam/...) and the site's settings (site.yaml).
DEFAULT_PATH = Path(__file__).resolve().parent / "data"


class DatasetError(Exception):
    """The dataset file cannot be loaded; the message says where and why."""


class Loader:
    def __init__(self, data: dict):
        if not isinstance(data, dict):
            raise DatasetError("The dataset must be a mapping of record types to lists.")
        if isinstance(data.get("site"), dict):
            data = data | {"site": [data["site"]]}  # the one mapping of the site's settings
        self._claims: dict[int, list[claim_specs.ClaimSpec]] = {}
        self.data = {name: self.unwrap(records, name) for name, records in data.items()}
        self.stats: dict[str, Counter] = {}
        self._cache: dict[tuple[type, str], models.Model] = {}
        self._content_types: dict[type, ContentType] = {}

    def unwrap(self, value, path):
        """`value` with every cited value (`{value: ..., sources: ...}`) of every record and
        child row replaced by the value, its claims kept aside for `fact`."""
        if isinstance(value, list):
            return [self.unwrap(item, f"{path}[{index}]") for index, item in enumerate(value)]
        if not isinstance(value, dict) or (
            "sources" not in value
            and not any(claim_specs.is_claim(item) for item in value.values())
        ):
            return value
        try:
            plain, claims = claim_specs.unwrap(value)
        except claim_specs.ClaimSpecError as error:
            raise DatasetError(f"{path}.{error}") from error
        plain = {
            name: self.unwrap(item, f"{path}.{name}")
            if isinstance(item, list) and name != "sources"
            else item
            for name, item in plain.items()
        }
        self._claims[id(plain)] = claims
        return plain

    @classmethod
    def from_file(cls, path: Path | str = DEFAULT_PATH) -> Loader:
        """Read one YAML file, or every `*.yaml` file of a folder and its subfolders (one per
        partnership) in path order.

        In a folder, a section may continue across files: its lists are joined in file order.
        """
        path = Path(path)
        files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
        if not files:
            raise DatasetError(f"No *.yaml file in {path}.")
        data: dict[str, list] = {}
        for file in files:
            try:
                with open(file, encoding="utf-8") as handle:
                    part = yaml.safe_load(handle)
            except (OSError, yaml.YAMLError) as error:
                raise DatasetError(f"Cannot read {file}: {error}") from error
            if len(files) == 1:
                return cls(part)
            if not isinstance(part, dict):
                raise DatasetError(f"{file}: expected a mapping of record types to lists.")
            for section, records in part.items():
                if section == "site" and isinstance(records, dict):
                    records = [records]  # the one mapping of the site's settings
                if not isinstance(records, list):
                    raise DatasetError(f"{file}: {section} must be a list.")
                data.setdefault(section, []).extend(records)
        return cls(data)

    def run(self) -> dict[str, Counter]:
        sections = [
            *((name, self.load_term) for name in SECTIONS if name in VOCABULARIES),
            ("sources", self.load_source),
            ("countries", self.load_country),
            ("tags", self.load_tag),
            ("places", self.load_place),
            ("organizations", self.load_organization),
            ("people", self.load_person),
            ("partnerships", self.load_partnership),
            ("programmes", self.load_programme),
            ("agreements", self.load_agreement),
            ("systems", self.load_system),
            ("orders", self.load_order),
            ("activities", self.load_activity),
            ("events", self.load_event),
            ("articles", self.load_article),
            ("quotes", self.load_quote),
            ("site", self.load_site),
        ]
        unknown = set(self.data) - {name for name, _ in sections}
        if unknown:
            raise DatasetError(f"Unknown sections: {', '.join(sorted(unknown))}.")
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(comment("loaded"))
            for name, load in sections:
                for index, spec in enumerate(self.data.get(name) or []):
                    load(spec, f"{name}[{index}]")
            for index, spec in enumerate(self.data.get("articles") or []):
                self.link_article(spec, f"articles[{index}]")
            unsourced = published_without_visible_source()
            if unsourced:
                raise DatasetError(
                    "Published records must cite a published source: "
                    + "; ".join(f"{r._meta.verbose_name} {r}" for r in unsourced[:10])
                )
        # One revision per record (revisions.py splits it as it is saved).
        return self.stats

    # Sections -------------------------------------------------------------------------------

    def load_term(self, spec, path):
        section = path.partition("[")[0]
        self.keys(spec, path, {"code", "name"}, keys_of(section, fact=False))
        values = self.pick(spec, "name", "description", "position")
        self.upsert(SECTIONS[section], path, {"code": spec["code"]}, values)
        self._cache.pop((SECTIONS[section], "codes"), None)

    def load_source(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "title"},
            keys_of("sources", fact=False),
        )
        values = self.pick(
            spec,
            "title",
            "publisher",
            "url",
            "url_incomplete",
            "language",
            "kind",
            "notes",
            "title_reconstructed",
        )
        values |= self.partial_dates(spec, path, "published_on")
        if "retrieved_on" in spec:
            values["retrieved_on"] = self.exact_date(spec["retrieved_on"], f"{path}.retrieved_on")
        self.upsert(Source, path, {"slug": spec["slug"]}, values, publishable=True)

    def load_country(self, spec, path):
        self.keys(spec, path, {"code", "slug", "name"}, keys_of("countries", fact=False))
        self.upsert(
            Country,
            path,
            {"code": spec["code"]},
            self.pick(spec, "slug", "name", "summary"),
            publishable=True,
        )

    def load_tag(self, spec, path):
        self.keys(spec, path, {"slug", "name"})
        self.upsert(Tag, path, {"slug": spec["slug"]}, {"name": spec["name"]})

    def load_place(self, spec, path):
        self.keys(spec, path, {"slug", "name", "country"}, keys_of("places", fact=False))
        values = {"name": spec["name"], "country": self.country(spec["country"], path)}
        for axis in ("latitude", "longitude"):
            if axis in spec:
                values[axis] = self.decimal(spec[axis], f"{path}.{axis}").quantize(
                    Decimal("0.00001")
                )
        self.upsert(Place, path, {"slug": spec["slug"]}, values)

    def load_organization(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "name", "kind"},
            keys_of("organizations"),
        )
        values = self.pick(spec, "name", "short_name", "location", "summary")
        values |= self.term(Organization, "kind", spec, path)
        values["country"] = self.country(spec.get("country"), path)
        values["parent"] = self.ref(Organization, spec.get("parent"), f"{path}.parent")
        values |= self.partial_dates(spec, path, "founded_on")
        self.fact(Organization, spec, path, {"slug": spec["slug"]}, values, publishable=True)

    def load_person(self, spec, path):
        self.keys(spec, path, {"slug", "name"}, keys_of("people"))
        values = self.pick(spec, "name", "rank", "summary")
        values["country"] = self.country(spec.get("country"), path)
        person = self.fact(Person, spec, path, {"slug": spec["slug"]}, values, publishable=True)
        for index, item in enumerate(spec.get("appointments") or []):
            where = f"{path}.appointments[{index}]"
            self.keys(item, where, {"organization", "title"}, keys_of("appointments"))
            lookup = {
                "person": person,
                "organization": self.ref(
                    Organization, item["organization"], f"{where}.organization"
                ),
                "title": item["title"],
            }
            self.fact(
                Appointment, item, where, lookup, self.partial_dates(item, where, "start", "end")
            )

    def load_partnership(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "name"},
            keys_of("partnerships"),
        )
        values = self.pick(spec, "name", "acronym", "summary", "objectives")
        partnership = self.fact(
            Partnership, spec, path, {"slug": spec["slug"]}, values, publishable=True
        )
        for index, item in enumerate(spec.get("memberships") or []):
            where = f"{path}.memberships[{index}]"
            self.keys(item, where, {"role"}, keys_of("memberships"))
            values = {"role": item["role"], "through": self.country(item.get("through"), where)}
            dates = self.partial_dates(item, where, "since", "until")
            values |= {name: value for name, value in dates.items() if name.startswith("until")}
            # A member that left and re-joined has a row per period: the period's start is
            # part of what names the row.
            lookup = (
                {
                    "partnership": partnership,
                    "country": self.country(item.get("country"), where),
                    "organization": self.ref(
                        Organization, item.get("organization"), f"{where}.organization"
                    ),
                }
                | {"since": None}
                | {name: value for name, value in dates.items() if name.startswith("since")}
            )
            self.fact(Membership, item, where, lookup, values)

    def load_programme(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "name"},
            keys_of("programmes"),
        )
        values = self.pick(spec, "name", "summary") | self.partial_dates(spec, path, "launched_on")
        values["lead_organization"] = self.ref(
            Organization, spec.get("lead_organization"), f"{path}.lead_organization"
        )
        programme = self.fact(
            Programme,
            spec,
            path,
            {"slug": spec["slug"]},
            values,
            publishable=True,
            m2m=self.partnerships(spec, path),
        )
        for index, item in enumerate(spec.get("participants") or []):
            where = f"{path}.participants[{index}]"
            self.keys(item, where, {"country", "role"}, keys_of("participants"))
            values = {"role": item["role"]} | self.partial_dates(item, where, "joined_on")
            lookup = {"programme": programme, "country": self.country(item["country"], where)}
            self.fact(ProgrammeParticipant, item, where, lookup, values)

    def load_agreement(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "partnership", "title", "kind"},
            keys_of("agreements"),
        )
        values = self.pick(
            spec,
            "title",
            "short_title",
            "official_title",
            "signed_at",
            "currency",
            "summary",
        )
        values |= self.term(Agreement, "kind", spec, path)
        values["partnership"] = self.ref(Partnership, spec["partnership"], f"{path}.partnership")
        values["parent"] = self.ref(Agreement, spec.get("parent"), f"{path}.parent")
        values["amount"] = self.amount(spec, path)
        values |= self.partial_dates(spec, path, "signed_on", "in_force_on")
        m2m = {
            "signatories": [
                self.ref(Person, slug, f"{path}.signatories")
                for slug in spec.get("signatories", [])
            ],
            "parties": [self.country(code, f"{path}.parties") for code in spec.get("parties", [])],
            "organization_parties": [
                self.ref(Organization, slug, f"{path}.organization_parties")
                for slug in spec.get("organization_parties", [])
            ],
        }
        self.fact(Agreement, spec, path, {"slug": spec["slug"]}, values, publishable=True, m2m=m2m)

    def load_system(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "name", "category"},
            keys_of("systems"),
        )
        values = self.pick(spec, "name", "designation", "role", "summary")
        values |= self.term(System, "category", spec, path)
        values["specifications"] = spec.get("specifications") or {}
        values["programme"] = self.ref(Programme, spec.get("programme"), f"{path}.programme")
        m2m = {
            "manufacturers": [
                self.ref(Organization, slug, f"{path}.manufacturers")
                for slug in spec.get("manufacturers", [])
            ]
        }
        system = self.fact(
            System, spec, path, {"slug": spec["slug"]}, values, publishable=True, m2m=m2m
        )
        for index, item in enumerate(spec.get("variants") or []):
            where = f"{path}.variants[{index}]"
            self.keys(item, where, {"slug", "name"}, keys_of("variants"))
            variant = self.fact(
                Variant,
                item,
                where,
                {"system": system, "slug": item["slug"]},
                self.pick(item, "name", "designation", "summary"),
            )
            self._cache[(Variant, f"{system.slug}/{item['slug']}")] = variant

    def load_order(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "system", "quantity"},
            keys_of("orders"),
        )
        values = self.pick(
            spec, "quantity", "currency", "expected_delivery", "deliveries_tracked", "summary"
        )
        if "status" in spec:
            values["order_status"] = spec["status"]
        values["buyer"] = self.country(spec.get("buyer"), path)
        values["buying_organization"] = self.ref(
            Organization, spec.get("buying_organization"), f"{path}.buying_organization"
        )
        values["system"] = system = self.ref(System, spec["system"], f"{path}.system")
        values["variant"] = self.ref(
            Variant, spec.get("variant") and f"{system.slug}/{spec['variant']}", f"{path}.variant"
        )
        values["agreement"] = self.ref(Agreement, spec.get("agreement"), f"{path}.agreement")
        for role in ("contracting_authority", "supplier"):
            values[role] = self.ref(Organization, spec.get(role), f"{path}.{role}")
        values["amount"] = self.amount(spec, path)
        values |= self.partial_dates(spec, path, "ordered_on")
        order = self.fact(
            Order,
            spec,
            path,
            {"slug": spec["slug"]},
            values,
            publishable=True,
            aliases={"status": "order_status"},
            m2m=self.partnerships(spec, path),
        )
        for index, item in enumerate(spec.get("shares") or []):
            where = f"{path}.shares[{index}]"
            self.keys(item, where, set(), keys_of("shares"))
            lookup = {
                "order": order,
                "country": self.country(item.get("country"), where),
                "organization": self.ref(
                    Organization, item.get("organization"), f"{where}.organization"
                ),
            }
            values = {"quantity": item.get("quantity"), "amount": self.amount(item, where)}
            self.fact(OrderShare, item, where, lookup, values)
        for index, item in enumerate(spec.get("deliveries") or []):
            where = f"{path}.deliveries[{index}]"
            self.keys(item, where, {"delivered_on"}, keys_of("deliveries"))
            dates = self.partial_dates(item, where, "delivered_on")
            lookup = {"order": order} | dates
            values = {
                "quantity": item.get("quantity"),
                "recipient": self.ref(Organization, item.get("recipient"), f"{where}.recipient"),
                "summary": item.get("summary", ""),
            }
            self.fact(Delivery, item, where, lookup, values)
        for index, item in enumerate(spec.get("milestones") or []):
            self.load_milestone(order, item, f"{path}.milestones[{index}]")

    def load_milestone(self, order, spec, path):
        self.keys(
            spec,
            path,
            {"kind", "planned_on"},
            keys_of("milestones"),
        )
        dates = self.partial_dates(spec, path, "planned_on", "planned_until")
        lookup = {"order": order, "kind": spec["kind"]} | {
            name: dates[name] for name in ("planned_on", "planned_on_precision")
        }
        values = {
            name: value for name, value in dates.items() if name.startswith("planned_until")
        } | {"quantity": spec.get("quantity"), "summary": spec.get("summary", "")}
        met_by = None
        if spec.get("met_by"):
            met = self.partial_dates(spec, path, "met_by")
            met_by = order.deliveries.filter(
                delivered_on=met["met_by"], delivered_on_precision=met["met_by_precision"]
            ).first()
            if met_by is None:
                raise DatasetError(
                    f"{path}.met_by: this order has no delivery on {spec['met_by']}."
                )
        values["met_by"] = met_by
        self.fact(Milestone, spec, path, lookup, values)

    def load_activity(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "name", "kind"},
            keys_of("activities"),
        )
        values = self.pick(spec, "name", "kind", "edition", "location", "strength", "summary")
        values["is_cancelled"] = bool(spec.get("cancelled", False))
        values["parent"] = self.ref(Activity, spec.get("parent"), f"{path}.parent")
        values["place"] = self.ref(Place, spec.get("place"), f"{path}.place")
        values["country"] = self.country(spec.get("country"), path)
        values |= self.partial_dates(spec, path, "start", "end")
        activity = self.fact(
            Activity,
            spec,
            path,
            {"slug": spec["slug"]},
            values,
            publishable=True,
            m2m=self.partnerships(spec, path),
        )
        for index, item in enumerate(spec.get("participations") or []):
            where = f"{path}.participations[{index}]"
            self.keys(
                item,
                where,
                {"role"},
                keys_of("participations"),
            )
            lookup = {
                "activity": activity,
                "organization": self.ref(
                    Organization, item.get("organization"), f"{where}.organization"
                ),
                "country": self.country(item.get("country"), where),
                "role": item["role"],
            }
            values = self.pick(item, "strength", "description")
            values["commander"] = self.ref(Person, item.get("commander"), f"{where}.commander")
            self.fact(Participation, item, where, lookup, values)

    def load_event(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "title", "kind", "date"},
            keys_of("events") | {"partnership"},
        )
        values = self.pick(spec, "title", "kind", "summary") | self.partial_dates(
            spec, path, "date", "end"
        )
        values["place"] = self.ref(Place, spec.get("place"), f"{path}.place")
        m2m = {
            "countries": [
                self.country(code, f"{path}.countries") for code in spec.get("countries", [])
            ]
        } | self.partnerships(spec, path)
        self.fact(Event, spec, path, {"slug": spec["slug"]}, values, publishable=True, m2m=m2m)

    def load_article(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "title", "published_on"},
            keys_of("articles") | {"links"},
        )
        values = self.pick(spec, "title", "standfirst", "body", "language")
        values |= self.partial_dates(spec, path, "published_on")
        m2m = {"tags": [self.ref(Tag, slug, f"{path}.tags") for slug in spec.get("tags", [])]}
        m2m |= self.partnerships(spec, path)
        self.fact(Article, spec, path, {"slug": spec["slug"]}, values, publishable=True, m2m=m2m)

    def link_article(self, spec, path):
        """Related articles and typed links, once every record they may point to exists."""
        article = self.ref(Article, spec["slug"], path)
        related = [self.ref(Article, slug, f"{path}.related") for slug in spec.get("related", [])]
        self.set_m2m(article, "related", related, "articles")
        for index, item in enumerate(spec.get("links") or []):
            where = f"{path}.links[{index}]"
            self.keys(item, where, {"type", "target"})
            kind, _, slug = str(item["target"]).partition(":")
            if kind not in RECORD_TYPES or not slug:
                raise DatasetError(
                    f"{where}.target: {item['target']!r} is not MODEL:slug with MODEL in {', '.join(RECORD_TYPES)}."
                )
            model = RECORD_TYPES[kind]
            target = (
                self.country(slug, where)
                if model is Country
                else self.ref(model, slug, f"{where}.target")
            )
            lookup = {
                "article": article,
                "content_type": self.content_type(model),
                "object_id": target.pk,
            }
            self.upsert(ArticleLink, where, lookup, {"kind": item["type"]})

    def load_quote(self, spec, path):
        self.keys(
            spec,
            path,
            {"slug", "text", "person"},
            keys_of("quotes"),
        )
        values = self.pick(spec, "text", "language", "occasion") | self.partial_dates(
            spec, path, "said_on"
        )
        values["person"] = self.ref(Person, spec["person"], f"{path}.person")
        values["article"] = self.ref(Article, spec.get("article"), f"{path}.article")
        self.fact(
            Quote,
            spec,
            path,
            {"slug": spec["slug"]},
            values,
            publishable=True,
            m2m=self.partnerships(spec, path),
        )

    # Helpers ----------------------------------------------------------------------------------

    def load_site(self, spec, path):
        """The site's name and description, and the partnership its home page features."""
        self.keys(spec, path, {"title"}, {"description", "featured_partnership"})
        values = self.pick(spec, "title", "description")
        values["featured_partnership"] = self.ref(
            Partnership, spec.get("featured_partnership"), path
        )
        self.upsert(SiteSettings, path, {"pk": SITE_SETTINGS_ID}, values)

    def partnerships(self, spec, path) -> dict:
        """The `partnerships: [slug, ...]` a record belongs to (an event of an earlier format
        may name one `partnership:`)."""
        slugs = spec.get("partnerships") or []
        if not isinstance(slugs, list):
            raise DatasetError(f"{path}.partnerships: give a list of partnership slugs.")
        if spec.get("partnership"):
            slugs = [*slugs, spec["partnership"]]
        return {
            "partnerships": [
                self.ref(Partnership, slug, f"{path}.partnerships") for slug in dict.fromkeys(slugs)
            ]
        }

    def keys(self, spec, path, required, optional=frozenset()):
        if not isinstance(spec, dict):
            raise DatasetError(f"{path}: expected a mapping, got {type(spec).__name__}.")
        missing = sorted(key for key in required if spec.get(key) in (None, ""))
        if missing:
            raise DatasetError(f"{path}: missing {', '.join(missing)}.")
        flags = sorted(RECORD_FLAGS & set(spec) - set(optional))
        if flags:
            raise DatasetError(
                f"{path}: {', '.join(flags)} no longer applies to a whole record; write the "
                "uncertain value as a claim, e.g. quantity: {value: 1000, upper: 1200, "
                "certainty: range, sources: [...]} (see SCHEMA.md, Claims)."
            )
        unknown = sorted(set(spec) - set(required) - set(optional))
        if unknown:
            raise DatasetError(f"{path}: unknown key(s) {', '.join(unknown)}.")

    @staticmethod
    def pick(spec, *names):
        return {name: spec[name] for name in names if name in spec and spec[name] is not None}

    def partial_dates(self, spec, path, *names):
        values = {}
        for name in names:
            if spec.get(name) in (None, ""):
                continue
            raw = spec[name]
            try:
                partial = (
                    PartialDate(raw, 4)
                    if isinstance(raw, datetime.date)
                    else PartialDate.parse(str(raw))
                )
            except ValueError as error:
                raise DatasetError(f"{path}.{name}: {error}") from error
            values[name] = partial.value
            values[f"{name}_precision"] = partial.precision
        return values

    @staticmethod
    def exact_date(raw, path):
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError as error:
            raise DatasetError(f"{path}: {raw!r} is not a date (YYYY-MM-DD).") from error

    @staticmethod
    def decimal(raw, path):
        try:
            return Decimal(str(raw))
        except InvalidOperation as error:
            raise DatasetError(f"{path}: {raw!r} is not a number.") from error

    def amount(self, spec, path):
        return (
            self.decimal(spec["amount"], f"{path}.amount")
            if spec.get("amount") not in (None, "")
            else None
        )

    def ref(self, model, slug, path):
        if slug in (None, ""):
            return None
        key = (model, str(slug))
        if key not in self._cache:
            found = model.objects.filter(slug=slug).first() if model is not Variant else None
            if found is None:
                raise DatasetError(
                    f"{path}: no {model._meta.verbose_name} {slug!r} (is it defined earlier in the file?)."
                )
            self._cache[key] = found
        return self._cache[key]

    def country(self, code, path):
        if code in (None, ""):
            return None
        key = (Country, f"code:{code}")
        if key not in self._cache:
            found = Country.objects.filter(code=code).first()
            if found is None:
                raise DatasetError(
                    f"{path}: no country with code {code!r} (list it under countries)."
                )
            self._cache[key] = found
        return self._cache[key]

    def term(self, model, name, spec, path):
        """{attname: code} for the vocabulary term `spec[name]` of `model.name`; an unknown code
        stops the load, naming the terms there are."""
        field = model._meta.get_field(name)
        vocabulary = field.related_model
        key = (vocabulary, "codes")
        if key not in self._cache:
            self._cache[key] = list(vocabulary.objects.values_list("code", flat=True))
        code = spec.get(name)
        if code not in self._cache[key]:
            raise DatasetError(
                f"{path}.{name}: unknown {vocabulary._meta.verbose_name} {code!r}; the known "
                f"ones are {', '.join(sorted(self._cache[key]))} (an Editor adds terms in the "
                "admin)."
            )
        return {field.attname: code}

    def content_type(self, model):
        if model not in self._content_types:
            self._content_types[model] = ContentType.objects.get_for_model(model)
        return self._content_types[model]

    def fact(self, model, spec, path, lookup, values, *, aliases=None, **options):
        """Upsert a fact-bearing record with its uncertainty note, claims and citations.

        `aliases` maps a dataset key to the field it sets when the names differ."""
        values = values | {"uncertainty": spec.get("uncertainty", "")}
        whole, claimed = claim_specs.from_source_items(spec.get("sources") or [])
        claimed = self._claims.get(id(spec), []) + claimed
        for claim in claimed:
            claim.field = (aliases or {}).get(claim.field, claim.field)
        if not whole and not claimed:
            raise DatasetError(f"{path}: a fact-bearing record needs at least one source.")
        instance = self.upsert(model, path, lookup, values, **options)
        kept_citations = set()

        def cite(item, where, claim):
            if isinstance(item, str):
                item = {"source": item}
            if not isinstance(item, dict):
                raise DatasetError(f"{where}: give a source key or a mapping with source.")
            self.keys(item, where, {"source"}, {"locator", "excerpt"})
            citation = self.upsert(
                Citation,
                where,
                {
                    "content_type": self.content_type(model),
                    "object_id": instance.pk,
                    "source": self.ref(Source, item["source"], f"{where}.source"),
                    "claim": claim,
                },
                self.pick(item, "locator", "excerpt"),
            )
            kept_citations.add(citation.pk)

        for index, item in enumerate(whole):
            cite(item, f"{path}.sources[{index}]", None)
        try:
            kept_claims = claim_specs.ClaimWriter(instance, cite, path).write(claimed)
        except claim_specs.ClaimSpecError as error:
            raise DatasetError(str(error)) from error
        claim_specs.forget_others(instance, kept_claims, kept_citations)
        return instance

    @staticmethod
    def translated(model, values, path):
        """Spread `{fr: ..., nl: ..., en: ...}` over a translated field's columns.

        A plain string is the French text with no translation: the translation columns are
        emptied, so the file stays the whole truth about the records it lists.
        """
        fields = model.translated_fields() if issubclass(model, Localizable) else ()
        spread = {}
        for name, value in values.items():
            if name not in fields:
                if isinstance(value, dict) and set(value) & set(LANGUAGE_CODES):
                    raise DatasetError(f"{path}.{name}: this field is not translated.")
                spread[name] = value
                continue
            texts = value if isinstance(value, dict) else {REFERENCE_LANGUAGE: value}
            unknown = sorted(set(texts) - set(LANGUAGE_CODES))
            if unknown:
                raise DatasetError(
                    f"{path}.{name}: unknown language(s) {', '.join(map(str, unknown))}; "
                    f"use {', '.join(LANGUAGE_CODES)}."
                )
            if any(not isinstance(text, str) for text in texts.values() if text is not None):
                raise DatasetError(f"{path}.{name}: each translation must be a text.")
            if isinstance(value, dict) and not texts.get(REFERENCE_LANGUAGE):
                raise DatasetError(
                    f"{path}.{name}: the {REFERENCE_LANGUAGE} text is the reference, give it."
                )
            spread[name] = texts.get(REFERENCE_LANGUAGE) or ""
            for language in TRANSLATION_LANGUAGES:
                spread[column(name, language)] = texts.get(language) or ""
        return spread

    def upsert(self, model, path, lookup, values, *, publishable=False, m2m=None):
        label = model._meta.verbose_name_plural
        counts = self.stats.setdefault(str(label), Counter())
        lookup, values = self.translated(model, lookup, path), self.translated(model, values, path)
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            if publishable:
                instance.status = Status.PUBLISHED
            outcome = "created"
        else:
            changed = [name for name, value in values.items() if getattr(instance, name) != value]
            for name in changed:
                setattr(instance, name, values[name])
            outcome = "updated" if changed else "unchanged"
        if outcome != "unchanged":
            try:
                instance.full_clean()
            except ValidationError as error:
                raise DatasetError(f"{path}: {format_validation_error(error)}") from error
            instance.save()
        for name, related in (m2m or {}).items():
            if self.set_m2m(instance, name, related, label) and outcome == "unchanged":
                outcome = "updated"
        if "slug" in lookup:
            self._cache[(model, str(lookup["slug"]))] = instance
        counts[outcome] += 1
        return instance

    def set_m2m(self, instance, name, related, label) -> bool:
        manager = getattr(instance, name)
        wanted = {obj.pk for obj in related}
        if set(manager.values_list("pk", flat=True)) == wanted:
            return False
        manager.set(related)
        return True


def format_validation_error(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
