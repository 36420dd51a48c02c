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


# One partnership's records ------------------------------------------------------------------


def partnership_in_scope(request, slug):
    """The partnership whose records a page is limited to (`/partnerships/<slug>/...`), or None
    for a page covering every partnership. Unknown or hidden from this reader: a 404."""
    from django.shortcuts import get_object_or_404

    from ..models import Partnership

    if slug is None:
        return None
    return get_object_or_404(Partnership.objects.visible_to(request.user), slug=slug)


def scope_context(request, scope, section: str) -> dict:
    """What a list's scope line needs: the partnership it is limited to, or every partnership
    (to offer each one's own view); and the URL names of the page's scoped and whole versions."""
    from ..models import Partnership

    return {
        "scope": scope,
        "scope_section": section,
        "scoped_url": f"partnership:scoped:{section}",
        "unscoped_url": f"partnership:{section}",
        "all_partnerships": [] if scope else list(Partnership.objects.published()),
    }


class ScopedListMixin:
    """A list of every partnership's records, or, under `/partnerships/<slug>/`, of one's."""

    section = ""  # the URL name of the list

    def dispatch(self, request, *args, **kwargs):
        self.scope = partnership_in_scope(request, kwargs.get("partnership"))
        return super().dispatch(request, *args, **kwargs)

    def in_scope(self, queryset):
        if self.scope is None:
            return queryset
        return queryset.in_partnership(self.scope, readers=self.scope.is_published)

    def get_queryset(self):
        return self.in_scope(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(scope_context(self.request, self.scope, self.section))
        return context
