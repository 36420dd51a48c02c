"""The API root: a link to every list, to the timeline and to the Data Package; in the OpenAPI
schema like any other operation (DRF leaves its root out)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import routers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from .views import HttpMixin

ROOT_SCHEMA = {
    "type": "object",
    "description": "The API's entry points: each name with the absolute URL of its list.",
    "additionalProperties": {"type": "string", "format": "uri"},
    "example": {
        "orders": "https://example.org/api/v1/orders/",
        "deliveries": "https://example.org/api/v1/deliveries/",
        "timeline": "https://example.org/api/v1/timeline/",
        "datapackage": "https://example.org/api/v1/datapackage.json",
    },
}

# Entry points that are not viewsets, listed after the router's lists.
EXTRA = {"timeline": "timeline", "datapackage": "datapackage"}


class APIRootView(HttpMixin, routers.APIRootView):
    """Every list of the API, the timeline and the Data Package; `lang` and `format` checked as
    everywhere else (an unknown parameter is a 400)."""

    schema = AutoSchema()
    renderer_classes = [JSONRenderer]

    @extend_schema(operation_id="api_root", responses={200: ROOT_SCHEMA})
    def get(self, request, *args, **kwargs):
        namespace = request.resolver_match.namespace
        prefix = f"{namespace}:" if namespace else ""
        names = {**self.api_root_dict, **EXTRA}
        return Response(
            {key: reverse(prefix + name, request=request) for key, name in names.items()}
        )


class Router(routers.DefaultRouter):
    APIRootView = APIRootView
