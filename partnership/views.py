"""Public pages. Every page reads through the models' `.published()` querysets."""

from django.shortcuts import render
from django.views.generic import DetailView

from .dates import partial_date_accessors
from .models import Activity, Agreement, Article, Order, Partnership, Programme, Source, System


def home(request):
    sections = [
        (model._meta.verbose_name_plural, model.objects.published())
        for model in (Partnership, Agreement, Programme, System, Activity, Article)
    ]
    orders = Order.objects.published().with_delivered().select_related("buyer", "system")
    return render(request, "partnership/home.html", {"sections": sections, "orders": orders})


class RecordDetailView(DetailView):
    """A published record with its numbered sources; drafts and unknown slugs are 404s."""

    template_name = "partnership/record_detail.html"
    context_object_name = "record"

    def get_queryset(self):
        return self.model.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["citations"] = (
            self.object.citations.filter(source__in=Source.objects.published())
            .select_related("source")
            .order_by("source__published_on", "pk")
        )
        context["verbose_name"] = self.model._meta.verbose_name
        context["facts"] = list(record_facts(self.object))
        return context


HIDDEN_FIELDS = {"id", "slug", "status", "publish_at", "created_at", "updated_at", "uncertainty"}


def record_facts(record):
    """(label, value) pairs for a record's own fields, partial dates at their precision."""
    accessors = {accessor.field_name: accessor for accessor in partial_date_accessors(type(record))}
    for field in record._meta.fields:
        name = field.name
        if (
            name in HIDDEN_FIELDS
            or name.endswith("_precision")
            or field.get_internal_type() == "BooleanField"
        ):
            continue
        if name in accessors:
            value = accessors[name].__get__(record)
        elif field.choices:
            value = getattr(record, f"get_{name}_display")()
        else:
            value = getattr(record, name)
        if name == "summary" or value in (None, "", {}):
            continue
        yield field.verbose_name, value
