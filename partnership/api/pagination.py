from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


def whole_number(raw: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts "²" or "٣", which `int` refuses or reads."""
    return raw.isascii() and raw.isdigit()


class Pagination(PageNumberPagination):
    """Pages of 50 by default; `page_size` up to 100. A malformed page size is a 400."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (whole_number(raw) and int(raw) > 0):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if (
            raw is not None
            and not (whole_number(raw) and int(raw) > 0)
            and raw not in self.last_page_strings
        ):
            raise NotFound(_("Invalid page: give a page number from 1."))
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, {self.page_size} by default; larger values than {self.max_page_size} are capped."
                )
        return parameters
