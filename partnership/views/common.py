"""What every public page shares: published-only querysets, numbered sources, filters, errors."""

from django import forms
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.generic import DetailView, ListView

from ..api.errors import api_not_found, api_server_error
from ..models.i18n import localized_ordering
from ..sourcing import Bibliography


def clean_filters(request, form_class):
    """The validated query-string filters; a bad value is a 400 that names the parameter."""
    form = form_class(request.GET)
    if not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in form.errors.items()
        )
        raise BadRequest(_("Invalid filter. %(problems)s") % {"problems": problems})
    return form.cleaned_data


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1900, max_value=2100, **kwargs)


class PublishedDetailView(DetailView):
    """A published record, its numbered sources and its structured data. Drafts are 404s."""

    context_object_name = "record"

    def get_queryset(self):
        # Staff allowed to see drafts preview them here; readers get withdrawn records as a notice.
        return self.model.objects.readable_by(self.request.user)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published:
            response["Cache-Control"] = "private, no-store"
            response["X-Robots-Tag"] = "noindex"
        return response

    def cited_records(self, context) -> list:
        return [self.object]

    def structured_data(self) -> dict | None:
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bibliography"] = Bibliography(self.cited_records(context))
        context["structured_data"] = self.structured_data()
        context["og_type"] = "article"
        return context


class PublishedListView(ListView):
    paginate_by = 50

    def get_queryset(self):
        return self.model.objects.published().order_by(*localized_ordering(self.model))


def bad_request(request, exception):
    message = str(exception) if exception else ""
    return render(request, "400.html", {"message": message}, status=400)


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return defaults.server_error(request)
