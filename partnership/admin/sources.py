"""The source form: a URL another source already has is refused by naming and linking that source
(the database constraint behind it, source_url_unique, would only give its own name)."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..models import Source
from .forms import WorkflowForm


class SourceForm(WorkflowForm):
    def clean_url(self):
        url = self.cleaned_data.get("url")
        if url:
            existing = Source.objects.filter(url=url).exclude(pk=self.instance.pk).first()
            if existing is not None:
                raise ValidationError(
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("A source with this URL already exists:"),
                        reverse("admin:partnership_source_change", args=[existing.pk]),
                        existing.title,
                    ),
                    code="duplicate_url",
                )
        return url
