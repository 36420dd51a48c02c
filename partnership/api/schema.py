"""Schema post-processing: what every operation shares (error answers, the language choice),
and what drf-spectacular cannot tell from the serializers alone."""

import copy

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from ..models.i18n import LANGUAGE_CODES, REFERENCE_LANGUAGE
from .fields import PARTIAL_DATE_SCHEMA


class NonEmptyListExtension(OpenApiSerializerFieldExtension):
    """A nested list that refuses to be empty (a claim's citations) says so: minItems 1."""

    target_class = "partnership.api.fields.ItemList"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_empty:
            schema["minItems"] = 1
        return schema


class PartialDateExtension(OpenApiSerializerFieldExtension):
    """A partial date: nullable (null clears it) unless the record must have one."""

    target_class = "partnership.api.fields.PartialDateField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = copy.deepcopy(PARTIAL_DATE_SCHEMA)
        if not self.target.allow_null:
            del schema["nullable"]
        return schema


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {}},
            },
        }
    },
}

ERRORS = {
    "400": "Invalid input: the `fields` member names each bad parameter or field.",
    "401": "Authentication required (writes need a token or a session).",
    "403": "Not allowed: the account lacks the permission.",
    "404": "No such record, or not published.",
    "406": "The requested format is not available.",
    "429": "Too many requests; retry after the delay in Retry-After.",
}

WITHDRAWN = (
    "Withdrawn: the record was published, then withdrawn; `withdrawn_reason` and "
    "`withdrawn_at` say why and when."
)

UNSUPPORTED = "The body is not JSON (Content-Type: application/json)."

STILL_REFERENCED = (
    "Other records rest on this one (an order on its system, a citation on its source): the "
    "message names them; change or delete them first."
)

ACCEPTED_SCHEMA = {
    "type": "object",
    "required": ["detail", "proposal"],
    "properties": {
        "detail": {"type": "string"},
        "proposal": {
            "type": "object",
            "required": ["id", "state", "record", "review_url"],
            "properties": {
                "id": {"type": "integer"},
                "state": {"type": "string", "enum": ["pending"]},
                "record": {"type": "string"},
                "review_url": {"type": "string", "format": "uri"},
            },
        },
    },
}

ACCEPTED = {
    "description": (
        "Accepted for review: the record is published (or withdrawn) and the account may not "
        "publish it, so the change is kept as a proposal an Editor reviews; readers keep seeing "
        "the published version meanwhile."
    ),
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProposalAccepted"}}},
}


def _error(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ProposalAccepted"] = ACCEPTED_SCHEMA
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if method in ("post", "put", "patch", "delete"):
                operation["responses"].setdefault("202", ACCEPTED)
            if method in ("post", "put", "patch"):
                operation["responses"].setdefault("415", _error(UNSUPPORTED))
            if method == "get" and path.endswith("}/"):
                operation["responses"].setdefault("410", _error(WITHDRAWN))
            if method == "delete":
                operation["responses"].setdefault("409", _error(STILL_REFERENCED))
            for status, description in ERRORS.items():
                operation["responses"].setdefault(status, _error(description))
            operation["responses"].setdefault(
                "414",
                {
                    "description": "The address is too long for the server.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
            )
            # Reading needs no account: anonymous clients see published records.
            security = operation.get("security")
            if method in ("get", "head") and security and {} not in security:
                security.append({})
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and "enum" not in schema
                ):
                    schema.setdefault("maxLength", 100)
                    schema.setdefault("pattern", "^[^\\x00]*$")
    return result


LANGUAGE_PARAMETER = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": (
        "Language of the texts and messages: fr (the reference), nl or en. Without it, the "
        "Accept-Language header decides; the default is fr. A text not yet translated is given "
        "in French; each record's `languages` says which language each of its texts is in, and "
        "the Content-Language header gives the language asked for. Writes store translated "
        "texts in this language."
    ),
    "schema": {"type": "string", "enum": list(LANGUAGE_CODES), "default": REFERENCE_LANGUAGE},
}


def add_language_parameter(result, generator, request, public):
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                parameters = operation.setdefault("parameters", [])
                if not any(parameter.get("name") == "lang" for parameter in parameters):
                    parameters.append(LANGUAGE_PARAMETER)
    return result


def name_after_the_site(result, generator, request, public):
    """The API is named and described after the site's settings (in English, the schema's
    language), as its pages are: nothing in the code names a partnership."""
    from django.db import DatabaseError

    from ..models import SiteSettings

    try:
        site = SiteSettings.current()
    except DatabaseError:  # a schema generated before the database exists
        site = SiteSettings.defaults()
    info = result["info"]
    info["title"] = f"{site.title_en or site.title} API"
    description = site.description_en or site.description
    if description:
        info["description"] = f"{description} {info['description']}"
    return result
