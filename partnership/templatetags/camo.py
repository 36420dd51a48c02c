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


@register.simple_tag(takes_context=True)
def language_versions(context):
    """This page in each language: [{code, name, url, current}] (same path, other prefix)."""
    from django.conf import settings
    from django.urls import translate_url
    from django.utils.translation import get_language, get_language_info

    request = context.get("request")
    if request is None:
        return []
    current = get_language()
    path = request.get_full_path()
    versions = []
    for code, _name in settings.LANGUAGES:
        versions.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": translate_url(path, code),
                "page": translate_url(request.path, code),
                "current": code == current,
            }
        )
    return versions
