"""The public record types an article can link to: how each is searched and named, in SQL
(one query names any number of records of any types)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, ExtractYear, Lower, NullIf, Substr
from django.utils.text import capfirst
from django.utils.translation import gettext

from ..models import RECORD_TYPES
from ..models.i18n import active_language, column, is_translated, with_translations

PAGE_SIZE = 20
MAX_PAGE = 1000
MAX_TERM_LENGTH = 100
# Beyond this, the id is not one the database could hold (and SQLite would overflow).
MAX_ID = 2**63 - 1


def text(model, lookup: str, language: str):
    """`lookup` in `language`, or the French text where there is no translation."""
    if not is_translated(model, lookup):
        return F(lookup)
    return Coalesce(NullIf(F(column(lookup, language)), Value("")), F(lookup))


def either(first, second):
    """`first`, or `second` where `first` is empty."""
    return Coalesce(NullIf(first, Value("")), second, output_field=CharField())


@dataclass(frozen=True)
class RecordType:
    """A record type that can be linked: how its records are named and found."""

    key: str
    model: type
    searched: tuple[str, ...]
    rank: int

    @property
    def label(self) -> str:
        return capfirst(self.model._meta.verbose_name)

    def name(self, language: str):
        """The record's name in SQL, as __str__ gives it, in `language`."""
        model = self.model
        match self.key:
            case "partnership":
                return either(F("acronym"), text(model, "name", language))
            case "agreement":
                return either(text(model, "short_title", language), text(model, "title", language))
            case "organization":
                name = text(model, "name", language)
                short = Concat(Value("("), F("short_name"), Value(")"))
                # "Direction générale de l'armement (DGA)", but never "… (GME) (GME)".
                return Case(
                    When(Q(short_name="") | Q(name__contains=short), then=name),
                    default=Concat(name, Value(" "), short),
                    output_field=CharField(),
                )
            case "order":
                year = Cast(ExtractYear("ordered_on"), CharField())
                return Concat(
                    Coalesce(
                        text(model, "buyer__name", language),
                        text(model, "buying_organization__name", language),
                        Value(""),
                        output_field=CharField(),
                    ),
                    Value(": "),
                    Cast("quantity", CharField()),
                    Value(" × "),
                    text(model, "system__name", language),
                    Case(
                        When(ordered_on__isnull=True, then=Value("")),
                        default=Concat(Value(", "), year),
                    ),
                    output_field=CharField(),
                )
            case "quote":
                return Concat(F("person__name"), Value(": "), Substr("text", 1, 60))
        field = "title" if "title" in {f.name for f in model._meta.fields} else "name"
        return text(model, field, language)

    def labelled(self, language: str, prefix: str = "") -> QuerySet:
        """Every record of the type as (rank, id, label, sort key), records whose name starts
        with `prefix` ranked first: the parts of one UNION."""
        name = self.name(language)
        # "System: Griffon", as the language writes it ("Système : Griffon").
        pattern = gettext("%(type)s: %(name)s") % {"type": self.label, "name": "\x00"}
        before, _sep, after = pattern.partition("\x00")
        starts = Q(record_sort__startswith=prefix.lower())
        return (
            self.model._default_manager.order_by()
            .annotate(record_sort=Lower(name))
            .annotate(
                name_rank=Case(When(starts, then=Value(0)), default=Value(1))
                if prefix
                else Value(0),
                type_rank=Value(self.rank),
                record_id=F("pk"),
                record_label=Concat(Value(before), name, Value(after), output_field=CharField()),
            )
            .values_list("name_rank", "type_rank", "record_id", "record_label", "record_sort")
        )

    def matching(self, terms: list[str]) -> Q:
        condition = Q()
        for term in terms:
            condition &= Q.create(
                [(f"{lookup}__icontains", term) for lookup in self.searched], connector=Q.OR
            )
        return condition


def searched(model, *names: str) -> tuple[str, ...]:
    fields = {field.name for field in model._meta.fields}
    own = [name for name in names if name.split("__")[0] in fields]
    return with_translations(model, own)


SEARCHED = {
    "order": ("slug", "buyer__name", "buying_organization__name", "system__name"),
    "quote": ("slug", "text", "person__name"),
    "country": ("name", "code", "slug"),
}
TYPES = {
    key: RecordType(
        key,
        model,
        searched(
            model,
            *SEARCHED.get(
                key,
                ("name", "title", "short_title", "short_name", "acronym", "designation", "slug"),
            ),
        ),
        rank,
    )
    for rank, (key, model) in enumerate(RECORD_TYPES.items())
}


def viewable_types(user) -> dict[str, RecordType]:
    """The record types `user` may view in the admin (a change permission implies viewing)."""
    if user is None:
        return dict(TYPES)
    allowed = {}
    for key, record_type in TYPES.items():
        opts = record_type.model._meta
        if any(
            user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        ):
            allowed[key] = record_type
    return allowed


def parse(value: str) -> tuple[RecordType, int] | None:
    """("system", 4) from "system:4"; None for anything else."""
    key, _sep, pk = str(value).partition(":")
    if key not in TYPES or not pk.isascii() or not pk.isdigit():
        return None
    pk = int(pk)
    return (TYPES[key], pk) if 0 < pk <= MAX_ID else None


def value_of(content_type_id: int | None, object_id: int | None) -> str:
    keys = {ct.pk: key for key, ct in content_types().items()}
    if content_type_id not in keys or object_id is None:
        return ""
    return f"{keys[content_type_id]}:{object_id}"


def content_types() -> dict[str, ContentType]:
    """The linkable types' content types (from Django's cache once it is warm)."""
    by_model = ContentType.objects.get_for_models(*(t.model for t in TYPES.values()))
    return {key: by_model[t.model] for key, t in TYPES.items()}


def union(parts: list[QuerySet]) -> QuerySet:
    if len(parts) == 1:
        return parts[0]
    return parts[0].union(*parts[1:], all=True)


class RecordLabels:
    """The labels of the records a formset shows, fetched together in one query when first read."""

    def __init__(self):
        self.wanted: set[str] = set()
        self.known: dict[str, str | None] = {}

    def want(self, value: str | None) -> None:
        if value and value not in self.known:
            self.wanted.add(value)

    def get(self, value: str) -> str | None:
        if value not in self.known:
            self.want(value)
            self.fetch()
        return self.known.get(value)

    def fetch(self) -> None:
        ids: dict[str, set[int]] = {}
        for value in self.wanted:
            parsed = parse(value)
            self.known[value] = None
            if parsed is not None:
                ids.setdefault(parsed[0].key, set()).add(parsed[1])
        self.wanted = set()
        if not ids:
            return
        language = active_language()
        parts = [TYPES[key].labelled(language).filter(pk__in=pks) for key, pks in ids.items()]
        keys = {t.rank: key for key, t in TYPES.items()}
        for _first, rank, pk, label, _sort in union(parts).order_by("type_rank", "record_id"):
            self.known[f"{keys[rank]}:{pk}"] = label
