"""An article's link to the record it is about: one autocomplete over every public record type.

A curator types part of a name ("Griff") and picks "System: Griffon", without first choosing a
record type: the type is shown in each option, and the record is stored as its content type and
id. Only the public record types (`RECORD_TYPES`) can be linked, and each user only to the types
they may view. Labels are computed in SQL, so one query names any number of records of any types:
the search endpoint costs one query per page, an article's form one query for all its links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.admin import display
from django.contrib.admin.widgets import AutocompleteSelect, get_select2_language
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, ExtractYear, Lower, NullIf, Substr
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..models import RECORD_TYPES
from ..models.i18n import active_language, column, is_translated, with_translations
from .forms import KnownLabelForm

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
                    text(model, "buyer__name", language),
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
    "order": ("slug", "buyer__name", "system__name"),
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


class RecordAutocomplete(AutocompleteSelect):
    """Django's admin autocomplete (its own select2 and autocomplete.js) over `record_autocomplete`;
    the current choice is named from the form's `RecordLabels`, without a query of its own."""

    labels: RecordLabels | None = None

    def __init__(self, attrs=None):
        super().__init__(field=None, admin_site=None, attrs=attrs)

    @property
    def i18n_name(self):
        # The language of the request, not of the import: this widget is built once, with its form.
        return get_select2_language()

    @i18n_name.setter
    def i18n_name(self, value):
        pass

    def get_url(self):
        return reverse("admin:partnership_articlelink_records")

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = forms.Select.build_attrs(self, base_attrs, extra_attrs=extra_attrs)
        classes = attrs.get("class", "")
        return attrs | {
            "data-ajax--cache": "true",
            "data-ajax--delay": 250,
            "data-ajax--type": "GET",
            "data-ajax--url": self.get_url(),
            "data-theme": "admin-autocomplete",
            "data-allow-clear": "false" if self.is_required else "true",
            "data-placeholder": str(_("Type a name to search")),
            "lang": self.i18n_name,
            "class": f"{classes} admin-autocomplete".strip(),
        }

    def optgroups(self, name, value, attr=None):
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        labels = self.labels or RecordLabels()
        for item in value:
            if item:
                label = labels.get(item) or _("Unknown record (%(value)s)") % {"value": item}
                options.append(self.create_option(name, item, label, True, len(options)))
        return [(None, options, 0)]


class RecordField(forms.Field):
    """A record of a linkable type, given as "type:id" ("system:4")."""

    widget = RecordAutocomplete
    default_error_messages = {
        "invalid": _("Choose a record from the list."),
        "type": _("Records of this type cannot be linked. Choose one of: %(types)s."),
        "missing": _("This record does not exist (it may have been deleted). Choose another."),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.types: dict[str, RecordType] = dict(TYPES)
        self.labels = RecordLabels()

    def to_python(self, value):
        return "" if value in self.empty_values else str(value).strip()

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        key, _sep, _pk = value.partition(":")
        if key not in self.types:
            names = ", ".join(str(t.label) for t in self.types.values())
            raise ValidationError(self.error_messages["type"], "type", {"types": names})
        if parse(value) is None:
            raise ValidationError(self.error_messages["invalid"], "invalid")
        if self.labels.get(value) is None:
            raise ValidationError(self.error_messages["missing"], "missing")


class ArticleLinkForm(KnownLabelForm):
    """The link's record chosen by name; stored as the model's content type and object id."""

    record = RecordField(label=capfirst(_("record")))

    user = None

    class Meta:
        error_messages = {
            NON_FIELD_ERRORS: {"unique_together": _("This article already links to this record.")}
        }

    def __init__(self, *args, record_labels: RecordLabels | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_labels = record_labels or RecordLabels()
        # Read-only rows show their record through the admin's `record` display.
        self.instance._record_labels = self.record_labels
        current = value_of(self.instance.content_type_id, self.instance.object_id)
        self.record_labels.want(current)
        self.types = viewable_types(self.user)
        field = self.fields.get("record")
        if field is None:
            return
        field.labels = field.widget.labels = self.record_labels
        field.types = self.types
        if current:
            self.initial.setdefault("record", current)
        if self.is_bound:
            self.record_labels.want(
                field.widget.value_from_datadict(self.data, {}, self["record"].html_name)
            )

    @property
    def linked_record(self) -> dict:
        """The stored record's label, and its admin page if the user may view its type."""
        value = value_of(self.instance.content_type_id, self.instance.object_id)
        label = self.record_labels.get(value) if value else None
        if label is None:
            return {"label": _("Unknown record (%(value)s)") % {"value": value}, "url": ""}
        record_type, pk = parse(value)
        if record_type.key not in self.types:
            return {"label": label, "url": ""}
        opts = record_type.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
        return {"label": label, "url": url}

    def clean(self):
        cleaned = super().clean()
        parsed = parse(cleaned.get("record") or "")
        if parsed is not None:
            record_type, pk = parsed
            self.instance.content_type = content_types()[record_type.key]
            self.instance.object_id = pk
            # Read by the formset's check that no two rows link the same record.
            cleaned["content_type"], cleaned["object_id"] = self.instance.content_type, pk
        return cleaned

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.cleaned_data.get("record"):
            # Checked through `record`, and part of the one-link-per-record constraint.
            exclude -= {"content_type", "object_id"}
        return exclude


class ArticleLinkFormSet(BaseInlineFormSet):
    """The rows share one `RecordLabels`: one query names every linked record."""

    def __init__(self, *args, **kwargs):
        self.record_labels = RecordLabels()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return super().get_form_kwargs(index) | {"record_labels": self.record_labels}

    def get_unique_error_message(self, unique_check):
        return _("A record can be linked only once: remove the repeated rows.")


class RecordLinkAdminMixin:
    """For the admin of links (inline or not): the record field, bound to the user's permissions."""

    form = ArticleLinkForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"user": request.user})
        return formset

    @display(description=_("record"))
    def record(self, obj):
        labels = getattr(obj, "_record_labels", None) or RecordLabels()
        return labels.get(value_of(obj.content_type_id, obj.object_id)) or "—"


class BadParameter(ValueError):
    pass


def page_number(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadParameter(
            _("“page” must be a whole number from 1 to %(max)d.") % {"max": MAX_PAGE}
        )
    return int(raw)


def search_terms(raw: str | None) -> list[str]:
    term = (raw or "").strip()
    if len(term) > MAX_TERM_LENGTH:
        raise BadParameter(
            _("“term” must be at most %(max)d characters long.") % {"max": MAX_TERM_LENGTH}
        )
    if "\x00" in term:
        raise BadParameter(_("“term” must not contain a null character."))
    return term.split()


@require_GET
def record_autocomplete(request):
    """Records of the types the user may view whose name, title or slug (in any language)
    contains every word of `term`, in select2's format, a page at a time: those whose name starts
    with the first word first ("Griff": the Griffon before the orders of Griffons), then by type
    (in the order of RECORD_TYPES) and name."""
    try:
        terms = search_terms(request.GET.get("term"))
        page = page_number(request.GET.get("page"))
    except BadParameter as error:
        return JsonResponse({"error": str(error)}, status=400)
    types = viewable_types(request.user)
    if not types:
        return JsonResponse({"error": str(_("You may not view any record type."))}, status=403)
    language = active_language()
    prefix = terms[0] if terms else ""
    parts = [t.labelled(language, prefix).filter(t.matching(terms)) for t in types.values()]
    offset = (page - 1) * PAGE_SIZE
    ordering = ("name_rank", "type_rank", "record_sort", "record_id")
    rows = list(union(parts).order_by(*ordering)[offset : offset + PAGE_SIZE + 1])
    keys = {t.rank: key for key, t in TYPES.items()}
    return JsonResponse(
        {
            "results": [
                {"id": f"{keys[rank]}:{pk}", "text": label}
                for _first, rank, pk, label, _sort in rows[:PAGE_SIZE]
            ],
            "pagination": {"more": len(rows) > PAGE_SIZE},
        }
    )
