from django import template
from django.utils.translation import get_language_info, gettext

register = template.Library()


@register.filter
def language_name(code):
    """The name of the language `code` in the reader's language ("anglais", "Engels", "English"),
    or the code itself when Django does not know it."""
    try:
        return gettext(get_language_info(code)["name"])
    except KeyError:
        return code
