"""What every page's template can use."""

from django.utils.functional import SimpleLazyObject

from .models import SiteSettings


def site(request):
    """The site's title and description (`site.t.title`): read once per page, when a template
    first uses them."""
    return {"site": SimpleLazyObject(SiteSettings.current)}
