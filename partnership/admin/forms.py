"""Admin forms: autocompletes that reuse joined rows, refusal to overwrite a newer change, and
the publication workflow's status choices."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from ..history import describe_changes, version_fields
from ..locking import locked
from ..models import Source, Status, Vocabulary
from ..models.i18n import (
    LANGUAGE_NAMES,
    REFERENCE_LANGUAGE,
    Localizable,
    column,
)
from ..sourcing import dependants, visible_on
from ..workflow import (
    TransitionError,
    allowed_statuses,
    can_publish,
    check_transition,
    stored_status,
)


class KnownLabelAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that shows the current choice without a query when its label is known.

    Django's widget queries the database for the selected option's label once per widget, so an
    inline with N rows costs N queries; the form fills `known` from the already-joined instance.
    """

    known: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not selected or not all(v in self.known for v in selected):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for v in selected:
            options.append(self.create_option(name, v, self.known[v], set(selected), len(options)))
        return [(None, options, 0)]


class KnownLabelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            return
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if not isinstance(widget, KnownLabelAutocompleteSelect):
                continue
            model_field = self.instance._meta.get_field(name)
            if model_field.is_cached(self.instance):
                related = getattr(self.instance, name)
                if related is not None:
                    widget.known = {str(related.pk): field.label_from_instance(related)}


class EfficientFormMixin:
    """Autocomplete widgets that reuse joined rows, and inline rows joined to their relations."""

    form = KnownLabelForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownLabelAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and issubclass(db_field.related_model, Vocabulary):
            # A vocabulary's terms read once a request, for the form and every inline row, not
            # once a row (the admin builds its form classes several times a request).
            terms = getattr(request, "_vocabulary_choices", None)
            if terms is None:
                terms = {}
                if request is not None:
                    request._vocabulary_choices = terms
            model = db_field.related_model
            if model not in terms:
                terms[model] = list(iter(formfield.choices))
            formfield.choices = terms[model]
        return formfield

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if isinstance(self, admin.options.InlineModelAdmin):
            relations = [
                field.name
                for field in self.model._meta.fields
                if field.many_to_one and field.name != "content_type"
            ]
            if relations:
                queryset = queryset.select_related(*relations)
        return queryset


class ConcurrencyForm(KnownLabelForm):
    """Refuses to save over a change made since the form was opened, and says what changed."""

    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stamp = getattr(self.instance, "updated_at", None)
        if self.instance.pk and not self.is_bound and stamp is not None:
            self.fields["loaded_at"].initial = stamp.isoformat()
        self.label_translations()

    def label_translations(self):
        """Name the French field as such, and flag translations made from an older French text."""
        model = type(self.instance)
        for name in model.translated_fields() if issubclass(model, Localizable) else ():
            if name in self.fields:
                field = model._meta.get_field(name)
                self.fields[name].label = format_lazy(
                    "{} ({})", capfirst(field.verbose_name), LANGUAGE_NAMES[REFERENCE_LANGUAGE]
                )
        for key in (getattr(self.instance, "outdated_translations", "") or "").split():
            name, language = key.split(":")
            field = self.fields.get(column(name, language))
            if field is not None:
                field.help_text = _(
                    "Outdated: the French text has changed since this translation was made. "
                    "Update it, or confirm it with the action “Mark translations as up to date”."
                )
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} outdated"

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_at")
        if self.instance.pk and loaded:
            # Locked until the save commits: a second form saved at the same moment waits,
            # then finds the first one's change and is refused.
            stored = (
                locked(type(self.instance), self.instance.pk)
                .values_list("updated_at", flat=True)
                .first()
            )
            if stored is not None and stored.isoformat() != loaded:
                raise ValidationError(self.conflict_message(loaded))
        return cleaned

    def conflict_message(self, loaded: str) -> str:
        versions = Version.objects.get_for_object(self.instance).select_related("revision__user")
        latest = versions.first()
        opened = versions.filter(
            revision__date_created__lte=datetime.datetime.fromisoformat(loaded)
        ).first()
        who = (
            latest.revision.user
            if latest is not None and latest.revision.user
            else _("someone else")
        )
        changed = (
            describe_changes(type(self.instance), version_fields(opened), version_fields(latest))
            if latest is not None and opened is not None
            else []
        )
        details = "; ".join(f"{c.field}: {c.before} → {c.after}" for c in changed)
        message = _(
            "%(who)s changed this record after you opened it; your changes were not saved."
        ) % {"who": who}
        if details:
            message = f"{message} {_('Their changes:')} {details}."
        return f"{message} {_('Reload the page to edit the current version.')}"


class WorkflowForm(ConcurrencyForm):
    """Offers only the statuses the user may give the record; refuses any other (a forged POST
    included); scheduling is reserved to those who may publish."""

    workflow_user = None
    # Set by the admin view: the status readers see now (a revert, a recovery or a proposal put
    # another one in the form), and whether saving makes a proposal for review.
    live_status = None
    proposal_mode = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_status = self.live_status or stored_status(self.instance)
        if self.proposal_mode:
            # A proposal changes the record's content; its status is the reviewer's decision.
            for name in ("status", "publish_at"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Your change will be reviewed by an Editor, who decides on publication."
                    )
            return
        if "status" in self.fields:
            allowed = allowed_statuses(
                self.workflow_user, self.instance, current=self.previous_status
            )
            self.fields["status"].choices = [
                (value, label) for value, label in Status.choices if value in allowed
            ]
        if "publish_at" in self.fields and not can_publish(self.workflow_user, self._meta.model):
            self.fields["publish_at"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.proposal_mode:
            return cleaned
        status = cleaned.get("status") or self.previous_status
        if isinstance(self.instance, Source):
            self.check_dependants(cleaned, status)
        try:
            check_transition(
                self.workflow_user,
                self.instance,
                status,
                previous=self.previous_status,
                reason=cleaned.get("withdrawn_reason", ""),
                check_sources=False,
            )
        except TransitionError as error:
            self.add_error("status" if "status" in self.fields else None, str(error))
        return cleaned

    def check_dependants(self, cleaned, status) -> None:
        """A source readers see may not be hidden while it is the only source readers see of a
        published record: name those records."""
        source = self.instance
        if source.pk is None or not Source.objects.filter(visible_on(timezone.now()), pk=source.pk):
            return
        publish_at = cleaned.get("publish_at", source.publish_at)
        if status == Status.PUBLISHED and (publish_at is None or publish_at <= timezone.now()):
            return
        records = dependants(source)
        if records:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (
                        reverse(
                            f"admin:{r._meta.app_label}_{r._meta.model_name}_change", args=[r.pk]
                        ),
                        r,
                    )
                    for r in records
                ),
            )
            self.add_error(
                "status" if "status" in self.fields else None,
                format_html(
                    "{} {}",
                    _(
                        "Readers would see no source for these published records, which cite "
                        "no other published source: cite another published source first, or "
                        "take them back to review."
                    ),
                    links,
                ),
            )
