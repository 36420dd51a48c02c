"""An article's link to the record it is about: one autocomplete over every public record type.

A curator types part of a name ("Griff") and picks "System: Griffon", without first choosing a
record type: the type is shown in each option, and the record is stored as its content type and
id. Only the public record types (`RECORD_TYPES`) can be linked, and each user only to the types
they may view. Labels are computed in SQL, so one query names any number of records of any types:
the search endpoint costs one query per page, an article's form one query for all its links.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import display
from django.contrib.admin.widgets import AutocompleteSelect, get_select2_language
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..models.i18n import active_language
from .forms import KnownLabelForm
from .record_types import (
    MAX_PAGE,
    MAX_TERM_LENGTH,
    PAGE_SIZE,
    TYPES,
    RecordLabels,
    RecordType,
    content_types,
    parse,
    union,
    value_of,
    viewable_types,
)


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
