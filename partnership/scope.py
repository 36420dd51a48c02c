"""Which records belong to a partnership.

Activities, programmes, orders, events, articles and quotes name their partnerships
(`partnerships`, many-to-many); agreements and memberships belong to one. Every other record is
in a partnership through its links, named on its model in `partnership_links`: a path ending at a
partnership ("programme__partnerships"), or at another record type, then in the partnership by
that type's own links ("appointments__organization"). For readers a record is in a partnership
only through records they may see, and never in a partnership they may not see.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from .visibility import link_visible


def _end_of(model, path: str):
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def partnership_q(model, partnership, *, readers: bool = True, now=None) -> Q:
    """The condition for rows of `model` to be in `partnership` (a Partnership or its slug)."""
    from .models import Partnership

    now = now or timezone.now()
    links = getattr(model, "partnership_links", None)
    if links is None:
        raise TypeError(f"{model.__name__} records cannot belong to a partnership.")
    condition = Q()
    for link in links:
        end = _end_of(model, link)
        if end is Partnership:
            if isinstance(partnership, Partnership):
                match = Q(**{link: partnership})
            else:
                match = Q(**{f"{link}__slug": partnership})
        else:
            inner = end._base_manager.filter(
                partnership_q(end, partnership, readers=readers, now=now)
            )
            match = Q(**{f"{link}__in": inner.values("pk")})
        if readers:
            match &= link_visible(link, model, now=now)
        condition |= match
    return condition


def in_partnership(queryset, partnership, *, readers: bool = True):
    """`queryset` narrowed to the rows in `partnership`, each once (a subquery: no join that
    would multiply the rows an annotation adds up)."""
    model = queryset.model
    rows = model._base_manager.filter(partnership_q(model, partnership, readers=readers))
    return queryset.filter(pk__in=rows.values("pk"))
