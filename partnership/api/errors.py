"""One JSON error format for the whole API:
{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"year": ["..."]}}}"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(status, code, message, fields=None):
    error = {"status": status, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        names = ", ".join(detail)
        response.data = error_body(
            response.status_code,
            "invalid",
            _("Invalid value for: %(names)s.") % {"names": names},
            detail,
        )
    elif isinstance(exc, exceptions.ParseError):
        # DRF's message quotes Python's JSON error, in English whatever the language asked.
        response.data = error_body(
            response.status_code, "parse_error", _("The request body is not valid JSON.")
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        code = codes if isinstance(codes, str) else CODES.get(response.status_code, "error")
        response.data = error_body(response.status_code, code, str(getattr(exc, "detail", exc)))
        # An exception may say more than its message (a tombstone's reason and date).
        response.data["error"] |= getattr(exc, "extra", dict)()
    return response


CODES = {404: "not_found", 403: "permission_denied", 401: "not_authenticated"}


class StillReferenced(exceptions.APIException):
    """A record other records rest on cannot be deleted while they do."""

    status_code = 409
    default_code = "still_referenced"

    @classmethod
    def by(cls, error) -> "StillReferenced":
        """From Django's ProtectedError or RestrictedError: names a few of the records."""
        records = list(getattr(error, "protected_objects", None) or error.restricted_objects)
        names = "; ".join(f"{obj._meta.verbose_name} {obj}" for obj in records[:5])
        if len(records) > 5:
            names = _("%(records)s and %(count)s more") % {
                "records": names,
                "count": len(records) - 5,
            }
        return cls(
            _("Other records rest on this one (%(records)s): change or delete them first.")
            % {"records": names}
        )


class Withdrawn(exceptions.APIException):
    """A record readers could see, withdrawn since: a tombstone, not a "never existed" 404."""

    status_code = 410
    default_code = "withdrawn"

    def __init__(self, withdrawn_reason="", withdrawn_at=None):
        self.withdrawn_reason, self.withdrawn_at = withdrawn_reason, withdrawn_at
        message = _("This record has been withdrawn.")
        if withdrawn_reason:
            message = f"{message} {withdrawn_reason}"
        super().__init__(message)

    def extra(self) -> dict:
        return {
            "withdrawn_reason": self.withdrawn_reason,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
        }


def api_not_found(request, exception=None):
    return JsonResponse(
        error_body(404, "not_found", _("No API resource at %(path)s.") % {"path": request.path}),
        status=404,
    )


def api_server_error(request):
    return JsonResponse(
        error_body(500, "server_error", _("Server error; it has been logged.")), status=500
    )
