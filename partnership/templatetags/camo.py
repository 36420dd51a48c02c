import json

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def cite(context, record):
    """Superscript links to the numbered sources of `record` in the page's bibliography."""
    bibliography = context.get("bibliography")
    numbers = bibliography.refs(record) if bibliography is not None else []
    if not numbers:
        return ""
    links = format_html_join(", ", '<a href="#source-{0}">{0}</a>', ((n,) for n in numbers))
    return format_html('<sup class="cite">[{}]</sup>', links)


@register.filter
def jsonld(data):
    """A JSON-LD block. It is data, not script, so the Content-Security-Policy allows it."""
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.filter
def percent(part, whole):
    try:
        return round(100 * int(part or 0) / int(whole))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0
