from django.urls import include, path

from . import datapackage, deliveries, shares, views
from .root import Router

app_name = "api"

router = Router(trailing_slash=True)
router.include_format_suffixes = False
for name, viewset in views.EXPORTS.items():
    router.register(
        {
            "person": "people",
            "activity": "activities",
            "country": "countries",
            "system-category": "system-categories",
        }.get(name, f"{name}s"),
        viewset,
        basename=name,
    )
router.register("deliveries", deliveries.DeliveryViewSet, basename="delivery")
router.register("shares", shares.ShareViewSet, basename="share")

urlpatterns = [
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("timeline/timelinejs/", views.TimelineJSView.as_view(), name="timelinejs"),
    path("datapackage.json", datapackage.DataPackageView.as_view(), name="datapackage"),
    path("", include(router.urls)),
]
